// Validators for the AWS and Kubernetes names a DR plan carries. Each returns what is wrong in words a
// user can act on, or undefined when the value is fine, so the schema can report it under the field's path.
import { awsPartition } from '../aws/partitions.ts';

/** What is wrong with a value, or undefined when it is valid. */
export type Problem = string | undefined;

const REGION =
  /^[a-z]{2}(-gov|-iso[a-z]?)?-(central|north|south|east|west|northeast|northwest|southeast|southwest)-\d{1,2}$/;
const AVAILABILITY_ZONE_LIKE = /^([a-z]{2}(-[a-z]+)+-\d{1,2})[a-z]$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const EKS_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KMS_ARN =
  /^arn:(aws(?:-[a-z]+)*):kms:([a-z0-9-]+):(\d{12}):(key\/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})|alias\/[A-Za-z0-9/_-]{1,256})$/;

/** The region part of a region name, or undefined when `value` is not one. */
export function regionProblem(value: string): Problem {
  if (REGION.test(value)) return undefined;
  const zone = AVAILABILITY_ZONE_LIKE.exec(value);
  if (zone && REGION.test(zone[1] ?? '')) {
    return `"${value}" is an availability zone; expected its region, ${zone[1]}`;
  }
  if (REGION.test(value.toLowerCase())) return `expected a lowercase region name, ${value.toLowerCase()}`;
  return `expected an AWS region name like eu-west-1, got ${JSON.stringify(value)}`;
}

/**
 * The AWS partition a region belongs to (src/aws/partitions.ts decides); ARNs, copies and snapshots never
 * cross partitions.
 */
export function partitionOf(region: string): string {
  return awsPartition(region).name;
}

/** True for a well-formed AWS region name. */
export function isRegion(value: unknown): value is string {
  return typeof value === 'string' && REGION.test(value);
}

/** What a KMS key or alias ARN names. */
export interface KmsKeyArn {
  partition: string;
  region: string;
  account: string;
  resource: string;
}

/** Splits a KMS key ARN (`arn:aws:kms:<region>:<account>:key/<id>` or `alias/<name>`), or undefined. */
export function parseKmsKeyArn(value: unknown): KmsKeyArn | undefined {
  if (typeof value !== 'string') return undefined;
  const match = KMS_ARN.exec(value);
  if (!match || !REGION.test(match[2] ?? '')) return undefined;
  return {
    partition: match[1] ?? '',
    region: match[2] ?? '',
    account: match[3] ?? '',
    resource: match[4] ?? '',
  };
}

/** Accepts a KMS key ARN or alias ARN; a bare key id or alias name is refused because its region is implicit. */
export function kmsKeyArnProblem(value: string): Problem {
  if (parseKmsKeyArn(value)) return undefined;
  if (/^(mrk-)?[0-9a-f-]{32,36}$/.test(value) || value.startsWith('alias/')) {
    return 'expected the full ARN (arn:aws:kms:<region>:<account>:key/<id>), not a key id or alias name';
  }
  return 'expected a KMS key ARN like arn:aws:kms:eu-west-1:123456789012:key/<key-id>';
}

/** S3 general purpose bucket naming rules. */
export function bucketNameProblem(value: string): Problem {
  if (value.length < 3 || value.length > 63) return `must be 3 to 63 characters, got ${value.length}`;
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(value)) {
    return 'must be lowercase letters, digits, "." and "-", starting and ending with a letter or digit';
  }
  if (value.includes('..')) return 'must not contain two adjacent periods';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(value)) return 'must not be formatted as an IP address';
  for (const prefix of ['xn--', 'sthree-', 'amzn-s3-demo-']) {
    if (value.startsWith(prefix)) return `must not start with the reserved prefix ${prefix}`;
  }
  for (const suffix of ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3']) {
    if (value.endsWith(suffix)) return `must not end with the reserved suffix ${suffix}`;
  }
  return undefined;
}

/** Object-store key prefix: S3-safe characters, no leading slash, no empty or relative segments. */
export function keyPrefixProblem(value: string): Problem {
  if (value === '') return undefined;
  if (value.startsWith('/')) return 'must not start with "/"';
  if (value.length > 512) return `must be at most 512 characters, got ${value.length}`;
  const segments = value.replace(/\/$/, '').split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
    return 'must not contain empty, "." or ".." segments';
  }
  if (!segments.every((segment) => /^[A-Za-z0-9!_.*'()-]+$/.test(segment))) {
    return "may contain only letters, digits and !_.*'()- between slashes";
  }
  return undefined;
}

/** EKS cluster names: 1-100 characters, alphanumeric first, then alphanumerics, "-" and "_". */
export function clusterNameProblem(value: string): Problem {
  if (value.length < 1 || value.length > 100) return `must be 1 to 100 characters, got ${value.length}`;
  if (!EKS_NAME.test(value))
    return 'must start with a letter or digit and contain only letters, digits, "-" and "_"';
  return undefined;
}

/** EKS managed node group names: as cluster names, at most 63 characters. */
export function nodeGroupNameProblem(value: string): Problem {
  if (value.length < 1 || value.length > 63) return `must be 1 to 63 characters, got ${value.length}`;
  if (!EKS_NAME.test(value))
    return 'must start with a letter or digit and contain only letters, digits, "-" and "_"';
  return undefined;
}

/** The plan id: a DNS label short enough to prefix stack, function, topic and execution names. */
export function planNameProblem(value: string): Problem {
  if (value.length < 1 || value.length > 32) return `must be 1 to 32 characters, got ${value.length}`;
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(value)) {
    return 'must be lowercase letters, digits and "-", starting with a letter and ending with a letter or digit';
  }
  return undefined;
}

