import { describe, expect, it } from 'vitest';
import { EKS_TOKEN_PREFIX, eksToken } from '../../src/kube/eks-token.ts';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session',
};

function decodedText(token: string): string {
  return Buffer.from(token.slice(EKS_TOKEN_PREFIX.length), 'base64url').toString('utf8');
}

function decode(token: string): URL {
  return new URL(decodedText(token));
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

  // aws-iam-authenticator accepts only the STS endpoints of its own partition.
  it.each([
    ['eu-west-1', 'sts.eu-west-1.amazonaws.com'],
    ['cn-north-1', 'sts.cn-north-1.amazonaws.com.cn'],
    ['us-gov-west-1', 'sts.us-gov-west-1.amazonaws.com'],
  ])('presigns STS GetCallerIdentity in %s at %s, bound to the cluster name', async (region, host) => {
    // Arrange
    const now = new Date('2024-05-01T12:00:00Z');

    // Act
    const token = await eksToken({ clusterName: 'prod', region, credentials, now });

    // Assert
    const url = decode(token);
    expect(`${EKS_TOKEN_PREFIX}${Buffer.from(decodedText(token)).toString('base64url')}`).toBe(token);
    expect(url.protocol).toBe('https:');
    expect(url.host).toBe(host);
    expect(url.pathname).toBe('/');
    expect(url.searchParams.get('Action')).toBe('GetCallerIdentity');
    expect(url.searchParams.get('Version')).toBe('2011-06-15');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
    expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(url.searchParams.get('X-Amz-Date')).toBe('20240501T120000Z');
    expect(url.searchParams.get('X-Amz-Credential')).toBe(`AKIDEXAMPLE/20240501/${region}/sts/aws4_request`);
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
