import type { KubeObject } from '../kube/kube-object.ts';
import { isRecord } from '../util/is-record.ts';
import { InvalidVolumeInputError } from './errors.ts';

/** The CSI driver name of the Amazon EBS CSI driver. */
export const EBS_CSI_DRIVER = 'ebs.csi.aws.com';

/** Node labels that name a zone, in the order a PV's zone is looked up. */
export const ZONE_TOPOLOGY_KEYS = [
  'topology.ebs.csi.aws.com/zone',
  'topology.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/zone',
] as const;

const REGION_TOPOLOGY_KEYS = ['topology.kubernetes.io/region', 'failure-domain.beta.kubernetes.io/region'];

// Kubernetes accepts `vol-` followed by anything but "/"; EC2 ids are hex, 8 or 17 digits.
const VOLUME_ID = /^vol-[0-9a-f]+$/;
const IN_TREE_URL = /^aws:\/\/([^/]*)\/(.+)$/;

/** How a PV reaches its EBS volume. */
export type EbsDriver = 'ebs.csi.aws.com' | 'in-tree';

/** One EBS-backed persistent volume, as found in a cluster's or an archive's PVs. */
export interface EbsVolume {
  pvName: string;
  volumeId: string;
  /** The zone from the in-tree URL, the PV's zone node affinity or its zone labels, when any names one. */
  availabilityZone: string | undefined;
  /** spec.capacity.storage rounded up to whole GiB (EBS sizes are whole GiB); undefined when unreadable. */
  sizeGi: number | undefined;
  claim: { namespace: string; name: string } | undefined;
  driver: EbsDriver;
  /** The filesystem the kubelet mounts; Kubernetes defaults it to ext4. */
  fsType: string;
  volumeMode: 'Filesystem' | 'Block';
}

/** Why a PV's data will not be in the backup. */
export type SkipReason = 'not-ebs' | 'invalid-ebs';

/** A PV that findEbsVolumes left out, with the reason to report. */
export interface SkippedVolume {
  pvName: string;
  reason: SkipReason;
  detail: string;
}

/** What findEbsVolumes found: the EBS volumes to snapshot and every other PV with why it is left out. */
export interface EbsVolumeScan {
  volumes: EbsVolume[];
  skipped: SkippedVolume[];
}

/** Where a PV should point after restore: the DR volume, its zone and, optionally, its region. */
export interface VolumeTarget {
  volumeId: string;
  availabilityZone: string;
  /** When given, region labels and region node affinity are rewritten too. */
  region?: string;
}

/** Finds the EBS volumes behind PersistentVolume objects (CSI and in-tree); other PVs come back as skipped. */
export function findEbsVolumes(persistentVolumes: readonly KubeObject[]): EbsVolumeScan {
  const volumes: EbsVolume[] = [];
  const skipped: SkippedVolume[] = [];
  for (const pv of persistentVolumes) {
    const pvName = pv.metadata?.name ?? '(unnamed)';
    const source = ebsSourceOf(pv);
    if (source.kind === 'not-ebs') {
      skipped.push({ pvName, reason: 'not-ebs', detail: source.detail });
      continue;
    }
    if (source.kind === 'invalid') {
      skipped.push({ pvName, reason: 'invalid-ebs', detail: source.detail });
      continue;
    }
    const spec = pv.spec ?? {};
    volumes.push({
      pvName,
      volumeId: source.volumeId,
      availabilityZone: source.urlZone || zoneFromAffinity(spec.nodeAffinity) || zoneFromLabels(pv),
      sizeGi: gibOf(isRecord(spec.capacity) ? spec.capacity.storage : undefined),
      claim: claimOf(spec.claimRef),
      driver: source.driver,
      fsType: source.fsType ?? 'ext4',
      volumeMode: spec.volumeMode === 'Block' ? 'Block' : 'Filesystem',
    });
  }
  return { volumes, skipped };
}

/**
 * A copy of an EBS-backed PV pointing at `target`: volume handle or in-tree volumeID, zone node affinity and
 * zone labels. A PV that names no zone anywhere gets a zone node affinity, because a pod scheduled into
 * another zone could never attach the volume.
 */
