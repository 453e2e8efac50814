// The DR plan: one zod schema for everything a deployment needs. The CDK app validates eks-dr.config.json
// with it and hands the parsed plan to every function as JSON with its fingerprint (./deployed-plan.ts).
// The parsed plan is itself a valid input (parse(parse(x)) equals parse(x)), so the JSON a function reads
// back is exactly what the schema accepted.

import { parseLabelSelector } from '../kube/label-selector.ts';
import { isRecord } from '../util/is-record.ts';
import * as z from '../util/zod.ts';
import {
  alarmNameProblem,
  availabilityZoneProblem,
  bindingSubjectProblem,
  bucketNameProblem,
  clusterNameProblem,
  healthCheckIdProblem,
  hostedZoneIdProblem,
  isRegion,
  keyPrefixProblem,
  kmsKeyArnProblem,
  namespaceProblem,
  nodeGroupNameProblem,
  objectNameProblem,
  type Problem,
  parseKmsKeyArn,
  partitionOf,
  planNameProblem,
  qualifiedNameProblem,
  regionProblem,
  registryProblem,
  resourceFilterProblem,
  topicNameProblem,
  workloadKeyProblem,
} from './aws-names.ts';
import { dnsNameProblem, dnsRecordTypes, recordValueProblem, toFqdn } from './dns-names.ts';
import { parseSchedule } from './schedule.ts';

/** Where Route 53 publishes health-check metrics, so alarms on them live here whatever the plan's regions. */
export const ROUTE53_METRICS_REGION = 'us-east-1';

/** What a restore does with an object that already exists in the target cluster (as Velero). */
export const existingResourcePolicies = ['none', 'update'] as const;
/** `none` skips and reports an existing object; `update` patches it to the backed-up state. */
export type ExistingResourcePolicy = (typeof existingResourcePolicies)[number];

/** How a record moves: Route 53 failover pair, weighted pair (100/0 flipped to 0/100), or one record swapped. */
export const dnsRecordModes = ['failover', 'weighted', 'swap'] as const;
/** The routing policy the DNS cutover drives for one record. */
export type DnsRecordMode = (typeof dnsRecordModes)[number];

/** Defaults that match what Velero and AWS Backup users expect out of the box. */
export const PLAN_DEFAULTS = {
  schedule: 'rate(1 hour)',
  retentionCount: 24,
  retentionMaxAgeDays: 7,
  existingResourcePolicy: 'none',
  failbackExistingResourcePolicy: 'update',
  autoFailover: false,
  approvalRequired: true,
  recordTtlSeconds: 60,
  healthExpectedStatus: 200,
  healthTimeoutSeconds: 5,
  healthConsecutiveSuccesses: 3,
} as const;

/** A string checked by one of the aws-names validators; its problem becomes the issue message. */
function checked(problemOf: (value: string) => Problem) {
  return z.string().check(
    z.superRefine((value, ctx) => {
      const problem = problemOf(value);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    }),
  );
}

const count = (min: number, what: string) =>
  z
    .number()
    .check(z.int(`expected a whole number of ${what}`), z.gte(min, `expected at least ${min} ${what}`));

const region = checked(regionProblem);
const kmsKeyArn = checked(kmsKeyArnProblem);
const namespace = checked(namespaceProblem);
const objectName = checked(objectNameProblem);
const namespacePattern = checked((value) => (value === '*' ? undefined : namespaceProblem(value)));
const resourcePattern = checked(resourceFilterProblem);

const primarySchema = z.strictObject({
  region,
  clusterName: checked(clusterNameProblem),
  backupBucket: checked(bucketNameProblem),
  /** Encrypts the backup bucket; the stack creates a key with rotation when absent. */
  kmsKeyArn: z.optional(kmsKeyArn),
});

const sizeSchema = z
  .strictObject({
    min: count(0, 'nodes'),
    desired: count(0, 'nodes'),
    // EKS refuses a node group whose maxSize is 0.
    max: count(1, 'nodes'),
  })
  .check(
    z.superRefine((size, ctx) => {
      if (size.min > size.max) {
        ctx.addIssue({ code: 'custom', path: ['min'], message: `${size.min} is above max ${size.max}` });
      } else if (size.desired < size.min || size.desired > size.max) {
        ctx.addIssue({
          code: 'custom',
          path: ['desired'],
          message: `${size.desired} is outside min..max (${size.min}..${size.max})`,
        });
      }
    }),
  );

