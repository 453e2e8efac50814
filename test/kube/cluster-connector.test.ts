import { describe, expect, it } from 'vitest';
import { ClusterConnector, type ClusterEndpoint, clusterAccess } from '../../src/kube/cluster-connector.ts';

const ENDPOINTS: Record<string, ClusterEndpoint> = {
  prod: { name: 'prod', status: 'ACTIVE', endpoint: 'http://127.0.0.1:1' },
  dr: { name: 'dr', status: 'ACTIVE', endpoint: 'http://127.0.0.1:2' },
};

/** A connector over a scripted directory and token source, counting what each was asked for. */
function connector(options: { failFirst?: boolean } = {}) {
  let now = 0;
  const described: string[] = [];
  const tokens: string[] = [];
  let failures = options.failFirst ? 1 : 0;
  const connect = new ClusterConnector<'primary' | 'dr'>({
    clusterName: (side) => (side === 'primary' ? 'prod' : 'dr'),
    directory: () => ({
      async describeCluster(name) {
        described.push(name);
        if (failures-- > 0) throw new Error('EKS unreachable');
        return ENDPOINTS[name] as ClusterEndpoint;
      },
    }),
    token: async (side, name) => {
      tokens.push(`${side}/${name}`);
      return `token-${tokens.length}`;
    },
    clock: () => new Date(now),
    tokenLifetimeMs: 1000,
  });
  return { connect, described, tokens, advance: (ms: number) => (now += ms) };
}

describe('ClusterConnector', () => {
  it('connects each key once while its token lives', async () => {
    // Arrange
    const { connect, described, tokens } = connector();

    // Act
    const first = await connect.client('primary');
    const again = await connect.client('primary');
    const dr = await connect.client('dr');

    // Assert
    expect(again).toBe(first);
    expect(dr).not.toBe(first);
    expect(described).toEqual(['prod', 'dr']);
    expect(tokens).toEqual(['primary/prod', 'dr/dr']);
    await connect.close();
  });

  it('builds a new client with a new token once the lifetime has passed', async () => {
    // Arrange
    const { connect, tokens, advance } = connector();
    const first = await connect.client('primary');

    // Act
    advance(1000);
    const second = await connect.client('primary');

    // Assert
    expect(second).not.toBe(first);
    expect(tokens).toEqual(['primary/prod', 'primary/prod']);
    await connect.close();
  });

  it('does not keep a failed connection: the next call tries again', async () => {
    // Arrange
    const { connect, described } = connector({ failFirst: true });

    // Act
    const failed = await connect.client('primary').catch((e: unknown) => e);
    const client = await connect.client('primary');

    // Assert
    expect((failed as Error).message).toBe('EKS unreachable');
    expect(client.server).toBe('http://127.0.0.1:1');
    expect(described).toEqual(['prod', 'prod']);
    await connect.close();
  });
});

describe('clusterAccess', () => {
  it('refuses a cluster without an endpoint, naming it and its status', () => {
    // Arrange
    const creating: ClusterEndpoint = { name: 'dr', status: 'CREATING' };

    // Act
    const attempt = () => clusterAccess(creating, 'token');

    // Assert
    expect(attempt).toThrow('cluster dr has no endpoint yet (status CREATING)');
  });

  it('verifies TLS with the cluster CA when EKS gave one', () => {
    // Arrange
    const eks: ClusterEndpoint = {
      name: 'prod',
      status: 'ACTIVE',
      endpoint: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com',
      certificateAuthorityData: Buffer.from('-----BEGIN CERTIFICATE-----').toString('base64'),
    };

    // Act
    const access = clusterAccess(eks, 'token');

    // Assert
    expect(access).toMatchObject({ server: eks.endpoint, token: 'token', insecureSkipTlsVerify: false });
  });
});
