// The plan's manifest signing key in this function's region (`SIGNING_KEY_ARN`: the multi-Region key in the
// primary, its replica in DR): one traced client per container.
import { KMSClient } from '@aws-sdk/client-kms';
import { KmsManifestSigner, KmsSignatureVerifier } from '../../../src/aws/kms-manifest-signing.ts';
import type { BaseDependencies } from '../base.ts';
import type { ManifestSigning } from '../dependencies.ts';
import { optionalEnv } from '../env.ts';
import { traced } from '../powertools.ts';
import { perBase } from './memo.ts';

/** Sign and Verify with `SIGNING_KEY_ARN`; undefined when the stack sets none (manifests stay unsigned). */
export const manifestSigningOf = perBase((base: BaseDependencies): ManifestSigning | undefined => {
  const keyArn = optionalEnv('SIGNING_KEY_ARN', base.env);
  if (keyArn === undefined) return undefined;
  const client = traced(new KMSClient({}));
  return {
    signer: new KmsManifestSigner(client, keyArn),
    verifier: new KmsSignatureVerifier(client, keyArn),
  };
});