const nodeGroupSchema = z
  .strictObject({
    name: checked(nodeGroupNameProblem),
    /** The size kept while the primary is healthy (often 0 or 1 nodes). */
    pilotLightSize: sizeSchema,
    /** The size failover scales to before restoring. */
    targetSize: sizeSchema,
  })
  .check(
    z.superRefine((group, ctx) => {
      if (group.targetSize.desired < 1) {
        ctx.addIssue({
          code: 'custom',
          path: ['targetSize', 'desired'],
          message: 'must be at least 1: failover would leave this node group empty',
        });
      } else if (group.targetSize.desired < group.pilotLightSize.desired) {
        ctx.addIssue({
          code: 'custom',
          path: ['targetSize', 'desired'],
          message: `${group.targetSize.desired} is below pilotLightSize.desired ${group.pilotLightSize.desired}: failover would shrink the node group`,
        });
      }
    }),
  );

const PERCENT = /^(\d{1,4})%$/;
const MAX_REPLICA_PERCENT = 1000;

const REPLICA_OVERRIDE_RULE =
  'expected a replica count (0, 1, 2, …) or a percentage of the recorded replicas like "50%"';

const replicaOverride = z.union([z.number(), z.string()], { error: REPLICA_OVERRIDE_RULE }).check(
  z.superRefine((value, ctx) => {
    const valid = typeof value === 'number' ? Number.isInteger(value) && value >= 0 : PERCENT.test(value);
    if (!valid)
      ctx.addIssue({ code: 'custom', message: `${REPLICA_OVERRIDE_RULE}, got ${JSON.stringify(value)}` });
  }),
);

const imageRewriteSchema = z
  .strictObject({ from: checked(registryProblem), to: checked(registryProblem) })
  .check(
    z.refine((rewrite) => rewrite.from !== rewrite.to, { path: ['to'], message: 'is the same as from' }),
  );

const overridesSchema = z
  .strictObject({
    /**
     * Replicas per workload `<namespace>/<Kind>/<name>`: a count, or a percentage of the replicas recorded
     * in the backup (rounded up, so 50% of 1 stays 1). `*` applies to every workload not listed.
     */
    replicas: z._default(z.record(checked(workloadKeyProblem), replicaOverride), {}),
    /** Image registry rewrites, first match wins: `from` is replaced by `to` at the start of an image. */
    imageRegistries: z._default(z.array(imageRewriteSchema), []),
    /** Storage class mapping for PVCs, PVs and StatefulSet volumeClaimTemplates (e.g. gp2 -> gp3). */
    storageClasses: z._default(z.record(objectName, objectName), {}),
    /** Annotations added to every restored object (e.g. who restored it, from which backup). */
    annotations: z._default(z.record(checked(qualifiedNameProblem), z.string()), {}),
  })
  .check(
    z.superRefine((overrides, ctx) => {
      for (const [key, value] of Object.entries(overrides.replicas)) {
        const percent = typeof value === 'string' ? Number(PERCENT.exec(value)?.[1]) : 0;
        if (percent > MAX_REPLICA_PERCENT) {
          ctx.addIssue({
            code: 'custom',
            path: ['replicas', key],
            message: `${value} is above ${MAX_REPLICA_PERCENT}%`,
          });
        }
      }
      const seen = new Set<string>();
      overrides.imageRegistries.forEach((rewrite, index) => {
        if (seen.has(rewrite.from)) {
          ctx.addIssue({
            code: 'custom',
            path: ['imageRegistries', index, 'from'],
            message: `${rewrite.from} is rewritten twice`,
          });
        }
        seen.add(rewrite.from);
      });
    }),
  );

