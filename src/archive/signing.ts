// Signed manifests: the manifest names every part's sha256, so a signature over it proves who wrote the
// whole backup, which a sha256 stored in the same bucket cannot. The signed bytes are the RFC 8785
// canonical JSON of the validated manifest without its `signature`, so formatting and key order never
// break a signature.
import canonicalize from 'canonicalize';
import { BadSignatureError, UnsignedBackupError, UntrustedSigningKeyError } from './errors.ts';
import {
  type BackupManifest,
  type BackupManifestInput,
  type ManifestSignature,
  parseManifest,
  type SignatureAlgorithm,
} from './manifest.ts';

/** Signs manifests on the backup side (a KMS key, or a CLI user's Ed25519 key). */
export interface ManifestSigner {
  /** Recorded in the manifest, so a reader knows which key to check against. */
  readonly keyId: string;
  readonly algorithm: SignatureAlgorithm;
  sign(bytes: Uint8Array): Promise<Uint8Array>;
}

/** What a verifier says of a signature: good, bad, or by a key it does not trust. */
export type SignatureVerdict = 'valid' | 'invalid' | 'untrusted-key';

/** Checks manifest signatures against the keys a reader trusts. */
export interface SignatureVerifier {
  verify(signature: ManifestSignature, bytes: Uint8Array): Promise<SignatureVerdict>;
}

/** What a reader needs to judge a backup's signature. */
export interface BackupTrust {
  verifier: SignatureVerifier;
  /** Read an unsigned backup anyway (`--allow-unsigned`, execution input `allowUnsigned`). @default false */
  allowUnsigned?: boolean;
}

/** A backup's signature as reports show it. */
export type SignatureStatus = { signed: true; keyId: string } | { signed: false; allowed: true };

/** The bytes a signature covers: the manifest without `signature`, in RFC 8785 canonical JSON. */
export function canonicalManifestBytes(manifest: BackupManifest): Uint8Array {
  const { signature: _signature, ...signed } = manifest;
  // RFC 8785 (JSON Canonicalization Scheme), so a verifier in any language can rebuild the same bytes.
  const text = canonicalize(signed);
  if (text === undefined) throw new TypeError('a manifest always canonicalizes to JSON text');
  return new TextEncoder().encode(text);
}

/** Validates `manifest` (defaults filled, as a reader will see it) and returns it signed by `signer`. */
export async function signManifest(
  manifest: BackupManifestInput,
  signer: ManifestSigner,
  target: string,
): Promise<BackupManifest> {
  const parsed = parseManifest({ ...manifest, signature: undefined }, target);
  const value = await signer.sign(canonicalManifestBytes(parsed));
  return {
    ...parsed,
    signature: {
      keyId: signer.keyId,
      algorithm: signer.algorithm,
      value: Buffer.from(value).toString('base64'),
    },
  };
}

/**
 * Judges a manifest's signature before anything of the backup is used: a trusted valid one, or no signature
 * when unsigned backups are allowed; otherwise UnsignedBackupError, BadSignatureError or
 * UntrustedSigningKeyError naming the backup (`source` says where its manifest is).
 */
export async function checkManifestSignature(
  manifest: BackupManifest,
  trust: BackupTrust,
  source: string,
): Promise<SignatureStatus> {
  const { signature } = manifest;
  if (signature === undefined) {
    if (trust.allowUnsigned === true) return { signed: false, allowed: true };
    throw new UnsignedBackupError(manifest.name, source);
  }
  const verdict = await trust.verifier.verify(signature, canonicalManifestBytes(manifest));
  if (verdict === 'valid') return { signed: true, keyId: signature.keyId };
  if (verdict === 'untrusted-key') throw new UntrustedSigningKeyError(manifest.name, source, signature.keyId);
  throw new BadSignatureError(manifest.name, source, signature.keyId);
}

/** One line for reports: `signed by <key>` or `unsigned, allowed by --allow-unsigned`. */
export function describeSignature(status: SignatureStatus, allowedBy = '--allow-unsigned'): string {
  return status.signed ? `signed by ${status.keyId}` : `unsigned, allowed by ${allowedBy}`;
}

/** A verifier that consults several in turn: the first that does not answer 'untrusted-key' decides. */
export function anyOf(verifiers: readonly SignatureVerifier[]): SignatureVerifier {
  return {
    async verify(signature, bytes) {
      for (const verifier of verifiers) {
        const verdict = await verifier.verify(signature, bytes);
        if (verdict !== 'untrusted-key') return verdict;
      }
      return 'untrusted-key';
    },
  };
}