export function rewritePersistentVolume(pv: KubeObject, target: VolumeTarget): KubeObject {
  const pvName = pv.metadata?.name ?? '(unnamed)';
  if (!VOLUME_ID.test(target.volumeId)) {
    throw new InvalidVolumeInputError(
      'volumeId',
      target.volumeId,
      `expected an EBS volume id like vol-0abc (PV ${pvName})`,
    );
  }
  if (target.availabilityZone.trim() === '') {
    throw new InvalidVolumeInputError(
      'availabilityZone',
      target.availabilityZone,
      `must not be empty (PV ${pvName})`,
    );
  }
  const source = ebsSourceOf(pv);
  if (source.kind !== 'ebs') {
    throw new InvalidVolumeInputError(
      'persistentVolume',
      pvName,
      `cannot point at an EBS volume: ${source.detail}`,
    );
  }
  const copy = structuredClone(pv);
  const spec = copy.spec as Record<string, unknown>;
  if (source.driver === EBS_CSI_DRIVER) {
    (spec.csi as Record<string, unknown>).volumeHandle = target.volumeId;
  } else {
    const ebs = spec.awsElasticBlockStore as Record<string, unknown>;
    // Keep the form the PV used: the URL form carries the zone, the bare form does not.
    ebs.volumeID =
      source.urlZone === undefined ? target.volumeId : `aws://${target.availabilityZone}/${target.volumeId}`;
  }
  const zoneKeys = new Set<string>(ZONE_TOPOLOGY_KEYS);
  let zoneNamed = rewriteAffinity(spec, zoneKeys, target.availabilityZone);
  zoneNamed = rewriteLabels(copy, zoneKeys, target.availabilityZone) || zoneNamed;
  if (target.region !== undefined) {
    const regionKeys = new Set(REGION_TOPOLOGY_KEYS);
    rewriteAffinity(spec, regionKeys, target.region);
    rewriteLabels(copy, regionKeys, target.region);
  }
  if (!zoneNamed) addZoneAffinity(spec, target.availabilityZone);
  return copy;
}

