// The sandbox's stand-in of the plan's multi-Region KMS signing key: one in-memory Ed25519 key per world,
// trusted by both sides, as the primary key and its DR replica are.
import { generateKeyPairSync } from 'node:crypto';
import { ed25519Signer, ed25519Verifier } from '../../src/archive/ed25519-signing.ts';
import type { ManifestSigner, SignatureVerifier } from '../../src/archive/signing.ts';

/** A fresh key pair: its signer, and a verifier trusting it alone. */
export function sandboxSigningKey(): { signer: ManifestSigner; verifier: SignatureVerifier } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { signer: ed25519Signer(privateKey), verifier: ed25519Verifier([publicKey]) };
}