const drSchema = z
  .strictObject({
    ...primarySchema.shape,
    /** Managed node groups scaled from pilot light to target on failover and back down after failback. */
    nodeGroups: z._default(z.array(nodeGroupSchema), []),
    /** Changes applied when restoring into the DR cluster (failover, drill), never on failback. */
    overrides: z.prefault(overridesSchema, {}),
  })
  .check(
    z.superRefine((dr, ctx) => {
      const names = dr.nodeGroups.map((group) => group.name);
      names.forEach((name, index) => {
        if (names.indexOf(name) !== index) {
          ctx.addIssue({
            code: 'custom',
            path: ['nodeGroups', index, 'name'],
            message: `duplicate node group ${name}`,
          });
        }
      });
    }),
  );

const retentionSchema = z.strictObject({
  /** Keep at most this many backups; the newest copied backup is never deleted whatever the limits. */
  count: z._default(count(1, 'backups'), PLAN_DEFAULTS.retentionCount),
  /** Delete backups older than this many days. */
  maxAgeDays: z._default(count(1, 'days'), PLAN_DEFAULTS.retentionMaxAgeDays),
});

/**
 * S3 Object Lock on both backup buckets: no one, the backup role included, can delete or overwrite a
 * backup's objects before `days` (default: the retention's maxAgeDays) have passed. GOVERNANCE lets a
 * principal with s3:BypassGovernanceRetention lift it; COMPLIANCE lets nobody, the account root included.
 */
const objectLockSchema = z.strictObject({
  enabled: z._default(z.boolean(), true),
  mode: z._default(z.enum(['GOVERNANCE', 'COMPLIANCE']), 'GOVERNANCE'),
  days: z.optional(count(1, 'days')),
});

const labelSelector = z.string().check(
  z.superRefine((value, ctx) => {
    try {
      parseLabelSelector(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  }),
);

const filtersSchema = z
  .strictObject({
    /** Back up only these namespaces (`*` for all); absent means every namespace. */
    includeNamespaces: z.optional(
      z.array(namespacePattern).check(z.minLength(1, 'omit the field to include every namespace')),
    ),
    excludeNamespaces: z._default(z.array(namespace), []),
    /** Back up only these resources (`deployments.apps`, `configmaps`); absent means every resource. */
    includeResources: z.optional(
      z.array(resourcePattern).check(z.minLength(1, 'omit the field to include every resource')),
    ),
    excludeResources: z._default(z.array(resourcePattern), []),
    /** Kubernetes label selector, e.g. `app.kubernetes.io/part-of=shop,tier!=cache`. */
    labelSelector: z.optional(labelSelector),
    /**
     * Cluster-scoped resources (Velero's --include-cluster-resources): true all, false none, absent
     * "auto": all when no namespace filter is set, otherwise the PVs, CRDs and Namespaces of the backed-up
     * namespaces only.
     */
    includeClusterResources: z.optional(z.boolean()),
  })
  .check(
    z.superRefine((filters, ctx) => {
      for (const [include, exclude] of [
        ['includeNamespaces', 'excludeNamespaces'],
        ['includeResources', 'excludeResources'],
      ] as const) {
        const included = new Set(filters[include] ?? []);
        filters[exclude].forEach((value, index) => {
          if (included.has(value)) {
            ctx.addIssue({
              code: 'custom',
              path: [exclude, index],
              message: `${value} is also in ${include}`,
            });
          }
        });
      }
    }),
  );

const backupSchema = z.strictObject({
  /** Key prefix in both buckets: `<prefix>/backups/<name>/...`. */
  prefix: z._default(checked(keyPrefixProblem), ''),
  /** EventBridge schedule expression: `rate(1 hour)` or `cron(0 * * * ? *)` (UTC). */
  schedule: z._default(
    z.string().check(
      z.superRefine((value, ctx) => {
        try {
          parseSchedule(value);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message.replace(/^schedule /, '') });
        }
      }),
    ),
    PLAN_DEFAULTS.schedule,
  ),
  retention: z.prefault(retentionSchema, {}),
  objectLock: z.prefault(objectLockSchema, {}),
  filters: z.prefault(filtersSchema, {}),
});

