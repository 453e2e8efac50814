import { bindingSubjectProblem } from '../plan/aws-names.ts';
import { failbackSettingsOf } from '../plan/compact-sections.ts';
import type { DrOverrides, DrPlan } from '../plan/index.ts';
import { InvalidRestoreOptionError } from './errors.ts';

/** What to do when an object already exists in the target: leave it (and report it), or replace it. */
export const existingResourcePolicies = ['none', 'update'] as const;
/** `none`: skip and report skipped-exists (default); `update`: replace with the archived object. */
export type ExistingResourcePolicy = (typeof existingResourcePolicies)[number];

/** A rewrite of container images: every image starting with `from` gets `to` instead of that prefix. */
export interface ImageRegistryRewrite {
  from: string;
  to: string;
}

/** Where a restored persistent volume's data comes from: an EBS volume made from its snapshot. */
export interface VolumeMapping {
  volumeId: string;
  availabilityZone: string;
  /** When given, the PV's region labels and node affinity are rewritten too. */
  region?: string;
}

/** DR overrides, applied as data by small per-kind actions. */
export interface RestoreOverrides {
  /** Replicas per workload, keyed `<source namespace>/<Kind>/<name>` (e.g. `shop/Deployment/web`); wins over the percentage. */
  replicas?: Readonly<Record<string, number>>;
  /** Every workload's replicas scaled to this percentage, rounded up, at least 1 when it had any. */
  replicasPercent?: number;
  /** Image prefix rewrites (e.g. the source region's ECR registry to the DR region's), first match wins. */
  imageRegistries?: readonly ImageRegistryRewrite[];
  /** Storage class name in the backup → name in the target. */
  storageClasses?: Readonly<Record<string, string>>;
  /** Annotations added to every restored object. */
  annotations?: Readonly<Record<string, string>>;
}

/** How a restore selects, maps and rewrites the archive's objects. */
export interface RestoreOptions {
  /** Source namespace → target namespace. */
  namespaceMapping?: Readonly<Record<string, string>>;
  /** Source namespaces to restore (`*` or omitted: all). Cluster-scoped objects are then limited to what those need. */
  includeNamespaces?: readonly string[];
  /** Source namespaces not to restore. */
  excludeNamespaces?: readonly string[];
  /** @default 'none' */
  existingResourcePolicy?: ExistingResourcePolicy;
  overrides?: RestoreOverrides;
  /** PersistentVolume name → the volume restored from its snapshot. */
  volumes?: Readonly<Record<string, VolumeMapping>>;
  /** Which binding subjects a restore refuses to grant anything to (src/restore/actions/rbac-subjects.ts). */
  privilegeGuard?: PrivilegeGuardOptions;
}

/** Subjects named `Kind:name` (`Group:system:unauthenticated`, `ServiceAccount:ns/name`). */
export interface PrivilegeGuardOptions {
  /** Refused besides DEFAULT_REFUSED_SUBJECTS. */
  refuseSubjects?: readonly string[];
  /** Let through, even when refused by default. */
  allowSubjects?: readonly string[];
}

/** Everyone, signed in or not: a binding to these grants its role to anybody who reaches the API server. */
export const DEFAULT_REFUSED_SUBJECTS = ['User:system:anonymous', 'Group:system:unauthenticated'] as const;

/** RestoreOptions with defaults filled in and every field checked. */
export interface ResolvedRestoreOptions {
  namespaceMapping: ReadonlyMap<string, string>;
  includeNamespaces: ReadonlySet<string> | undefined;
  excludeNamespaces: ReadonlySet<string>;
  existingResourcePolicy: ExistingResourcePolicy;
  overrides: {
    replicas: ReadonlyMap<string, number>;
    replicasPercent: number | undefined;
    imageRegistries: readonly ImageRegistryRewrite[];
    storageClasses: ReadonlyMap<string, string>;
    annotations: Readonly<Record<string, string>>;
  };
  volumes: ReadonlyMap<string, VolumeMapping>;
  /** Binding subjects the restore refuses (defaults and the plan's, less what the plan allows). */
  refusedSubjects: ReadonlySet<string>;
}

/**
 * The plan's DR overrides in the restore's terms. Replicas: a count per workload, or `*` as a percentage;
 * any other pairing (a per-workload percentage, a count under `*`) has no equivalent and goes to `onSkipped`.
 */
