// Snapshot of N objects vs a bare paged LIST of the same resources, measured in one run.
// The simulator runs in a child process (`eks-dr sandbox kube --generate N`) so its CPU does not count
// against the client. Usage: node bin/run-ts.js bench/snapshot.ts [--objects 100000] [--page-size 500]
//   [--concurrency 8] [--gzip-level N] [--rounds 2] [--node-options '...']. The last line of stdout is one
//   JSON object.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { LocalDirectoryStore } from '../src/archive/stores/local-directory-store.ts';
import { DEFAULT_GZIP_LEVEL } from '../src/archive/writer.ts';
import { BackupService } from '../src/backup/backup-service.ts';
import { ResourceFilter } from '../src/backup/resource-filter.ts';
import { HttpClusterClient } from '../src/kube/cluster-client.ts';
import { loadKubeconfig } from '../src/kube/kubeconfig.ts';
import { mapConcurrent } from '../src/util/concurrency.ts';

/**
 * V8 heap limits of the measured children, list and snapshot alike: the NODE_OPTIONS the snapshot Lambda
 * function is given. Without a limit V8 grows its heap far beyond what a snapshot keeps alive (8 pages
 * of 2–4 MB JSON being parsed at once), ~220 MB of RSS for the bare list; with these it collects sooner
 * (old space) and scavenges less often (16 MB semi-spaces), which also costs less GC time than the defaults.
 */
const WORKER_NODE_OPTIONS = '--max-old-space-size=192 --max-semi-space-size=16';

const { values } = parseArgs({
  options: {
    objects: { type: 'string', default: '100000' },
    'page-size': { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '8' },
    'gzip-level': { type: 'string', default: String(DEFAULT_GZIP_LEVEL) },
    rounds: { type: 'string', default: '2' },
    'node-options': { type: 'string', default: WORKER_NODE_OPTIONS },
    worker: { type: 'string' },
    kubeconfig: { type: 'string' },
    store: { type: 'string' },
  },
});
const pageSize = Number(values['page-size']);
const concurrency = Number(values.concurrency);
const gzipLevel = Number(values['gzip-level']);
const nodeOptions = (values['node-options'] ?? '').split(' ').filter(Boolean);

/** What one measured child reports. */
interface WorkerResult {
  mode: 'list' | 'snapshot';
  seconds: number;
  objects: number;
  maxRssMb: number;
  archiveBytes?: number;
}

if (values.worker === 'list' || values.worker === 'snapshot') {
  const result = await runWorker(values.worker, values.kubeconfig ?? '', values.store ?? '');
  console.log(JSON.stringify(result));
} else {
  await orchestrate(Number(values.objects), Number(values.rounds));
}

/**
 * Each measurement runs in a fresh child built by esbuild and run by plain node, as the CLI and the
 * Lambda functions run in production: tsx's module loader thread alone adds ~100 MB of RSS for
 * @kubernetes/client-node's 2,500 modules, which would drown what the snapshot itself uses. A child's
 * peak RSS is the kernel's high-water mark (resourceUsage().maxRSS), so no spike between samples is missed.
 * Lists and snapshots alternate, so a change in the machine's load hits both alike.
 */
