// Ed25519 manifest keys over node:crypto: what the CLI signs with (a key per user, like ssh-keygen's) and the
// sandbox's stand-in for KMS. keyId = `ed25519:` + the first 16 hex of sha256 of the public key's SPKI DER.
import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import type { ManifestSigner, SignatureVerifier } from './signing.ts';

/** The keyId of an Ed25519 public key. */
export function ed25519KeyId(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return `ed25519:${createHash('sha256').update(der).digest('hex').slice(0, 16)}`;
}

/** Signs with an Ed25519 private key. */
export function ed25519Signer(privateKey: KeyObject): ManifestSigner {
  return {
    keyId: ed25519KeyId(createPublicKey(privateKey)),
    algorithm: 'ed25519',
    sign: async (bytes) => sign(null, bytes, privateKey),
  };
}

/** Verifies signatures by any of `publicKeys`; any other key is 'untrusted-key'. */
export function ed25519Verifier(publicKeys: readonly KeyObject[]): SignatureVerifier {
  const byId = new Map(publicKeys.map((key) => [ed25519KeyId(key), key]));
  return {
    async verify(signature, bytes) {
      const key = byId.get(signature.keyId);
      if (key === undefined || signature.algorithm !== 'ed25519') return 'untrusted-key';
      return verify(null, bytes, key, Buffer.from(signature.value, 'base64')) ? 'valid' : 'invalid';
    },
  };
}