export function restoreOverrides(
  overrides: DrOverrides,
  onSkipped: (workload: string, override: unknown) => void = () => {},
): RestoreOverrides {
  const replicas: Record<string, number> = {};
  let replicasPercent: number | undefined;
  for (const [key, value] of Object.entries(overrides.replicas)) {
    if (key === '*' && typeof value === 'string') replicasPercent = Number.parseInt(value, 10);
    else if (key !== '*' && typeof value === 'number') replicas[key] = value;
    else onSkipped(key, value);
  }
  return {
    replicas,
    ...(replicasPercent !== undefined ? { replicasPercent } : {}),
    imageRegistries: overrides.imageRegistries,
    storageClasses: overrides.storageClasses,
    annotations: overrides.annotations,
  };
}

/**
 * A recovery's restore options: the namespace mapping and existing-resource policy its guard step settled
 * (else the plan's: failback.existingResourcePolicy into the primary, `update` unless it says otherwise, so
 * what changed in DR replaces the primary's), and, restoring into DR (failover, drill, never failback), the
 * plan's DR overrides. `guard` is the guard's answer as it came back through the workflow; what it does not
 * settle (or settles in another shape) is left to the plan.
 */
export function recoveryRestoreOptions(
  plan: DrPlan,
  into: 'primary' | 'dr',
  guard: Readonly<Record<string, unknown>> | undefined,
  onSkipped?: (workload: string, override: unknown) => void,
): Omit<RestoreOptions, 'volumes'> {
  const mapping = guard?.namespaceMapping;
  return {
    namespaceMapping: isStringRecord(mapping) ? mapping : {},
    existingResourcePolicy: isPolicy(guard?.existingResourcePolicy)
      ? guard.existingResourcePolicy
      : into === 'primary'
        ? failbackSettingsOf(plan).existingResourcePolicy
        : plan.existingResourcePolicy,
    ...(into === 'dr' ? { overrides: restoreOverrides(plan.dr.overrides, onSkipped) } : {}),
    privilegeGuard: plan.privilegeGuard,
  };
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const WORKLOAD_KEY = /^[^/]+\/[A-Za-z][A-Za-z0-9]*\/[^/]+$/;

/** Parses `a:b,c:d` (the CLI's --namespace-mapping) into a map; throws naming the bad pair. */
export function parseNamespaceMapping(text: string): Record<string, string> {
  const mapping: Record<string, string> = {};
  for (const raw of text.split(',')) {
    const pair = raw.trim();
    if (pair === '') continue;
    const parts = pair.split(':');
    if (parts.length !== 2 || !parts[0] || !parts[1]) {
      throw new InvalidRestoreOptionError(
        'namespaceMapping',
        pair,
        "expected 'source:target' pairs separated by commas, e.g. 'shop:shop-dr,web:web-dr'",
      );
    }
    const [from, to] = parts as [string, string];
    if (from in mapping)
      throw new InvalidRestoreOptionError('namespaceMapping', pair, `namespace ${from} is mapped twice`);
    mapping[from] = to;
  }
  return mapping;
}

/** Parses a comma-separated list of namespaces (`a,b`), dropping blanks. */
export function parseNamespaceList(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/** Checks every option and fills defaults; throws InvalidRestoreOptionError naming the field, before any side effect. */
export function resolveRestoreOptions(options: RestoreOptions = {}): ResolvedRestoreOptions {
  const namespaceMapping = new Map<string, string>();
  for (const [from, to] of Object.entries(options.namespaceMapping ?? {})) {
    checkNamespace(`namespaceMapping.${from}`, from);
    checkNamespace(`namespaceMapping.${from}`, to);
    namespaceMapping.set(from, to);
  }
  const targets = [...namespaceMapping.values()];
  const twice = targets.find((to, index) => targets.indexOf(to) !== index);
  if (twice !== undefined) {
    throw new InvalidRestoreOptionError(
      'namespaceMapping',
      Object.fromEntries(namespaceMapping),
      `two namespaces map to ${twice}`,
    );
  }
  const include = options.includeNamespaces?.filter((ns) => ns !== '*');
  for (const ns of include ?? []) checkNamespace('includeNamespaces', ns);
  for (const ns of options.excludeNamespaces ?? []) checkNamespace('excludeNamespaces', ns);
  const policy = options.existingResourcePolicy ?? 'none';
  if (!existingResourcePolicies.includes(policy)) {
    throw new InvalidRestoreOptionError(
      'existingResourcePolicy',
      policy,
      `expected one of ${existingResourcePolicies.join(', ')}`,
    );
  }
  const overrides = options.overrides ?? {};
  const replicas = new Map<string, number>();
  for (const [key, value] of Object.entries(overrides.replicas ?? {})) {
    if (!WORKLOAD_KEY.test(key)) {
      throw new InvalidRestoreOptionError(
        'overrides.replicas',
        key,
        "expected a key '<namespace>/<Kind>/<name>', e.g. 'shop/Deployment/web'",
      );
    }
    if (!Number.isInteger(value) || value < 0) {
      throw new InvalidRestoreOptionError(
        `overrides.replicas.${key}`,
        value,
        'expected a non-negative integer',
      );
    }
    replicas.set(key, value);
  }
  const percent = overrides.replicasPercent;
  if (percent !== undefined && (!Number.isFinite(percent) || percent < 0 || percent > 1000)) {
    throw new InvalidRestoreOptionError(
      'overrides.replicasPercent',
      percent,
      'expected a number from 0 to 1000',
    );
  }
  for (const [index, rewrite] of (overrides.imageRegistries ?? []).entries()) {
    if (typeof rewrite?.from !== 'string' || rewrite.from === '' || typeof rewrite.to !== 'string') {
      throw new InvalidRestoreOptionError(
        `overrides.imageRegistries.${index}`,
        rewrite,
        "expected { from: 'prefix', to: 'prefix' }",
      );
    }
  }
  const storageClasses = new Map<string, string>();
  for (const [from, to] of Object.entries(overrides.storageClasses ?? {})) {
    if (typeof to !== 'string' || to === '') {
      throw new InvalidRestoreOptionError(
        `overrides.storageClasses.${from}`,
        to,
        'expected a storage class name',
      );
    }
    storageClasses.set(from, to);
  }
  for (const [key, value] of Object.entries(overrides.annotations ?? {})) {
    if (key === '' || typeof value !== 'string') {
      throw new InvalidRestoreOptionError(
        `overrides.annotations.${key}`,
        value,
        'expected a string value under a non-empty key',
      );
    }
  }
  const guard = options.privilegeGuard ?? {};
  for (const [field, subjects] of [
    ['privilegeGuard.refuseSubjects', guard.refuseSubjects ?? []],
    ['privilegeGuard.allowSubjects', guard.allowSubjects ?? []],
  ] as const) {
    for (const subject of subjects) {
      const problem = bindingSubjectProblem(subject);
      if (problem !== undefined) throw new InvalidRestoreOptionError(field, subject, problem);
    }
  }
  const allowed = new Set(guard.allowSubjects ?? []);
  const refusedSubjects = new Set(
    [...DEFAULT_REFUSED_SUBJECTS, ...(guard.refuseSubjects ?? [])].filter((subject) => !allowed.has(subject)),
  );
  const volumes = new Map<string, VolumeMapping>();
  for (const [pv, mapping] of Object.entries(options.volumes ?? {})) {
    if (!mapping?.volumeId || !mapping.availabilityZone) {
      throw new InvalidRestoreOptionError(
        `volumes.${pv}`,
        mapping,
        'expected { volumeId, availabilityZone }',
      );
    }
    volumes.set(pv, mapping);
  }
  return {
    namespaceMapping,
    includeNamespaces: include && include.length > 0 ? new Set(include) : undefined,
    excludeNamespaces: new Set(options.excludeNamespaces ?? []),
    existingResourcePolicy: policy,
    overrides: {
      replicas,
      replicasPercent: percent,
      imageRegistries: [...(overrides.imageRegistries ?? [])],
      storageClasses,
      annotations: { ...(overrides.annotations ?? {}) },
    },
    volumes,
    refusedSubjects,
  };
}

function checkNamespace(field: string, name: string): void {
  if (typeof name !== 'string' || name.length > 63 || !DNS_LABEL.test(name)) {
    throw new InvalidRestoreOptionError(
      field,
      name,
      'expected a namespace name (lowercase letters, digits and "-", at most 63)',
    );
  }
}

function isPolicy(value: unknown): value is ExistingResourcePolicy {
  return existingResourcePolicies.includes(value as ExistingResourcePolicy);
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'string')
  );
}
