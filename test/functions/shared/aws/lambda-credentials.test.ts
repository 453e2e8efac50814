import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  defaultProvider,
  LambdaCredentialsError,
} from '../../../../functions/shared/aws/lambda-credentials.ts';

/** A container credentials endpoint on loopback that counts its requests. */
async function containerEndpoint(
  expiresInMs: number,
): Promise<{ url: string; requests: () => number; server: Server }> {
  let requests = 0;
  const server = createServer((_request, response) => {
    requests += 1;
    response.setHeader('content-type', 'application/json');
    response.end(
      JSON.stringify({
        AccessKeyId: `ASIACONTAINER${requests}`,
        SecretAccessKey: 'container-secret',
        Token: 'container-token',
        Expiration: new Date(Date.now() + expiresInMs).toISOString(),
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/credentials`, requests: () => requests, server };
}

let servers: Server[] = [];

beforeEach(() => {
  servers = [];
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

function withoutEnvironmentCredentials(): void {
  vi.stubEnv('AWS_ACCESS_KEY_ID', undefined);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', undefined);
  vi.stubEnv('AWS_SESSION_TOKEN', undefined);
}

describe('the Lambda credential chain', () => {
  it('answers with the function role credentials the runtime put in the environment', async () => {
    // Arrange
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'ASIAFUNCTIONROLE0001');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'role-secret');
    vi.stubEnv('AWS_SESSION_TOKEN', 'role-session');
    const provider = defaultProvider();

    // Act
    const credentials = await provider();

    // Assert
    expect(credentials).toMatchObject({
      accessKeyId: 'ASIAFUNCTIONROLE0001',
      secretAccessKey: 'role-secret',
      sessionToken: 'role-session',
    });
  });

  it('falls back to the container endpoint and keeps its answer until close to expiry', async () => {
    // Arrange
    withoutEnvironmentCredentials();
    const endpoint = await containerEndpoint(60 * 60 * 1000);
    servers.push(endpoint.server);
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_FULL_URI', endpoint.url);
    const provider = defaultProvider();

    // Act
    const first = await provider();
    const second = await provider();

    // Assert
    expect(first.accessKeyId).toBe('ASIACONTAINER1');
    expect(first.sessionToken).toBe('container-token');
    expect(second).toBe(first);
    expect(endpoint.requests()).toBe(1);
  });

  it('fetches again when the kept credentials expire within five minutes', async () => {
    // Arrange
    withoutEnvironmentCredentials();
    const endpoint = await containerEndpoint(60 * 1000);
    servers.push(endpoint.server);
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_FULL_URI', endpoint.url);
    const provider = defaultProvider();

    // Act
    await provider();
    const second = await provider();

    // Assert
    expect(second.accessKeyId).toBe('ASIACONTAINER2');
    expect(endpoint.requests()).toBe(2);
  });

  it('names both sources when neither answers, and tries again on the next call', async () => {
    // Arrange
    withoutEnvironmentCredentials();
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_FULL_URI', undefined);
    vi.stubEnv('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', undefined);
    const provider = defaultProvider();

    // Act
    const failure = await provider().catch((error: unknown) => error);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'ASIALATERSET00000001');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'later-secret');
    const later = await provider();

    // Assert
    expect(failure).toBeInstanceOf(LambdaCredentialsError);
    expect((failure as Error).message).toMatch(/AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY are not set/);
    expect((failure as Error).message).toMatch(/container credentials endpoint did not answer/);
    expect(later.accessKeyId).toBe('ASIALATERSET00000001');
  });
});