const volumesSchema = z.strictObject({
  /** Snapshot the EBS volumes behind persistent volumes and recreate them in the DR region. */
  enabled: z._default(z.boolean(), true),
  /** Primary AZ -> DR AZ for restored volumes; unmapped zones use the zone of a DR node group. */
  availabilityZoneMapping: z._default(z.record(z.string(), z.string()), {}),
  /** Encrypts the snapshot copies and volumes in the DR region; defaults to dr.kmsKeyArn, then aws/ebs. */
  drKmsKeyArn: z.optional(kmsKeyArn),
  /** Encrypts a failback's snapshot copies and volumes in the primary region; defaults to primary.kmsKeyArn, then aws/ebs. */
  primaryKmsKeyArn: z.optional(kmsKeyArn),
});

const aliasSchema = z.strictObject({
  /** e.g. the DNS name of the load balancer in front of the ingress. */
  dnsName: checked(dnsNameProblem),
  /** The alias target's own zone (e.g. the ALB's canonical hosted zone id), not the plan's zone. */
  hostedZoneId: checked(hostedZoneIdProblem),
  evaluateTargetHealth: z._default(z.boolean(), false),
});

const recordTargetSchema = z
  .strictObject({
    /** Resource record values: IPv4 for A, IPv6 for AAAA, one host name for CNAME. */
    values: z.optional(z.array(z.string()).check(z.minLength(1, 'expected at least one value'))),
    /** Route 53 alias target, the usual choice for a load balancer. */
    alias: z.optional(aliasSchema),
    /** Route 53 health check attached to this side's record (failover and weighted modes). */
    healthCheckId: z.optional(checked(healthCheckIdProblem)),
  })
  .check(
    z.superRefine((target, ctx) => {
      if ((target.values === undefined) === (target.alias === undefined)) {
        ctx.addIssue({ code: 'custom', message: 'expected exactly one of values or alias' });
      }
    }),
  );

const TTL_RULE = 'expected whole seconds from 0 to 2147483647';

const dnsRecordSchema = z
  .strictObject({
    name: checked(dnsNameProblem),
    type: z.enum(dnsRecordTypes),
    mode: z.enum(dnsRecordModes),
    /** What the record points at while the primary serves. */
    primary: recordTargetSchema,
    /** What the record points at after failover. */
    dr: recordTargetSchema,
    /** Seconds, for the sides given as values (default 60); absent when both sides are aliases. */
    ttl: z.optional(z.number().check(z.int(TTL_RULE), z.gte(0, TTL_RULE), z.lte(2_147_483_647, TTL_RULE))),
  })
  .check(
    z.superRefine((record, ctx) => {
      if (record.primary.alias !== undefined && record.dr.alias !== undefined && record.ttl !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['ttl'],
          message: 'must be absent: alias records take the TTL of their target',
        });
      }
      for (const side of ['primary', 'dr'] as const) {
        const target = record[side];
        (target.values ?? []).forEach((value, index) => {
          const problem = recordValueProblem(record.type, value);
          if (problem) ctx.addIssue({ code: 'custom', path: [side, 'values', index], message: problem });
        });
        if (record.type === 'CNAME' && (target.values?.length ?? 0) > 1) {
          ctx.addIssue({
            code: 'custom',
            path: [side, 'values'],
            message: 'a CNAME record takes exactly one value',
          });
        }
        if (record.mode === 'swap' && target.healthCheckId !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [side, 'healthCheckId'],
            message: 'only failover and weighted records carry a health check',
          });
        }
      }
    }),
  );

const dnsSchema = z
  .strictObject({
    /** The Route 53 hosted zone that holds every record below. */
    hostedZoneId: checked(hostedZoneIdProblem),
    records: z.array(dnsRecordSchema).check(z.minLength(1, 'expected at least one record')),
  })
  .check(
    z.superRefine((dns, ctx) => {
      const seen = new Map<string, string>();
      dns.records.forEach((record, index) => {
        const name = toFqdn(record.name);
        const earlier = seen.get(name);
        if (
          earlier !== undefined &&
          (earlier === record.type || earlier === 'CNAME' || record.type === 'CNAME')
        ) {
          ctx.addIssue({
            code: 'custom',
            path: ['records', index, 'name'],
            message:
              earlier === record.type
                ? `${record.name} ${record.type} is listed twice`
                : `${record.name} already has ${earlier === 'CNAME' ? 'a' : 'an'} ${earlier} record; a CNAME cannot share its name`,
          });
        }
        seen.set(name, record.type);
      });
    }),
  );

