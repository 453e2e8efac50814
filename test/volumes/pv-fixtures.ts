// Builders of PersistentVolume objects as the EBS CSI driver, the in-tree AWS provider and others write them.
import type { KubeObject } from '../../src/volumes/index.ts';

type Claim = { namespace: string; name: string };

const claimRef = (claim: Claim | undefined) =>
  claim === undefined
    ? {}
    : { claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', uid: 'u-1', ...claim } };

const zoneAffinity = (key: string, zone: string) => ({
  nodeAffinity: {
    required: { nodeSelectorTerms: [{ matchExpressions: [{ key, operator: 'In', values: [zone] }] }] },
  },
});

/** A PV provisioned by the EBS CSI driver. */
export function aCsiPv(
  name: string,
  volumeHandle: string,
  options: { zone?: string; zoneKey?: string; size?: string; claim?: Claim; fsType?: string } = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, annotations: { 'pv.kubernetes.io/provisioned-by': 'ebs.csi.aws.com' } },
    spec: {
      accessModes: ['ReadWriteOnce'],
      capacity: { storage: options.size ?? '10Gi' },
      csi: { driver: 'ebs.csi.aws.com', volumeHandle, ...(options.fsType ? { fsType: options.fsType } : {}) },
      ...(options.zone ? zoneAffinity(options.zoneKey ?? 'topology.ebs.csi.aws.com/zone', options.zone) : {}),
      ...claimRef(options.claim),
      persistentVolumeReclaimPolicy: 'Delete',
      storageClassName: 'gp3',
    },
    status: { phase: 'Bound' },
  };
}

/** A PV of the in-tree awsElasticBlockStore plugin, optionally with the legacy zone labels. */
export function anInTreePv(
  name: string,
  volumeID: string,
  options: { labels?: Record<string, string>; size?: string; claim?: Claim } = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, ...(options.labels ? { labels: { ...options.labels } } : {}) },
    spec: {
      capacity: { storage: options.size ?? '20Gi' },
      awsElasticBlockStore: { volumeID, fsType: 'xfs' },
      ...claimRef(options.claim),
    },
  };
}

/** A PV of another volume source (nfs, hostPath, an EFS CSI volume). */
export function anOtherPv(name: string, source: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name },
    spec: { capacity: { storage: '1Gi' }, ...source },
  };
}
