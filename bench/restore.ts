// Restore throughput: the Restorer (tiers applied with bounded parallelism) against a sequential
// one-object-at-a-time create of the same planned objects, each into its own fresh API simulator.
//
//   npm run bench:restore [-- --objects N] [--latency-ms N] [--concurrency N] [--seed N]
//
// A source simulator (in this process) holds N generated objects and is backed up with the snapshot
// engine into a temporary directory store; that is not timed. Each target simulator runs in a child
// process (this file with `serve`), so the server and this client each have a core, as they would
// against a real API server. Both targets get the same per-request latency, standing in for a real
// API server's round trip (admission, etcd write); the output says how much. Both timings include
// reading and verifying the archive and planning; the baseline then creates each object in plan order,
// waiting for each answer. The last line printed is one JSON object with the figures.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateObjects } from '../sandbox/kube/generate.ts';
import { KubeApiSimulator } from '../sandbox/kube/simulator.ts';
import { readBackup } from '../src/archive/backup-reader.ts';
import { LocalDirectoryStore } from '../src/archive/stores/local-directory-store.ts';
import type { ArchiveEntry } from '../src/archive/writer.ts';
import { BackupService } from '../src/backup/backup-service.ts';
import { HttpClusterClient } from '../src/kube/cluster-client.ts';
import { groupResource } from '../src/kube/kube-object.ts';
import { clusterClientFromKubeconfigText, loadKubeconfig } from '../src/kube/kubeconfig.ts';
import { resolveRestoreOptions } from '../src/restore/options.ts';
import { planRestore } from '../src/restore/planner.ts';
import { Restorer } from '../src/restore/restorer.ts';

const [mode] = process.argv.slice(2);
if (mode === 'serve') await serve(process.argv.slice(3));
else await bench();

/** Child mode: a target simulator with per-request latency; prints `listening` once its kubeconfig is written. */
async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { kubeconfig: { type: 'string' }, 'latency-ms': { type: 'string' } },
  });
  const simulator = new KubeApiSimulator({ crdEstablishDelayMs: 50 });
  const latencyMs = Number(values['latency-ms'] ?? 0);
  if (latencyMs > 0) simulator.faults.add({ kind: 'latency', latencyMs });
  await simulator.start();
  await simulator.writeKubeconfig(values.kubeconfig ?? 'kubeconfig');
  console.log(`listening on ${simulator.url}`);
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  await simulator.stop();
}

async function bench(): Promise<void> {
  const { values } = parseArgs({
    options: {
      objects: { type: 'string', default: '10000' },
      'latency-ms': { type: 'string', default: '3' },
      concurrency: { type: 'string', default: '16' },
      seed: { type: 'string', default: '1' },
    },
  });
  const objects = Number(values.objects);
  const latencyMs = Number(values['latency-ms']);
  const concurrency = Number(values.concurrency);
  const dir = await mkdtemp(join(tmpdir(), 'eks-dr-bench-restore-'));
  const children: ChildProcess[] = [];
  try {
    const store = new LocalDirectoryStore(join(dir, 'store'));
    const source = new KubeApiSimulator();
    source.load(generateObjects(objects, { seed: Number(values.seed) }), 'generate');
    await source.start();
    const sourceClient = clusterClientFromKubeconfigText(source.kubeconfig());
    await new BackupService({ client: sourceClient, store }).run({
      name: 'bench',
      clusterName: 'bench-source',
    });
    sourceClient.close();
    await source.stop();

    const restoreTarget = await startTarget(join(dir, 'restore.kubeconfig'), latencyMs, children);
    const restoreClient = new HttpClusterClient(loadKubeconfig({ file: restoreTarget }), {
      maxSockets: concurrency,
    });
    let started = performance.now();
    const result = await new Restorer({
      client: restoreClient,
      store,
      concurrency,
      crdPollIntervalMs: 25,
    }).restore({
      backupName: 'bench',
    });
    const restoreSeconds = (performance.now() - started) / 1000;
    restoreClient.close();
    if (result.phase !== 'Completed')
      throw new Error(`restore ended ${result.phase}: ${JSON.stringify(result.failures.slice(0, 3))}`);

    const sequentialTarget = await startTarget(join(dir, 'sequential.kubeconfig'), latencyMs, children);
    const sequentialClient = new HttpClusterClient(loadKubeconfig({ file: sequentialTarget }), {
      maxSockets: 1,
    });
    started = performance.now();
    const sequentialCreated = await sequentialRestore(sequentialClient, store);
    const sequentialSeconds = (performance.now() - started) / 1000;
    sequentialClient.close();

    const applied = result.totals.created + result.totals.skippedExists;
    const figures = {
      benchmark: 'restore',
      objects: applied,
      generated: objects,
      concurrency,
      latencyMsPerRequest: latencyMs,
      targets: 'API simulator in a child process each',
      created: result.totals.created,
      skippedExists: result.totals.skippedExists,
      sequentialCreated,
      restoreSeconds: round(restoreSeconds),
      sequentialSeconds: round(sequentialSeconds),
      restoreObjectsPerSecond: Math.round(applied / restoreSeconds),
      sequentialObjectsPerSecond: Math.round(applied / sequentialSeconds),
      speedup: round(sequentialSeconds / restoreSeconds),
      target: 10,
    };
    console.log(
      `restore of ${applied} objects: ${figures.restoreSeconds} s at concurrency ${concurrency}, sequential ${figures.sequentialSeconds} s ` +
        `(${latencyMs} ms added to every API request on both targets)`,
    );
    console.log(JSON.stringify(figures));
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
}

/** The baseline: the same archive read and plan, then one create at a time in plan order. */
async function sequentialRestore(client: HttpClusterClient, store: LocalDirectoryStore): Promise<number> {
  const archived: ArchiveEntry[] = [];
  for await (const entry of readBackup(store, 'bench')) archived.push(entry);
  let discovery = await client.discover();
  const plan = planRestore(archived, {
    backupName: 'bench',
    restoreId: 'sequential',
    options: resolveRestoreOptions(),
    targetResources: discovery.resources,
  });
  let created = 0;
  for (const entry of plan.entries) {
    let resource = entry.resolution.state === 'resolved' ? entry.resolution.resource : undefined;
    while (resource === undefined) {
      // The custom objects' CRD was created a moment ago: wait until discovery serves it.
      await new Promise((r) => setTimeout(r, 25));
      discovery = await client.discover();
      resource = discovery.resources.find((r) => groupResource(r) === entry.groupResource);
    }
    try {
      await client.create(resource, entry.namespace, entry.object as NonNullable<typeof entry.object>);
      created += 1;
    } catch (error) {
      if ((error as Error).name !== 'KubeAlreadyExistsError') throw error;
    }
  }
  return created;
}

async function startTarget(kubeconfig: string, latencyMs: number, children: ChildProcess[]): Promise<string> {
  const child = spawn(
    process.execPath,
    [
      'bin/run-ts.js',
      'bench/restore.ts',
      'serve',
      '--kubeconfig',
      kubeconfig,
      '--latency-ms',
      String(latencyMs),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('listening on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`target simulator exited with ${code} before listening`)));
  });
  return kubeconfig;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