const STATUS_RULE = 'expected an HTTP status code from 100 to 599';
const TIMEOUT_RULE = 'expected whole seconds from 1 to 60';

const sideHealthCheckSchema = z
  .strictObject({
    /** Checked directly against the side DNS is about to move to, so it must reach that side without the record. */
    url: z.optional(z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })),
    route53HealthCheckId: z.optional(checked(healthCheckIdProblem)),
    expectedStatus: z._default(
      z.number().check(z.int(STATUS_RULE), z.gte(100, STATUS_RULE), z.lte(599, STATUS_RULE)),
      PLAN_DEFAULTS.healthExpectedStatus,
    ),
    timeoutSeconds: z._default(
      z.number().check(z.int(TIMEOUT_RULE), z.gte(1, TIMEOUT_RULE), z.lte(60, TIMEOUT_RULE)),
      PLAN_DEFAULTS.healthTimeoutSeconds,
    ),
    /** Passes in a row before the gate opens, so one lucky response does not move DNS. */
    consecutiveSuccesses: z._default(count(1, 'checks'), PLAN_DEFAULTS.healthConsecutiveSuccesses),
  })
  .check(
    z.superRefine((check, ctx) => {
      if ((check.url === undefined) === (check.route53HealthCheckId === undefined)) {
        ctx.addIssue({ code: 'custom', message: 'expected exactly one of url or route53HealthCheckId' });
      }
    }),
  );

/**
 * The health gate of each side: `dr` before a failover moves DNS to DR, `primary` before a failback moves it
 * back. One check without `primary`/`dr` (the older form) stands for both; it stays one in the parsed plan,
 * which every function carries in its 4 KB environment (read a side's through healthCheckOf).
 */
const perSideHealthCheckSchema = z.strictObject({
  primary: z.optional(sideHealthCheckSchema),
  dr: z.optional(sideHealthCheckSchema),
});
type HealthChecksInput = z.input<typeof perSideHealthCheckSchema> | z.input<typeof sideHealthCheckSchema>;

// The form is told by its keys rather than by a union, so a mistake in either form is reported at its field
// (a union would only say "Invalid input").
const healthCheckSchema = z.pipe(
  z.custom<HealthChecksInput>((value) => isRecord(value), 'expected an object'),
  z.transform((value, ctx): SideHealthCheck | { primary?: SideHealthCheck; dr?: SideHealthCheck } => {
    const result = (isPerSideHealthCheck(value) ? perSideHealthCheckSchema : sideHealthCheckSchema).safeParse(
      value,
    );
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
      ctx.issues.push({ code: 'custom', message: issue.message, path: issue.path, input: value });
    }
    return {};
  }),
);
type SideHealthCheck = z.output<typeof sideHealthCheckSchema>;

const failbackSchema = z.strictObject({
  /** What a failback does with an object the primary already has: `update` brings DR's version home. */
  existingResourcePolicy: z._default(
    z.enum(existingResourcePolicies),
    PLAN_DEFAULTS.failbackExistingResourcePolicy,
  ),
  /** Delete from the primary what was deleted in DR during the outage (else only reported). */
  removeDeletedInDr: z._default(z.boolean(), false),
});

const alarmSchema = z.strictObject({
  name: checked(alarmNameProblem),
  /** Where the alarm lives; defaults to the primary region. Route 53 health-check alarms live in us-east-1. */
  region: z.optional(region),
});

const failoverSchema = z.strictObject({
  /** CloudWatch alarms whose transition to ALARM starts a failover (when autoFailover is on). */
  alarms: z._default(z.array(alarmSchema), []),
  autoFailover: z._default(z.boolean(), PLAN_DEFAULTS.autoFailover),
  /** A person approves (task token) before a failover changes anything. */
  approvalRequired: z._default(z.boolean(), PLAN_DEFAULTS.approvalRequired),
});

