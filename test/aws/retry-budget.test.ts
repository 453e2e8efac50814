// The retry budget: how many requests one failing call can cause end to end, every layer multiplied. Each
// path runs a real SDK client configured by functions/shared/aws/sdk-config.ts against a request handler
// that always refuses, through the real adapter, and multiplies by the ASL retries of the error the adapter
// throws at the states that make the call, read from the rendered statemachines/*.asl.json. If a layer
// starts retrying on top of another (an adapter loop, an ASL Retry of AwsTransientError), a number here grows.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { Route53Client } from '@aws-sdk/client-route-53';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { HttpRequest } from '@smithy/protocol-http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  route53Retry,
  type SdkRetryConfig,
  sdkConfig,
  standardRetry,
} from '../../functions/shared/aws/sdk-config.ts';
import { KubeApiSimulator } from '../../sandbox/kube/simulator.ts';
import { DynamoDbRecoveryLedger } from '../../src/aws/dynamodb-recovery-ledger.ts';
import { Ec2VolumeSnapshots } from '../../src/aws/ec2-volume-snapshots.ts';
import { EksClusterDirectory } from '../../src/aws/eks-cluster-directory.ts';
import { EksNodeCapacity } from '../../src/aws/eks-node-capacity.ts';
import { Route53Dns } from '../../src/aws/route53-dns.ts';
import { S3BackupStore } from '../../src/aws/s3-backup-store.ts';
import { SfnWorkflows } from '../../src/aws/sfn-workflows.ts';
import type { DnsChange } from '../../src/failover/ports/dns.ts';
import type { ApiResource } from '../../src/kube/kube-object.ts';
import { clusterClientFromKubeconfigText } from '../../src/kube/kubeconfig.ts';
import { kubeRetry } from '../../src/kube/retry-policy.ts';
import { aManifest } from '../archive/archive-helpers.ts';

/** No path may cost more requests than this for one failing call. */
const CEILING = 8;
const REGION = 'eu-central-1';
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

interface Retrier {
  ErrorEquals: string[];
  MaxAttempts?: number;
}
interface AslState {
  Type: string;
  Parameters?: { FunctionName?: string };
  Retry?: Retrier[];
  Branches?: { States: Record<string, AslState> }[];
  ItemProcessor?: { States: Record<string, AslState> };
}

/** Every Task state of the rendered workflows, with its workflow's name. */
function taskStates(): { workflow: string; name: string; state: AslState }[] {
  const dir = join(import.meta.dirname, '../../statemachines');
  const found: { workflow: string; name: string; state: AslState }[] = [];
  const walk = (workflow: string, states: Record<string, AslState>) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Task') found.push({ workflow, name, state });
      for (const branch of state.Branches ?? []) walk(workflow, branch.States);
      if (state.ItemProcessor) walk(workflow, state.ItemProcessor.States);
    }
  };
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.asl.json'))) {
    const asl = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { States: Record<string, AslState> };
    walk(file, asl.States);
  }
  return found;
}

/**
 * The most retries Step Functions gives `errorName` at any state invoking one of `functions` (the
 * `${XxxFunctionArn}` substitutions): the first retrier that matches it decides, as in Step Functions.
 */
function aslRetries(functions: readonly string[], errorName: string): number {
  const states = taskStates().filter(({ state }) =>
    functions.some((f) => state.Parameters?.FunctionName === `\${${f}}`),
  );
  if (functions.length > 0 && states.length === 0) {
    throw new Error(`no Task state of statemachines/*.asl.json invokes ${functions.join(', ')}`);
  }
  return Math.max(
    0,
    ...states.map(({ state }) => {
      const retrier = (state.Retry ?? []).find((r) =>
        r.ErrorEquals.some((e) => e === errorName || e === 'States.ALL' || e === 'States.TaskFailed'),
      );
      return retrier ? (retrier.MaxAttempts ?? 3) : 0;
    }),
  );
}