/** A Kubernetes namespace name (DNS-1123 label). */
export function namespaceProblem(value: string): Problem {
  if (value.length > 63) return `must be at most 63 characters, got ${value.length}`;
  if (!DNS_LABEL.test(value)) {
    return 'expected a namespace name: lowercase letters, digits and "-", starting and ending with a letter or digit';
  }
  return undefined;
}

/** A Kubernetes object name (DNS-1123 subdomain), e.g. a storage class. */
export function objectNameProblem(value: string): Problem {
  if (value.length > 253) return `must be at most 253 characters, got ${value.length}`;
  if (!DNS_SUBDOMAIN.test(value)) {
    return 'expected a Kubernetes name: lowercase letters, digits, "-" and ".", starting and ending with a letter or digit';
  }
  return undefined;
}

/** A resource filter: `*`, or a plural resource with an optional group, as in `deployments.apps`. */
export function resourceFilterProblem(value: string): Problem {
  if (value === '*') return undefined;
  if (/^[a-z][a-z0-9]*(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(value)) return undefined;
  return `expected a resource like "configmaps" or "deployments.apps", got ${JSON.stringify(value)}`;
}

/** An annotation or label key (qualified name with an optional DNS subdomain prefix). */
export function qualifiedNameProblem(value: string): Problem {
  const parts = value.split('/');
  const name = parts.length === 2 ? (parts[1] ?? '') : value;
  const prefix = parts.length === 2 ? (parts[0] ?? '') : undefined;
  const valid =
    parts.length <= 2 &&
    name.length <= 63 &&
    QUALIFIED_NAME.test(name) &&
    (prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix)));
  return valid
    ? undefined
    : `expected an annotation key like "example.com/restored-by", got ${JSON.stringify(value)}`;
}

/** A workload in the replicas overrides: `<namespace>/<Kind>/<name>`, or `*` for every other workload. */
/** A role binding subject as the privilege guard names it: `User:<name>`, `Group:<name>`, `ServiceAccount:<ns>/<name>`. */
export function bindingSubjectProblem(value: string): Problem {
  return /^(User|Group|ServiceAccount):\S+$/.test(value)
    ? undefined
    : "expected 'User:<name>', 'Group:<name>' or 'ServiceAccount:<namespace>/<name>'";
}

export function workloadKeyProblem(value: string): Problem {
  if (value === '*') return undefined;
  const [namespace, kind, name, ...rest] = value.split('/');
  const valid =
    rest.length === 0 &&
    namespace !== undefined &&
    namespaceProblem(namespace) === undefined &&
    kind !== undefined &&
    /^[A-Z][A-Za-z0-9]*$/.test(kind) &&
    name !== undefined &&
    objectNameProblem(name) === undefined;
  return valid ? undefined : `expected "<namespace>/<Kind>/<name>" (e.g. "shop/Deployment/web") or "*"`;
}

/** An image registry (host, optional port, optional repository path) without scheme, tag or digest. */
export function registryProblem(value: string): Problem {
  if (value.includes('://'))
    return `expected a registry without a scheme, e.g. ${value.replace(/^.*:\/\//, '')}`;
  if (/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*$/.test(value))
    return undefined;
  return `expected a registry like 123456789012.dkr.ecr.eu-west-1.amazonaws.com or ghcr.io/acme, got ${JSON.stringify(value)}`;
}

/** An availability zone name of `region`: `eu-west-1a`, or a Local Zone such as `us-west-2-lax-1a`. */
export function availabilityZoneProblem(value: string, region: string): Problem {
  if (value.startsWith(region)) {
    const rest = value.slice(region.length);
    if (/^[a-z]$/.test(rest) || /^-[a-z]+-\d+[a-z]$/.test(rest)) return undefined;
  }
  return `expected an availability zone of ${region} (e.g. ${region}a), got ${JSON.stringify(value)}`;
}

/** A Route 53 hosted zone id such as Z1D633PJN98FT9 (also used for alias target zones). */
export function hostedZoneIdProblem(value: string): Problem {
  if (/^Z[0-9A-Z]{1,31}$/.test(value)) return undefined;
  if (value.startsWith('/hostedzone/')) return `expected the bare id, ${value.slice('/hostedzone/'.length)}`;
  return `expected a Route 53 hosted zone id like Z1D633PJN98FT9, got ${JSON.stringify(value)}`;
}

/** A Route 53 health check id (a UUID). */
export function healthCheckIdProblem(value: string): Problem {
  return UUID.test(value)
    ? undefined
    : `expected a Route 53 health check id like 0a1b2c3d-1111-2222-3333-444455556666, got ${JSON.stringify(value)}`;
}

/** CloudWatch alarm names: 1-255 characters without control characters. */
export function alarmNameProblem(value: string): Problem {
  if (value.length < 1 || value.length > 255) return `must be 1 to 255 characters, got ${value.length}`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused.
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'must not contain control characters';
  return undefined;
}

/** SNS standard topic names: 1-256 letters, digits, "-" and "_". */
export function topicNameProblem(value: string): Problem {
  return /^[A-Za-z0-9_-]{1,256}$/.test(value)
    ? undefined
    : `expected an SNS topic name (letters, digits, "-" and "_"), got ${JSON.stringify(value)}`;
}