const objectivesSchema = z.strictObject({
  rtoMinutes: count(1, 'minutes'),
  rpoMinutes: count(1, 'minutes'),
});

const notificationSchema = z.strictObject({
  /** The SNS topic the stack creates for reports and approvals; defaults to one named after the plan. */
  topicName: z.optional(checked(topicNameProblem)),
  emails: z._default(z.array(z.email('expected an email address')), []),
});

/** Namespace mapping source -> target; two namespaces may not merge into one. */
export const namespaceMappingSchema = z.record(namespace, namespace).check(
  z.superRefine((mapping, ctx) => {
    const targets = new Map<string, string>();
    for (const [source, target] of Object.entries(mapping)) {
      const other = targets.get(target);
      if (other !== undefined) {
        ctx.addIssue({ code: 'custom', path: [source], message: `${other} is already mapped to ${target}` });
      }
      targets.set(target, source);
    }
  }),
);

const drillSchema = z.strictObject({
  /** Restore into these namespaces during a drill, so it never collides with anything in the DR cluster. */
  namespaceMapping: z._default(namespaceMappingSchema, {}),
  /** Delete what the drill restored and scale back to pilot light when it ends. */
  cleanup: z._default(z.boolean(), false),
});

const bindingSubject = checked(bindingSubjectProblem);

/**
 * Who a restore refuses to bind roles to. system:anonymous and system:unauthenticated are always refused
 * (a binding to them grants its role to anyone who reaches the API server) unless `allowSubjects` names
 * them; `refuseSubjects` adds more (e.g. `Group:system:authenticated`).
 */
const privilegeGuardSchema = z.strictObject({
  refuseSubjects: z._default(z.array(bindingSubject), []),
  allowSubjects: z._default(z.array(bindingSubject), []),
});

const planObjectSchema = z.strictObject({
  /** Editors may point at a JSON Schema; ignored. */
  $schema: z.optional(z.string()),
  /** The plan id, used in resource, execution and backup names. */
  name: checked(planNameProblem),
  description: z.optional(z.string().check(z.maxLength(1024))),
  primary: primarySchema,
  dr: drSchema,
  backup: z.prefault(backupSchema, {}),
  volumes: z.prefault(volumesSchema, {}),
  existingResourcePolicy: z._default(z.enum(existingResourcePolicies), PLAN_DEFAULTS.existingResourcePolicy),
  privilegeGuard: z.prefault(privilegeGuardSchema, {}),
  drill: z.prefault(drillSchema, {}),
  dns: z.optional(dnsSchema),
  healthCheck: z.optional(healthCheckSchema),
  failover: z.prefault(failoverSchema, {}),
  /** Absent stays absent (the plan travels in a 4 KB environment): read it through failbackSettingsOf. */
  failback: z.optional(failbackSchema),
  objectives: objectivesSchema,
  notification: z.prefault(notificationSchema, {}),
});

type PlanObject = z.output<typeof planObjectSchema>;
type Issue = { path: PropertyKey[]; message: string };
type DeepPartial<T> = T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

// `{ primary, dr }` rather than one check standing for both.
function isPerSideHealthCheck(value: unknown): boolean {
  return isRecord(value) && ('primary' in value || 'dr' in value);
}

/**
 * Rules that span sections. They run even when a field elsewhere is invalid, so one pass reports every
 * problem; that is why each reads its inputs defensively instead of trusting the parsed types.
 */