interface Refusal {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

/** A request handler refusing (and counting) every request `answer` does not answer. */
function refusingHandler(refusal: Refusal, answer?: (request: HttpRequest) => Refusal | undefined) {
  const counted = { requests: 0 };
  return {
    counted,
    requestHandler: {
      async handle(request: HttpRequest) {
        const answered = answer?.(request);
        if (answered === undefined) counted.requests += 1;
        const reply = answered ?? refusal;
        return {
          response: { statusCode: reply.status, headers: reply.headers ?? {}, body: Buffer.from(reply.body) },
        };
      },
    },
  };
}

function client<T>(
  Client: new (config: object) => T,
  retry: SdkRetryConfig,
  refusal: Refusal,
  answer?: (request: HttpRequest) => Refusal | undefined,
) {
  const { counted, requestHandler } = refusingHandler(refusal, answer);
  const made = new Client({ ...sdkConfig(REGION, retry), credentials: CREDENTIALS, requestHandler });
  return { client: made, counted };
}

/** Runs `call` to its failure while the fake clock skips every SDK backoff wait. */
async function failureOf(call: () => Promise<unknown>): Promise<Error> {
  let settled = false;
  const outcome = call().then(
    () => {
      settled = true;
      return new Error('the call succeeded');
    },
    (error: unknown) => {
      settled = true;
      return error as Error;
    },
  );
  while (!settled) await vi.advanceTimersByTimeAsync(1_000);
  return outcome;
}

const xml = { 'content-type': 'text/xml' };
const json = { 'content-type': 'application/x-amz-json-1.0' };
const awsQueryRefusal = (code: string): Refusal => ({
  status: 503,
  headers: xml,
  body: `<Response><Errors><Error><Code>${code}</Code><Message>${code}</Message></Error></Errors><RequestID>r</RequestID></Response>`,
});

describe('retry budget: requests one failing call can cause end to end', () => {
  const measured: Record<string, number> = {};

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('Route 53 ChangeResourceRecordSets (Route53Dns at ChangeDns): 6 requests, adaptive retry only (once up to 108)', async () => {
    // Arrange
    const { client: route53, counted } = client(Route53Client, route53Retry, {
      status: 400,
      headers: xml,
      body: '<ErrorResponse><Error><Type>Sender</Type><Code>PriorRequestNotComplete</Code><Message>busy</Message></Error><RequestId>r</RequestId></ErrorResponse>',
    });
    const dns = new Route53Dns(route53);
    const change: DnsChange = {
      action: 'UPSERT',
      record: { name: 'a.example.com', type: 'A', ttl: 60, values: ['192.0.2.1'] },
    };

    // Act
    const error = await failureOf(() => dns.changeRecords('Z1', [change], 'failover'));
    const total = counted.requests * (1 + aslRetries(['DnsFunctionArn'], error.name));

    // Assert
    expect(error).toMatchObject({ name: 'DnsThrottledError', attempts: 6 });
    expect(total).toBe(6);
    measured.route53 = total;
  });

  it('EC2 CreateSnapshot (Ec2VolumeSnapshots at Snapshot): 3 requests', async () => {
    // Arrange
    const { client: ec2, counted } = client(
      EC2Client,
      standardRetry,
      awsQueryRefusal('RequestLimitExceeded'),
    );
    const snapshots = new Ec2VolumeSnapshots(ec2, { region: REGION });

    // Act
    const error = await failureOf(() => snapshots.createSnapshot('vol-1', { run: 'r1' }, 'eks-dr'));
    const total = counted.requests * (1 + aslRetries(['SnapshotFunctionArn'], error.name));

    // Assert
    expect(error).toMatchObject({ name: 'Ec2ThrottledError' });
    expect(total).toBe(3);
    measured.ec2 = total;
  });

  it('EKS UpdateNodegroupConfig (EksNodeCapacity at ScaleUp/ScaleDown): 3 requests', async () => {
    // Arrange
    const { client: eks, counted } = client(EKSClient, standardRetry, {
      status: 429,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'ThrottlingException' },
      body: '{"message":"Rate exceeded"}',
    });
    const capacity = new EksNodeCapacity(eks);

    // Act
    const error = await failureOf(() =>
      capacity.scaleNodeGroup('dr', 'workers', { min: 1, desired: 3, max: 5 }),
    );
    const total = counted.requests * (1 + aslRetries(['CapacityFunctionArn'], error.name));

    // Assert: a throttled update is not the busy node group the ASL retries for minutes.
    expect(error.name).toBe('AwsTransientError');
    expect(total).toBe(3);
    measured.eksUpdate = total;
  });

  it('EKS DescribeCluster (EksClusterDirectory, before every cluster call): 3 requests', async () => {
    // Arrange
    const { client: eks, counted } = client(EKSClient, standardRetry, {
      status: 503,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'ServiceUnavailableException' },
      body: '{"message":"unavailable"}',
    });
    const directory = new EksClusterDirectory(eks);
    const clusterFunctions = ['SnapshotFunctionArn', 'RestoreFunctionArn', 'WorkloadsReadyFunctionArn'];

    // Act
    const error = await failureOf(() => directory.describeCluster('prod'));
    const total = counted.requests * (1 + aslRetries(clusterFunctions, error.name));

    // Assert
    expect(total).toBe(3);
    measured.eksDescribe = total;
  });

