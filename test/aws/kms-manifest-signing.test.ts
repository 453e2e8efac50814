import { createHash } from 'node:crypto';
import { KMSClient, KMSInvalidSignatureException, SignCommand, VerifyCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { KmsManifestSigner, KmsSignatureVerifier, keyIdOf } from '../../src/aws/kms-manifest-signing.ts';

const kms = mockClient(KMSClient);
const PRIMARY = 'arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab';
const REPLICA = 'arn:aws:kms:eu-central-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab';
const bytes = new TextEncoder().encode('{"name":"nightly"}');
const digest = createHash('sha256').update(bytes).digest();

describe('KMS manifest signing', () => {
  beforeEach(() => kms.reset());

  it('signs the SHA-256 digest with ECDSA_SHA_256 under the key ARN', async () => {
    // Arrange
    kms.on(SignCommand).resolves({ Signature: new Uint8Array([1, 2, 3]) });
    const signer = new KmsManifestSigner(new KMSClient({}), PRIMARY);

    // Act
    const signature = await signer.sign(bytes);

    // Assert
    expect(Buffer.from(signature)).toEqual(Buffer.from([1, 2, 3]));
    expect(signer).toMatchObject({ keyId: PRIMARY, algorithm: 'ECDSA_SHA_256' });
    expect(kms).toHaveReceivedCommandExactlyOnceWith(SignCommand, {
      KeyId: PRIMARY,
      Message: new Uint8Array(digest),
      MessageType: 'DIGEST',
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
  });

  it('verifies in DR with the replica a signature made by the primary key', async () => {
    // Arrange
    kms.on(VerifyCommand).resolves({ SignatureValid: true, KeyId: REPLICA });
    const verifier = new KmsSignatureVerifier(new KMSClient({}), REPLICA);

    // Act
    const verdict = await verifier.verify(
      { keyId: PRIMARY, algorithm: 'ECDSA_SHA_256', value: 'AQID' },
      bytes,
    );

    // Assert
    expect(verdict).toBe('valid');
    expect(kms).toHaveReceivedCommandExactlyOnceWith(VerifyCommand, {
      KeyId: REPLICA,
      Message: new Uint8Array(digest),
      MessageType: 'DIGEST',
      Signature: Buffer.from([1, 2, 3]),
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
  });

  it("answers 'invalid' when KMS says the signature does not match", async () => {
    // Arrange
    kms.on(VerifyCommand).rejects(new KMSInvalidSignatureException({ message: 'invalid', $metadata: {} }));
    const verifier = new KmsSignatureVerifier(new KMSClient({}), PRIMARY);

    // Act
    const verdict = await verifier.verify(
      { keyId: PRIMARY, algorithm: 'ECDSA_SHA_256', value: 'AQID' },
      bytes,
    );

    // Assert
    expect(verdict).toBe('invalid');
  });

  it("answers 'untrusted-key' for another key or algorithm without asking KMS", async () => {
    // Arrange
    const verifier = new KmsSignatureVerifier(new KMSClient({}), PRIMARY);
    const other = 'arn:aws:kms:eu-west-1:123456789012:key/mrk-ffffffffffffffffffffffffffffffff';

    // Act
    const verdicts = [
      await verifier.verify({ keyId: other, algorithm: 'ECDSA_SHA_256', value: 'AQID' }, bytes),
      await verifier.verify({ keyId: PRIMARY, algorithm: 'ed25519', value: 'AQID' }, bytes),
    ];

    // Assert
    expect(verdicts).toEqual(['untrusted-key', 'untrusted-key']);
    expect(kms).not.toHaveReceivedCommand(VerifyCommand);
    expect(keyIdOf(REPLICA)).toBe(keyIdOf(PRIMARY));
  });
});