function crossFieldIssues(input: unknown): Issue[] {
  const issues: Issue[] = [];
  if (!isRecord(input)) return issues;
  const plan = input as DeepPartial<PlanObject>;
  const primaryRegion = isRegion(plan.primary?.region) ? plan.primary.region : undefined;
  const drRegion = isRegion(plan.dr?.region) ? plan.dr.region : undefined;

  if (primaryRegion !== undefined && primaryRegion === drRegion) {
    issues.push({ path: ['dr', 'region'], message: `must differ from primary.region (${primaryRegion})` });
  }
  if (
    primaryRegion !== undefined &&
    drRegion !== undefined &&
    partitionOf(primaryRegion) !== partitionOf(drRegion)
  ) {
    issues.push({
      path: ['dr', 'region'],
      message: `is in partition ${partitionOf(drRegion)} but primary.region is in ${partitionOf(primaryRegion)}; backups cannot be copied across partitions`,
    });
  }
  if (plan.primary?.backupBucket !== undefined && plan.primary.backupBucket === plan.dr?.backupBucket) {
    issues.push({ path: ['dr', 'backupBucket'], message: 'must differ from primary.backupBucket' });
  }
  const keys: [PropertyKey[], unknown, string | undefined][] = [
    [['primary', 'kmsKeyArn'], plan.primary?.kmsKeyArn, primaryRegion],
    [['dr', 'kmsKeyArn'], plan.dr?.kmsKeyArn, drRegion],
    [['volumes', 'drKmsKeyArn'], plan.volumes?.drKmsKeyArn, drRegion],
    [['volumes', 'primaryKmsKeyArn'], plan.volumes?.primaryKmsKeyArn, primaryRegion],
  ];
  for (const [path, value, keyRegion] of keys) {
    const arn = parseKmsKeyArn(value);
    if (arn === undefined || keyRegion === undefined) continue;
    if (arn.region !== keyRegion) {
      issues.push({
        path,
        message: `is a key in ${arn.region}; KMS keys are regional, expected one in ${keyRegion}`,
      });
    } else if (arn.partition !== partitionOf(keyRegion)) {
      issues.push({ path, message: `partition ${arn.partition} does not match region ${keyRegion}` });
    }
  }

  const zones = isRecord(plan.volumes?.availabilityZoneMapping) ? plan.volumes.availabilityZoneMapping : {};
  for (const [from, to] of Object.entries(zones)) {
    if (typeof to !== 'string') continue;
    const path = ['volumes', 'availabilityZoneMapping', from];
    const fromProblem =
      primaryRegion === undefined ? undefined : availabilityZoneProblem(from, primaryRegion);
    if (fromProblem !== undefined) issues.push({ path, message: `key: ${fromProblem}` });
    const toProblem = drRegion === undefined ? undefined : availabilityZoneProblem(to, drRegion);
    if (toProblem !== undefined) issues.push({ path, message: toProblem });
  }

  const alarms = Array.isArray(plan.failover?.alarms) ? plan.failover.alarms : [];
  const allowed = [primaryRegion, drRegion, ROUTE53_METRICS_REGION].filter((r) => r !== undefined);
  const seenAlarms = new Set<string>();
  alarms.forEach((alarm, index) => {
    const alarmRegion = alarm?.region ?? primaryRegion;
    if (alarm?.region !== undefined && isRegion(alarm.region) && primaryRegion && drRegion) {
      if (!allowed.includes(alarm.region)) {
        issues.push({
          path: ['failover', 'alarms', index, 'region'],
          message: `expected ${[...new Set(allowed)].join(', ')} (primary, DR, or us-east-1 for Route 53 health checks), got ${alarm.region}`,
        });
      }
    }
    if (typeof alarm?.name !== 'string') return;
    const key = `${alarmRegion}/${alarm.name}`;
    if (seenAlarms.has(key)) {
      issues.push({ path: ['failover', 'alarms', index, 'name'], message: `${alarm.name} is listed twice` });
    }
    seenAlarms.add(key);
  });
  if (plan.failover?.autoFailover === true && alarms.length === 0) {
    issues.push({
      path: ['failover', 'alarms'],
      message: 'autoFailover is on but no alarm is listed to trigger it',
    });
  }

  if (plan.dns !== undefined && plan.healthCheck === undefined) {
    issues.push({
      path: ['healthCheck'],
      message: 'is required when dns is set: DNS only moves to a side that passed its health check',
    });
  } else if (plan.dns !== undefined && isRecord(plan.healthCheck)) {
    const check = plan.healthCheck as Record<string, unknown>;
    for (const side of ['primary', 'dr'] as const) {
      if (isPerSideHealthCheck(check) && check[side] === undefined) {
        issues.push({
          path: ['healthCheck', side],
          message: `is required when dns is set: DNS only moves to ${side === 'dr' ? 'DR' : 'the primary'} once it passed its health check`,
        });
      }
    }
  }

  const schedule = scheduleOrUndefined(plan.backup?.schedule);
  const rpo = plan.objectives?.rpoMinutes;
  if (schedule?.intervalMinutes !== undefined && typeof rpo === 'number' && rpo < schedule.intervalMinutes) {
    issues.push({
      path: ['objectives', 'rpoMinutes'],
      message: `${rpo} can never be met: backup.schedule ${schedule.expression} runs only every ${schedule.intervalMinutes} minutes`,
    });
  }
  return issues;
}

