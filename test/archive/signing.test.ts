import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  BadSignatureError,
  canonicalManifestBytes,
  checkManifestSignature,
  ed25519Signer,
  ed25519Verifier,
  parseManifest,
  parseManifestJson,
  serializeManifest,
  signManifest,
  UnsignedBackupError,
  UntrustedSigningKeyError,
} from '../../src/archive/index.ts';
import { aManifest } from './archive-helpers.ts';

const SOURCE = 's3://b/backups/nightly/manifest.json';
const keyPair = () => generateKeyPairSync('ed25519');

describe('signed manifests', () => {
  it('signs the canonical manifest and verifies after a round trip through manifest.json', async () => {
    // Arrange
    const { privateKey, publicKey } = keyPair();
    const signer = ed25519Signer(privateKey);

    // Act
    const signed = await signManifest(aManifest(), signer, SOURCE);
    const reread = parseManifestJson(serializeManifest(signed, SOURCE), SOURCE);
    const status = await checkManifestSignature(reread, { verifier: ed25519Verifier([publicKey]) }, SOURCE);

    // Assert
    expect(signed.signature).toMatchObject({ keyId: signer.keyId, algorithm: 'ed25519' });
    expect(signer.keyId).toMatch(/^ed25519:[0-9a-f]{16}$/);
    expect(status).toEqual({ signed: true, keyId: signer.keyId });
  });

  it('covers every field but the signature, whatever the key order', () => {
    // Arrange
    const manifest = parseManifest(aManifest(), SOURCE);
    const reordered = parseManifest(Object.fromEntries(Object.entries(manifest).reverse()), SOURCE);
    const withSignature = {
      ...manifest,
      signature: { keyId: 'k', algorithm: 'ed25519' as const, value: 'AA==' },
    };

    // Act
    const bytes = Buffer.from(canonicalManifestBytes(manifest)).toString('utf8');

    // Assert
    expect(canonicalManifestBytes(reordered)).toEqual(canonicalManifestBytes(manifest));
    expect(canonicalManifestBytes(withSignature)).toEqual(canonicalManifestBytes(manifest));
    expect(bytes).not.toMatch(/\s/);
    expect(bytes.indexOf('"cluster"')).toBeLessThan(bytes.indexOf('"counts"'));
  });

  it('refuses an altered manifest as mis-signed, naming the backup and key', async () => {
    // Arrange
    const { privateKey, publicKey } = keyPair();
    const signed = await signManifest(aManifest(), ed25519Signer(privateKey), SOURCE);
    const altered = { ...signed, copiedRegions: ['us-east-1'] };

    // Act
    const act = checkManifestSignature(altered, { verifier: ed25519Verifier([publicKey]) }, SOURCE);

    // Assert
    await expect(act).rejects.toBeInstanceOf(BadSignatureError);
    await expect(act).rejects.toThrow(
      `backup ${signed.name}: ${SOURCE}: signature by key ${signed.signature?.keyId}`,
    );
  });

  it('refuses a signature by a key it does not trust', async () => {
    // Arrange
    const signed = await signManifest(aManifest(), ed25519Signer(keyPair().privateKey), SOURCE);

    // Act
    const act = checkManifestSignature(signed, { verifier: ed25519Verifier([keyPair().publicKey]) }, SOURCE);

    // Assert
    await expect(act).rejects.toBeInstanceOf(UntrustedSigningKeyError);
    await expect(act).rejects.toThrow(/not trusted/);
  });

  it('refuses an unsigned manifest unless unsigned backups are allowed', async () => {
    // Arrange
    const unsigned = parseManifest(aManifest(), SOURCE);
    const verifier = ed25519Verifier([keyPair().publicKey]);

    // Act
    const refused = checkManifestSignature(unsigned, { verifier }, SOURCE);
    const allowed = await checkManifestSignature(unsigned, { verifier, allowUnsigned: true }, SOURCE);

    // Assert
    await expect(refused).rejects.toBeInstanceOf(UnsignedBackupError);
    await expect(refused).rejects.toThrow(/is not signed/);
    expect(allowed).toEqual({ signed: false, allowed: true });
  });

  it('drops a stale signature when re-signing a changed manifest (the copy step)', async () => {
    // Arrange
    const first = keyPair();
    const second = keyPair();
    const signed = await signManifest(aManifest(), ed25519Signer(first.privateKey), SOURCE);

    // Act
    const resigned = await signManifest(
      { ...signed, copiedRegions: ['eu-central-1'] },
      ed25519Signer(second.privateKey),
      SOURCE,
    );
    const status = await checkManifestSignature(
      resigned,
      { verifier: ed25519Verifier([second.publicKey]) },
      SOURCE,
    );

    // Assert
    expect(status).toEqual({ signed: true, keyId: ed25519Signer(second.privateKey).keyId });
  });
});
