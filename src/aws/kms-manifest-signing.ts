// Manifest signatures by a KMS asymmetric key (ECC_NIST_P256, SIGN_VERIFY), multi-Region so the DR region
// verifies with its replica. The manifest's SHA-256 is sent as a DIGEST, not the RAW message: KMS takes at
// most 4096 bytes of RAW message, which a manifest with many resources or volume snapshots exceeds, and an
// ECDSA_SHA_256 signature over the digest is the same signature as over the message.
import { createHash } from 'node:crypto';
import {
  type KMSClient,
  KMSInvalidSignatureException,
  SignCommand,
  VerifyCommand,
} from '@aws-sdk/client-kms';
import type { ManifestSignature } from '../archive/manifest.ts';
import type { ManifestSigner, SignatureVerdict, SignatureVerifier } from '../archive/signing.ts';

const ALGORITHM = 'ECDSA_SHA_256' as const;

/** Signs manifests with the KMS key `keyId` (its ARN), which the manifest records. */
export class KmsManifestSigner implements ManifestSigner {
  readonly algorithm = ALGORITHM;

  constructor(
    private readonly client: KMSClient,
    readonly keyId: string,
  ) {}

  async sign(bytes: Uint8Array): Promise<Uint8Array> {
    const output = await this.client.send(
      new SignCommand({
        KeyId: this.keyId,
        Message: sha256(bytes),
        MessageType: 'DIGEST',
        SigningAlgorithm: ALGORITHM,
      }),
    );
    if (output.Signature === undefined)
      throw new Error(`KMS Sign with key ${this.keyId} returned no signature`);
    return output.Signature;
  }
}

/**
 * Verifies with the KMS key `keyArn` of this region (the primary key, or its replica in DR). A signature is
 * trusted when its keyId names the same multi-Region key (the `mrk-…` id, whatever the region in the ARN).
 */
export class KmsSignatureVerifier implements SignatureVerifier {
  constructor(
    private readonly client: KMSClient,
    private readonly keyArn: string,
  ) {}

  async verify(signature: ManifestSignature, bytes: Uint8Array): Promise<SignatureVerdict> {
    if (signature.algorithm !== ALGORITHM || keyIdOf(signature.keyId) !== keyIdOf(this.keyArn)) {
      return 'untrusted-key';
    }
    try {
      const output = await this.client.send(
        new VerifyCommand({
          KeyId: this.keyArn,
          Message: sha256(bytes),
          MessageType: 'DIGEST',
          Signature: Buffer.from(signature.value, 'base64'),
          SigningAlgorithm: ALGORITHM,
        }),
      );
      return output.SignatureValid === true ? 'valid' : 'invalid';
    } catch (error) {
      // KMS answers a signature that does not match with this exception, not with SignatureValid false.
      if (error instanceof KMSInvalidSignatureException) return 'invalid';
      throw error;
    }
  }
}

/** The key id of a key ARN (`arn:aws:kms:<region>:<account>:key/mrk-…` → `mrk-…`), or the id itself. */
export function keyIdOf(keyIdOrArn: string): string {
  const match = /^arn:[^:]+:kms:[^:]*:[^:]*:key\/(.+)$/.exec(keyIdOrArn);
  return match?.[1] ?? keyIdOrArn;
}

function sha256(bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest();
}