async function orchestrate(objects: number, rounds: number): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'eks-dr-bench-snapshot-'));
  const kubeconfig = join(work, 'kubeconfig');
  const bundle = join(work, 'snapshot-bench.mjs');
  await build({
    entryPoints: [fileURLToPath(import.meta.url)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: bundle,
    logLevel: 'error',
    // CommonJS dependencies inside an ESM bundle need a require.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  });
  log(`starting the simulator with ${objects} objects`);
  const simulator = await startSimulator(objects, kubeconfig);
  try {
    const common = [
      '--kubeconfig',
      kubeconfig,
      '--page-size',
      String(pageSize),
      '--concurrency',
      String(concurrency),
    ];
    const measure = async (mode: 'list' | 'snapshot', round: number): Promise<WorkerResult> => {
      const store = join(work, `store-${round}`);
      const result = await runChild(bundle, [
        ...common,
        '--worker',
        mode,
        '--store',
        store,
        '--gzip-level',
        String(gzipLevel),
      ]);
      log(
        `${mode} round ${round}: ${result.objects} objects in ${result.seconds.toFixed(2)} s, max RSS ${result.maxRssMb.toFixed(0)} MB`,
      );
      await rm(store, { recursive: true, force: true });
      return result;
    };
    await measure('list', 0); // warm-up: the simulator's JIT and caches
    const lists: WorkerResult[] = [];
    const snapshots: WorkerResult[] = [];
    for (let round = 1; round <= rounds; round++) {
      lists.push(await measure('list', round));
      snapshots.push(await measure('snapshot', round));
    }
    const listSeconds = median(lists.map((r) => r.seconds));
    const snapshotSeconds = median(snapshots.map((r) => r.seconds));
    const last = snapshots.at(-1) as WorkerResult;
    console.log(
      JSON.stringify({
        objects: last.objects,
        listedObjects: lists.at(-1)?.objects,
        pageSize,
        concurrency,
        gzipLevel,
        nodeOptions: nodeOptions.join(' '),
        rounds,
        listSeconds: round2(listSeconds),
        snapshotSeconds: round2(snapshotSeconds),
        ratio: round2(snapshotSeconds / listSeconds),
        peakRssMb: round2(Math.max(...snapshots.map((r) => r.maxRssMb))),
        listPeakRssMb: round2(Math.max(...lists.map((r) => r.maxRssMb))),
        archiveMb: round2((last.archiveBytes ?? 0) / 2 ** 20),
        objectsPerSecond: Math.round(last.objects / snapshotSeconds),
        listRuns: lists.map((r) => round2(r.seconds)),
        snapshotRuns: snapshots.map((r) => round2(r.seconds)),
        targets: { ratio: 1.3, peakRssMb: 256 },
      }),
    );
  } finally {
    await stopSimulator(simulator);
    await rm(work, { recursive: true, force: true });
  }
}

/** One measurement: a bare paged LIST of the resources a snapshot takes, or the snapshot itself. */
async function runWorker(
  mode: 'list' | 'snapshot',
  kubeconfig: string,
  storeDirectory: string,
): Promise<WorkerResult> {
  const client = new HttpClusterClient(loadKubeconfig({ file: kubeconfig }), { maxSockets: concurrency * 2 });
  try {
    const start = performance.now();
    if (mode === 'snapshot') {
      const store = new LocalDirectoryStore(storeDirectory);
      const outcome = await new BackupService({ client, store }).run({
        name: 'bench',
        clusterName: 'sandbox',
        pageSize,
        concurrency,
        gzipLevel,
      });
      const seconds = (performance.now() - start) / 1000;
      const archiveBytes = (await stat(outcome.location)).size;
      return { mode, seconds, objects: outcome.manifest.totalObjects, maxRssMb: maxRssMb(), archiveBytes };
    }
    // Discovery and filtering included, as the snapshot does them; every page parsed, then dropped.
    const { resources } = await client.discover();
    await client.serverVersion();
    const selections = new ResourceFilter().plan(resources).selections;
    let objects = 0;
    await mapConcurrent(selections, concurrency, async ({ resource }) => {
      let continueToken: string | undefined;
      do {
        const page = await client.listPage({
          resource,
          limit: pageSize,
          ...(continueToken ? { continueToken } : {}),
        });
        objects += page.items.length;
        continueToken = page.continueToken;
      } while (continueToken);
    });
    return { mode, seconds: (performance.now() - start) / 1000, objects, maxRssMb: maxRssMb() };
  } finally {
    client.close();
  }
}

function runChild(bundle: string, args: string[]): Promise<WorkerResult> {
  const child = spawn(process.execPath, [...nodeOptions, bundle, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code === 0) resolve(JSON.parse(last) as WorkerResult);
      else reject(new Error(`bench worker ${args.join(' ')} exited with ${code}: ${out}`));
    });
  });
}

function maxRssMb(): number {
  // maxRSS is in kilobytes.
  return process.resourceUsage().maxRSS / 1024;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function startSimulator(count: number, kubeconfig: string): Promise<ChildProcess> {
  const cli = fileURLToPath(new URL('../bin/eks-dr.js', import.meta.url));
  const child = spawn(
    process.execPath,
    [cli, 'sandbox', 'kube', '--generate', String(count), '--kubeconfig', kubeconfig],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('listening on')) resolve(child);
    });
    child.once('exit', (code) =>
      reject(new Error(`the simulator exited with ${code} before listening: ${out}`)),
    );
  });
}

async function stopSimulator(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

function log(message: string): void {
  console.error(`bench:snapshot ${message}`);
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
