// The backup to the other side's bucket, verified (sha256, then a full read of the copy), with the EBS
// snapshot records of its completed DR copies written into the destination manifest.
import { type VolumeSnapshotRecord, verifyBackup } from '../src/archive/index.ts';
import { type Timed, timed } from '../src/failover/index.ts';
import * as z from '../src/util/zod.ts';
import { manifestSigningOf } from './shared/aws/kms.ts';
import { backupCopier, backupStores } from './shared/aws/s3.ts';
import type { FunctionDependencies } from './shared/dependencies.ts';
import {
  backupRefSchema,
  envelopeSchema,
  parseInput,
  runKeys,
  sideSchema,
  stepResult,
} from './shared/envelope.ts';
import { inRun, lazyHandler, type StepHandler } from './shared/handler.ts';

const copyInput = z
  .extend(envelopeSchema, { from: sideSchema, to: sideSchema, backup: backupRefSchema })
  .check(
    z.refine((request) => request.from !== request.to, { path: ['to'], message: 'must differ from from' }),
  );

/** The copied backup, as the destination holds it. */
export interface CopyAnswer {
  name: string;
  createdAt: string;
  sha256: string;
  objects: number;
  volumes: number;
  sourceRegion?: string;
  copiedRegions: string[];
  verified: true;
  /** The key that signed the destination manifest, when signatures are checked. */
  signedBy?: string;
}

/** The copy function over its dependencies. */
export function createHandler(
  deps: Pick<FunctionDependencies, 'plan' | 'store' | 'copyBackup' | 'now' | 'signing'>,
): StepHandler<Timed<CopyAnswer>> {
  return async (event) => {
    const request = parseInput('Copy', copyInput, event);
    const { name } = request.backup;
    return inRun('copy', { ...runKeys(request, deps.plan.name), backup: name }, () =>
      timed(deps.now, async () => {
        const records = stepResult(request.steps, 'volumeCopies')?.records;
        const volumeSnapshots = Array.isArray(records) ? (records as VolumeSnapshotRecord[]) : undefined;
        await deps.copyBackup(request.from, request.to, name, volumeSnapshots ? { volumeSnapshots } : {});
        // "Verify in DR": the copy is read back whole, as a restore would read it, before it counts.
        const trust = deps.signing ? { trust: { verifier: deps.signing.verifier } } : {};
        const { manifest, signature } = await verifyBackup(deps.store(request.to), name, trust);
        return {
          name,
          createdAt: manifest.created,
          sha256: manifest.parts[0]?.sha256 ?? '',
          objects: manifest.totalObjects,
          volumes: manifest.volumeSnapshots.length,
          ...(manifest.sourceRegion ? { sourceRegion: manifest.sourceRegion } : {}),
          copiedRegions: manifest.copiedRegions,
          verified: true as const,
          ...(signature?.signed ? { signedBy: signature.keyId } : {}),
        };
      }),
    );
  };
}

/** The Lambda entry point. */
export const handler = lazyHandler((base) =>
  createHandler({
    ...base,
    store: backupStores(base),
    copyBackup: backupCopier(base),
    signing: manifestSigningOf(base),
  }),
);