/** Kubernetes quantity (`10Gi`, `500M`, `1e9`, `1073741824`) in bytes; undefined when not a quantity. */
export function quantityBytes(quantity: unknown): number | undefined {
  if (typeof quantity === 'number') return Number.isFinite(quantity) && quantity >= 0 ? quantity : undefined;
  if (typeof quantity !== 'string') return undefined;
  const match = /^(\d+(?:\.\d+)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/.exec(
    quantity.trim(),
  );
  if (!match) return undefined;
  const value = Number(match[1]);
  const suffix = match[2] ?? '';
  const binary = ['Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'].indexOf(suffix);
  if (binary >= 0) return value * 1024 ** (binary + 1);
  const decimal = ['k', 'M', 'G', 'T', 'P', 'E'].indexOf(suffix);
  if (decimal >= 0) return value * 1000 ** (decimal + 1);
  if (suffix === 'm') return value / 1000;
  if (/^[eE]/.test(suffix)) return value * 10 ** Number(suffix.slice(1));
  return value;
}

function gibOf(quantity: unknown): number | undefined {
  const bytes = quantityBytes(quantity);
  if (bytes === undefined || bytes <= 0) return undefined;
  return Math.ceil(bytes / 1024 ** 3);
}

type EbsSource =
  | {
      kind: 'ebs';
      driver: EbsDriver;
      volumeId: string;
      urlZone: string | undefined;
      fsType: string | undefined;
    }
  | { kind: 'not-ebs'; detail: string }
  | { kind: 'invalid'; detail: string };

function ebsSourceOf(pv: KubeObject): EbsSource {
  const spec = pv.spec;
  if (!isRecord(spec)) return { kind: 'invalid', detail: 'has no spec' };
  const csi = spec.csi;
  if (isRecord(csi)) {
    if (csi.driver !== EBS_CSI_DRIVER) {
      return { kind: 'not-ebs', detail: `CSI driver ${String(csi.driver)} is not ${EBS_CSI_DRIVER}` };
    }
    const handle = csi.volumeHandle;
    if (typeof handle !== 'string' || !VOLUME_ID.test(handle)) {
      return {
        kind: 'invalid',
        detail: `spec.csi.volumeHandle ${JSON.stringify(handle)} is not an EBS volume id`,
      };
    }
    return {
      kind: 'ebs',
      driver: EBS_CSI_DRIVER,
      volumeId: handle,
      urlZone: undefined,
      fsType: stringOr(csi.fsType),
    };
  }
  const ebs = spec.awsElasticBlockStore;
  if (isRecord(ebs)) {
    const raw = ebs.volumeID;
    const parsed = typeof raw === 'string' ? parseInTreeVolumeId(raw) : undefined;
    if (parsed === undefined) {
      return {
        kind: 'invalid',
        detail: `spec.awsElasticBlockStore.volumeID ${JSON.stringify(raw)} is neither aws://<zone>/vol-… nor vol-…`,
      };
    }
    return {
      kind: 'ebs',
      driver: 'in-tree',
      volumeId: parsed.volumeId,
      urlZone: parsed.zone,
      fsType: stringOr(ebs.fsType),
    };
  }
  const kind = Object.keys(spec).find((key) => VOLUME_SOURCES.has(key));
  return {
    kind: 'not-ebs',
    detail: kind === undefined ? 'no volume source in spec' : `volume source ${kind} is not EBS`,
  };
}

// Volume source fields of PersistentVolumeSpec other than the two EBS ones, to name what was skipped.
const VOLUME_SOURCES = new Set([
  'azureDisk',
  'azureFile',
  'cephfs',
  'cinder',
  'fc',
  'flexVolume',
  'flocker',
  'gcePersistentDisk',
  'glusterfs',
  'hostPath',
  'iscsi',
  'local',
  'nfs',
  'photonPersistentDisk',
  'portworxVolume',
  'quobyte',
  'rbd',
  'scaleIO',
  'storageos',
  'vsphereVolume',
]);

// The three forms Kubernetes' AWS provider accepts: aws://<zone>/vol-…, aws:///vol-… and a bare vol-….
// `zone` is '' for aws:///vol-… (URL form, zone unknown) and undefined for the bare form.
function parseInTreeVolumeId(raw: string): { volumeId: string; zone: string | undefined } | undefined {
  const url = IN_TREE_URL.exec(raw.trim());
  if (url) {
    const volumeId = (url[2] ?? '').replace(/^\/+|\/+$/g, '');
    return VOLUME_ID.test(volumeId) ? { volumeId, zone: url[1] ?? '' } : undefined;
  }
  return VOLUME_ID.test(raw.trim()) ? { volumeId: raw.trim(), zone: undefined } : undefined;
}

function claimOf(claimRef: unknown): EbsVolume['claim'] {
  if (!isRecord(claimRef)) return undefined;
  const { namespace, name } = claimRef;
  if (typeof name !== 'string' || name === '') return undefined;
  return { namespace: typeof namespace === 'string' && namespace !== '' ? namespace : 'default', name };
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function matchExpressionsOf(nodeAffinity: unknown): Record<string, unknown>[] {
  if (!isRecord(nodeAffinity) || !isRecord(nodeAffinity.required)) return [];
  const terms = nodeAffinity.required.nodeSelectorTerms;
  if (!Array.isArray(terms)) return [];
  return terms.flatMap((term) =>
    isRecord(term) && Array.isArray(term.matchExpressions) ? term.matchExpressions.filter(isRecord) : [],
  );
}

function zoneFromAffinity(nodeAffinity: unknown): string | undefined {
  const expressions = matchExpressionsOf(nodeAffinity);
  for (const key of ZONE_TOPOLOGY_KEYS) {
    for (const expression of expressions) {
      if (expression.key !== key || expression.operator !== 'In' || !Array.isArray(expression.values))
        continue;
      const zone = expression.values.find(
        (value): value is string => typeof value === 'string' && value !== '',
      );
      if (zone !== undefined) return zone;
    }
  }
  return undefined;
}

function zoneFromLabels(pv: KubeObject): string | undefined {
  const labels = pv.metadata?.labels;
  if (!isRecord(labels)) return undefined;
  for (const key of ZONE_TOPOLOGY_KEYS) {
    const zone = labels[key];
    if (typeof zone === 'string' && zone !== '') return zone;
  }
  return undefined;
}

function rewriteAffinity(spec: Record<string, unknown>, keys: ReadonlySet<string>, value: string): boolean {
  let found = false;
  for (const expression of matchExpressionsOf(spec.nodeAffinity)) {
    // NotIn/Exists expressions say something else about the zone; only an In list names where the volume is.
    if (typeof expression.key === 'string' && keys.has(expression.key) && expression.operator === 'In') {
      expression.values = [value];
      found = true;
    }
  }
  return found;
}

function rewriteLabels(pv: KubeObject, keys: ReadonlySet<string>, value: string): boolean {
  const labels = pv.metadata.labels;
  if (!isRecord(labels)) return false;
  let found = false;
  for (const key of Object.keys(labels)) {
    if (keys.has(key)) {
      labels[key] = value;
      found = true;
    }
  }
  return found;
}

function addZoneAffinity(spec: Record<string, unknown>, zone: string): void {
  const expression = { key: 'topology.kubernetes.io/zone', operator: 'In', values: [zone] };
  const affinity = isRecord(spec.nodeAffinity) ? spec.nodeAffinity : {};
  const required = isRecord(affinity.required) ? affinity.required : {};
  const terms = Array.isArray(required.nodeSelectorTerms) ? required.nodeSelectorTerms.filter(isRecord) : [];
  // Node selector terms are ORed, so the zone must join every term to constrain them all.
  if (terms.length === 0) terms.push({ matchExpressions: [] });
  for (const term of terms) {
    const expressions = Array.isArray(term.matchExpressions) ? term.matchExpressions : [];
    expressions.push({ ...expression, values: [zone] });
    term.matchExpressions = expressions;
  }
  required.nodeSelectorTerms = terms;
  affinity.required = required;
  spec.nodeAffinity = affinity;
}
