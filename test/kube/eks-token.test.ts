import { describe, expect, it } from 'vitest';
import { eksToken } from '../../src/kube/eks-token.ts';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session',
};

function decode(token: string): URL {
  return new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString('utf8'));
}

describe('eksToken', () => {
  it('is k8s-aws-v1. and base64url without padding', async () => {
    // Arrange
    const request = { clusterName: 'prod', region: 'eu-west-1', credentials };

    // Act
    const token = await eksToken(request);

    // Assert
    expect(token.startsWith('k8s-aws-v1.')).toBe(true);
    expect(token.slice('k8s-aws-v1.'.length)).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('encodes a presigned STS GetCallerIdentity URL bound to the cluster name', async () => {
    // Arrange
    const now = new Date('2024-05-01T12:00:00Z');

    // Act
    const url = decode(await eksToken({ clusterName: 'prod', region: 'eu-west-1', credentials, now }));

    // Assert
    expect(url.protocol).toBe('https:');
    expect(url.host).toBe('sts.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('GetCallerIdentity');
    expect(url.searchParams.get('Version')).toBe('2011-06-15');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
    expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(url.searchParams.get('X-Amz-Date')).toBe('20240501T120000Z');
    expect(url.searchParams.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20240501/eu-west-1/sts/aws4_request');
    expect(url.searchParams.get('X-Amz-SignedHeaders')?.split(';')).toEqual(
      expect.arrayContaining(['host', 'x-k8s-aws-id']),
    );
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe('session');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('signs differently for another cluster, and accepts a credential provider', async () => {
    // Arrange
    const now = new Date('2024-05-01T12:00:00Z');
    const provider = async () => credentials;

    // Act
    const prod = decode(
      await eksToken({ clusterName: 'prod', region: 'us-east-1', credentials: provider, now }),
    );
    const dr = decode(await eksToken({ clusterName: 'dr', region: 'us-east-1', credentials: provider, now }));

    // Assert
    expect(prod.host).toBe('sts.us-east-1.amazonaws.com');
    expect(prod.searchParams.get('X-Amz-Signature')).not.toBe(dr.searchParams.get('X-Amz-Signature'));
  });
});
