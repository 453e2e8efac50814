// The retry budget: the worst-case number of requests one failing AWS call can cause end to end, with the
// retry rule of functions/shared/aws/sdk-config.ts (the SDK retries, no adapter retries on top) and the
// ASL retries of the error the adapter ends with, read from the rendered state machines.
import { readdirSync, readFileSync } from 'node:fs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { Route53Client } from '@aws-sdk/client-route-53';
import type { HttpRequest } from '@smithy/protocol-http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { route53Retry, sdkConfig } from '../../functions/shared/aws/sdk-config.ts';
import { Ec2VolumeSnapshots } from '../../src/aws/ec2-volume-snapshots.ts';
import { Route53Dns } from '../../src/aws/route53-dns.ts';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const CEILING = 8;

/** A request handler that refuses every request the same way, counting them. */
function alwaysRefusing(status: number, contentType: string, body: string) {
  const seen = { requests: 0 };
  const requestHandler = {
    async handle(_request: HttpRequest) {
      seen.requests += 1;
      return {
        response: { statusCode: status, headers: { 'content-type': contentType }, body: Buffer.from(body) },
      };
    },
  };
  return { seen, requestHandler };
}

interface Retrier {
  ErrorEquals: string[];
  MaxAttempts?: number;
}

/** The most ASL retries any state of the rendered workflows gives an error named `name` (0: none). */
function aslRetriesOf(name: string): number {
  let most = 0;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'Retry' && Array.isArray(value)) {
        for (const retrier of value as Retrier[]) {
          if (retrier.ErrorEquals.includes(name) || retrier.ErrorEquals.includes('States.ALL')) {
            most = Math.max(most, retrier.MaxAttempts ?? 3);
          }
        }
      } else visit(value);
    }
  };
  for (const file of readdirSync('statemachines').filter((f) => f.endsWith('.asl.json'))) {
    visit(JSON.parse(readFileSync(`statemachines/${file}`, 'utf8')));
  }
  return most;
}

/** Runs a call to its failure with the SDK's backoff waits on fake timers. */
async function failureOf(call: () => Promise<unknown>): Promise<unknown> {
  let settled = false;
  const outcome = call().then(
    () => new Error('the call succeeded against an always-refusing handler'),
    (error: unknown) => error,
  );
  void outcome.finally(() => {
    settled = true;
  });
  // The SDK's waits are at most 20 s each; a bounded number of steps keeps a stuck call from hanging.
  for (let step = 0; step < 200 && !settled; step++) await vi.advanceTimersByTimeAsync(1000);
  return outcome;
}

describe('retry budget of one failing call', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('Route 53 ChangeResourceRecordSets: 6 requests (adaptive SDK retry, no adapter or ASL retry of DnsThrottledError)', async () => {
    // Arrange
    const { seen, requestHandler } = alwaysRefusing(
      400,
      'text/xml',
      '<ErrorResponse><Error><Type>Sender</Type><Code>PriorRequestNotComplete</Code><Message>busy</Message></Error></ErrorResponse>',
    );
    const client = new Route53Client({
      ...sdkConfig('us-east-1', route53Retry),
      credentials: CREDENTIALS,
      requestHandler,
    });
    const dns = new Route53Dns(client);

    // Act
    const error = await failureOf(() =>
      dns.changeRecords(
        'ZONE1',
        [{ action: 'UPSERT', record: { name: 'a.example.com', type: 'A', ttl: 60, values: ['10.0.0.1'] } }],
        'budget',
      ),
    );

    // Assert
    expect(error).toMatchObject({ name: 'DnsThrottledError', attempts: 6 });
    const total = seen.requests * (1 + aslRetriesOf('DnsThrottledError'));
    expect(total).toBe(6);
    expect(total).toBeLessThanOrEqual(CEILING);
  });

  it('EC2 CreateSnapshot: 3 requests (standard SDK retry, no ASL retry of what the adapter throws)', async () => {
    // Arrange
    const { seen, requestHandler } = alwaysRefusing(
      503,
      'text/xml;charset=UTF-8',
      '<Response><Errors><Error><Code>Unavailable</Code><Message>busy</Message></Error></Errors><RequestID>r</RequestID></Response>',
    );
    const client = new EC2Client({ ...sdkConfig('eu-west-1'), credentials: CREDENTIALS, requestHandler });
    const snapshots = new Ec2VolumeSnapshots(client, { region: 'eu-west-1' });

    // Act
    const error = await failureOf(() => snapshots.createSnapshot('vol-0a', {}, 'budget'));

    // Assert
    const total = seen.requests * (1 + aslRetriesOf((error as Error).name));
    expect(total).toBe(3);
    expect(total).toBeLessThanOrEqual(CEILING);
  });
});