  it('S3 PutObject of a manifest (S3BackupStore at Snapshot/Copy): 3 requests', async () => {
    // Arrange: the HEADs before the PUT answer (archive there, manifest not); only the PUTs are refused.
    const { client: s3, counted } = client(
      S3Client,
      standardRetry,
      {
        status: 503,
        headers: xml,
        body: '<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
      },
      (request) => {
        if (request.method !== 'HEAD') return undefined;
        return request.path.endsWith('.tar.gz')
          ? { status: 200, headers: { 'content-length': '10' }, body: '' }
          : { status: 404, body: '' };
      },
    );
    const store = new S3BackupStore({ client: s3, bucket: 'backups' });
    const manifest = aManifest({
      name: 'b1',
      parts: [{ name: 'b1.tar.gz', sha256: 'c'.repeat(64), size: 10 }],
    });

    // Act
    const error = await failureOf(() => store.putManifest('b1', manifest));
    const total = counted.requests * (1 + aslRetries(['SnapshotFunctionArn', 'CopyFunctionArn'], error.name));

    // Assert
    expect(error).toMatchObject({ name: 'BackupStoreError', message: expect.stringContaining('SlowDown') });
    expect(total).toBe(3);
    measured.s3 = total;
  });

  it('SFN StartExecution (SfnWorkflows, from the trigger; no workflow state starts one): 3 requests', async () => {
    // Arrange
    const { client: sfn, counted } = client(SFNClient, standardRetry, {
      status: 400,
      headers: json,
      body: '{"__type":"ThrottlingException","message":"Rate exceeded"}',
    });
    const workflows = new SfnWorkflows(sfn);

    // Act
    const error = await failureOf(() =>
      workflows.startExecution('arn:aws:states:eu-central-1:111122223333:stateMachine:failover', 'run-1', {}),
    );
    const total = counted.requests * (1 + aslRetries([], error.name));

    // Assert
    expect(total).toBe(3);
    measured.sfn = total;
  });

  it('DynamoDB PutItem (DynamoDbRecoveryLedger at Guard/Report): 3 requests', async () => {
    // Arrange
    const { client: dynamodb, counted } = client(DynamoDBClient, standardRetry, {
      status: 400,
      headers: json,
      body: '{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate exceeded"}',
    });
    const ledger = new DynamoDbRecoveryLedger(dynamodb, 'eks-dr-ledger');

    // Act
    const error = await failureOf(() =>
      ledger.recordActiveSide('prod', { side: 'dr', since: '2026-12-02T00:00:00Z', executionName: 'run-1' }),
    );
    const total = counted.requests * (1 + aslRetries(['GuardFunctionArn', 'ReportFunctionArn'], error.name));

    // Assert
    expect(total).toBe(3);
    measured.dynamodb = total;
  });

  it('kube LIST (ClusterClient at Snapshot) against an always-503 API server: 6 requests', async () => {
    // Arrange: real timers for the sandbox's server; only the kube backoff's waits are skipped.
    vi.useRealTimers();
    const simulator = new KubeApiSimulator();
    simulator.faults.add({ kind: 'serverError', status: 503, match: { verb: 'list' } });
    await simulator.start();
    const kube = clusterClientFromKubeconfigText(simulator.kubeconfig(), {
      retry: { sleep: async () => {} },
    });
    const configmaps: ApiResource = {
      group: '',
      version: 'v1',
      resource: 'configmaps',
      kind: 'ConfigMap',
      namespaced: true,
      verbs: ['list'],
    };

    // Act
    const error = await kube.listPage({ resource: configmaps }).then(
      () => new Error('the LIST succeeded'),
      (e: unknown) => e as Error,
    );
    kube.close();
    await simulator.stop();
    const requests = simulator.faults.fired('serverError');
    const total = requests * (1 + aslRetries(['SnapshotFunctionArn'], error.name));

    // Assert
    expect(error.name).toBe('KubeServerError');
    expect(requests).toBe(kubeRetry.attempts);
    expect(total).toBe(6);
    measured.kubeList = total;
  });

  it('reads the ASL retries it multiplies by: a named transient error is retried, AwsTransientError is not', () => {
    // Act
    const named = aslRetries(['HealthFunctionArn'], 'HealthCheckFailedError');
    const busy = aslRetries(['CapacityFunctionArn'], 'NodeGroupBusyError');
    const transient = aslRetries(['RestoreFunctionArn', 'DnsFunctionArn'], 'AwsTransientError');

    // Assert
    expect([named, busy, transient]).toEqual([8, 5, 0]);
  });

  it(`keeps every path at or under ${CEILING} requests`, () => {
    // Assert
    expect(Object.keys(measured)).toHaveLength(8);
    expect(Math.max(...Object.values(measured))).toBeLessThanOrEqual(CEILING);
  });
});