function scheduleOrUndefined(expression: unknown) {
  if (typeof expression !== 'string') return undefined;
  try {
    return parseSchedule(expression);
  } catch {
    return undefined;
  }
}

/** Fills defaults that depend on other fields; the result parses to itself. */
function withDerivedDefaults(plan: PlanObject) {
  const alarms = plan.failover.alarms.map((alarm) => ({
    name: alarm.name,
    region: alarm.region ?? plan.primary.region,
  }));
  const derived = { ...plan, failover: { ...plan.failover, alarms } };
  if (plan.dns === undefined) return derived;
  const records = plan.dns.records.map((record) =>
    record.primary.values !== undefined || record.dr.values !== undefined
      ? { ...record, ttl: record.ttl ?? PLAN_DEFAULTS.recordTtlSeconds }
      : record,
  );
  return { ...derived, dns: { ...plan.dns, records } };
}

/** The DR plan: everything a deployment needs, validated with every issue named by its field path. */
export const drPlanSchema = z.pipe(
  planObjectSchema.check(
    z.superRefine(
      (plan, ctx) => {
        for (const issue of crossFieldIssues(plan)) ctx.addIssue({ code: 'custom', ...issue });
      },
      // Run even when fields are invalid elsewhere, so one pass reports every problem.
      { when: () => true },
    ),
  ),
  z.transform(withDerivedDefaults),
);

/** A validated DR plan with every default filled in. */
export type DrPlan = z.output<typeof drPlanSchema>;
/** What a config file may contain: the plan with defaulted fields optional. */
export type DrPlanInput = z.input<typeof drPlanSchema>;
/** One DR node group with its pilot-light and target sizes. */
export type DrNodeGroup = DrPlan['dr']['nodeGroups'][number];
/** A node group scaling configuration. */
export type NodeGroupSize = DrNodeGroup['targetSize'];
/** The changes applied to objects restored into the DR cluster. */
export type DrOverrides = DrPlan['dr']['overrides'];
/** A replica override: a count, or a percentage string such as "50%". */
export type ReplicaOverride = DrOverrides['replicas'][string];
/** The backup filters, as recorded in each backup's manifest. */
export type BackupFilters = DrPlan['backup']['filters'];
/** The Route 53 part of a plan. */
export type DnsPlan = NonNullable<DrPlan['dns']>;
/** One record the DNS cutover moves. */
export type DnsRecordPlan = DnsPlan['records'][number];
/** One side (primary or DR) of a record. */
export type DnsRecordTarget = DnsRecordPlan['primary'];
/** The health gates in front of the DNS cutover: one for both sides, or one per side. */
export type HealthChecksPlan = NonNullable<DrPlan['healthCheck']>;
/** The health gate of one side. */
export type HealthCheckPlan = SideHealthCheck;

/** A CloudWatch alarm that triggers failover, with its region resolved. */
export type FailoverAlarm = DrPlan['failover']['alarms'][number];

/** The replica count for a workload after a `count` or `"N%"` override; percentages round up. */
export function applyReplicaOverride(override: ReplicaOverride, recorded: number): number {
  if (typeof override === 'number') return override;
  const percent = Number(PERCENT.exec(override)?.[1] ?? 100);
  return Math.ceil((recorded * percent) / 100);
}

/** The override for `namespace/Kind/name`: its own entry, else `*`, else undefined (keep the recorded count). */
export function replicaOverrideFor(
  overrides: DrOverrides,
  workload: { namespace: string; kind: string; name: string },
): ReplicaOverride | undefined {
  return (
    overrides.replicas[`${workload.namespace}/${workload.kind}/${workload.name}`] ?? overrides.replicas['*']
  );
}
