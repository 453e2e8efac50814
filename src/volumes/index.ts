// Persistent volume data: find the EBS volumes behind PVs, snapshot and copy them, restore them in DR, prune.

export type { KubeObject } from '../kube/kube-object.ts';
export * from './ebs-volumes.ts';
export * from './errors.ts';
export * from './persistent-volumes.ts';
export * from './polling.ts';
export type * from './ports.ts';
export * from './step-payloads.ts';
export * from './volume-backup.ts';
export * from './volume-restore.ts';
export * from './volume-retention.ts';
