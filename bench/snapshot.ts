// Snapshot of N objects vs a bare paged LIST of the same resources, measured in one run.
// The floor is independent of the code it judges: a plain HTTP client (node:http(s), JSON.parse, the kubeconfig
// read with `yaml`) that fetches every page of the resources the snapshot takes and parses it, no project
// code. The project's own paged LIST (`listPage`) is measured too, for information. The simulator runs in a
// child process (`eks-dr sandbox kube --generate N`) so its CPU does not count against the client. Usage: node bin/run-ts.js bench/snapshot.ts [--objects 100000] [--page-size 500]
//   [--concurrency 8] [--gzip-level N] [--rounds 2] [--node-options '...']. The last line of stdout is one
//   JSON object.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { parse as parseYaml } from 'yaml';
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
    paths: { type: 'string' },
  },
});
const pageSize = Number(values['page-size']);
const concurrency = Number(values.concurrency);
const gzipLevel = Number(values['gzip-level']);
const nodeOptions = (values['node-options'] ?? '').split(' ').filter(Boolean);

type WorkerMode = 'floor' | 'list' | 'snapshot';

/** What one measured child reports. */
interface WorkerResult {
  mode: WorkerMode;
  seconds: number;
  objects: number;
  maxRssMb: number;
  archiveBytes?: number;
}

if (values.worker === 'floor') {
  console.log(JSON.stringify(await runFloor(values.kubeconfig ?? '', values.paths ?? '')));
} else if (values.worker === 'list' || values.worker === 'snapshot') {
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
    const paths = join(work, 'paths.json');
    await writeFile(paths, JSON.stringify(await listPaths(kubeconfig)));
    const measure = async (mode: WorkerMode, round: number): Promise<WorkerResult> => {
      const store = join(work, `store-${round}`);
      const result = await runChild(bundle, [
        ...common,
        '--worker',
        mode,
        '--store',
        store,
        '--gzip-level',
        String(gzipLevel),
        '--paths',
        paths,
      ]);
      log(
        `${mode} round ${round}: ${result.objects} objects in ${result.seconds.toFixed(2)} s, max RSS ${result.maxRssMb.toFixed(0)} MB`,
      );
      await rm(store, { recursive: true, force: true });
      return result;
    };
    await measure('floor', 0); // warm-up: the simulator's JIT and caches
    const floors: WorkerResult[] = [];
    const lists: WorkerResult[] = [];
    const snapshots: WorkerResult[] = [];
    for (let round = 1; round <= rounds; round++) {
      floors.push(await measure('floor', round));
      lists.push(await measure('list', round));
      snapshots.push(await measure('snapshot', round));
    }
    const floorSeconds = median(floors.map((r) => r.seconds));
    const listSeconds = median(lists.map((r) => r.seconds));
    const snapshotSeconds = median(snapshots.map((r) => r.seconds));
    const last = snapshots.at(-1) as WorkerResult;
    console.log(
      JSON.stringify({
        objects: last.objects,
        floorObjects: floors.at(-1)?.objects,
        pageSize,
        concurrency,
        gzipLevel,
        nodeOptions: nodeOptions.join(' '),
        rounds,
        floorSeconds: round2(floorSeconds),
        listSeconds: round2(listSeconds),
        snapshotSeconds: round2(snapshotSeconds),
        ratio: round2(snapshotSeconds / floorSeconds),
        listRatio: round2(listSeconds / floorSeconds),
        peakRssMb: round2(Math.max(...snapshots.map((r) => r.maxRssMb))),
        floorPeakRssMb: round2(Math.max(...floors.map((r) => r.maxRssMb))),
        archiveMb: round2((last.archiveBytes ?? 0) / 2 ** 20),
        objectsPerSecond: Math.round(last.objects / snapshotSeconds),
        floorRuns: floors.map((r) => round2(r.seconds)),
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

/**
 * The URL paths of the resources a snapshot lists, decided once by the project's filter so that the floor
 * fetches exactly what the snapshot does; how fast they are fetched is then no business of project code.
 */
async function listPaths(kubeconfig: string): Promise<string[]> {
  const client = new HttpClusterClient(loadKubeconfig({ file: kubeconfig }));
  try {
    const { resources } = await client.discover();
    return new ResourceFilter()
      .plan(resources)
      .selections.map(({ resource }) =>
        resource.group === ''
          ? `/api/${resource.version}/${resource.resource}`
          : `/apis/${resource.group}/${resource.version}/${resource.resource}`,
      );
  } finally {
    client.close();
  }
}

/**
 * The floor: every page of every path fetched with node:http(s) and parsed with JSON.parse, `concurrency`
 * paths at a time, nothing kept. No project code: the kubeconfig is read with `yaml`.
 */
async function runFloor(kubeconfigFile: string, pathsFile: string): Promise<WorkerResult> {
  const config = parseYaml(await readFile(kubeconfigFile, 'utf8'));
  const cluster = config.clusters[0].cluster;
  const server = new URL(cluster.server);
  const ca = cluster['certificate-authority-data']
    ? Buffer.from(cluster['certificate-authority-data'], 'base64')
    : undefined;
  const token: string = config.users[0].user.token;
  // The sandbox serves plain HTTP unless given a certificate; a cluster, HTTPS.
  const transport = server.protocol === 'https:' ? https : http;
  const agent = new transport.Agent({ keepAlive: true, maxSockets: concurrency * 2 });
  const get = (path: string) =>
    new Promise<unknown>((resolve, reject) => {
      const request = transport.get(
        {
          host: server.hostname,
          port: server.port,
          path,
          agent,
          headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
          ...(ca ? { ca } : { rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true }),
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            try {
              resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
            } catch (error) {
              reject(error);
            }
          });
          response.on('error', reject);
        },
      );
      request.on('error', reject);
    });
  const paths = JSON.parse(await readFile(pathsFile, 'utf8')) as string[];
  const start = performance.now();
  // Discovery as a snapshot does it (the group list, then every group version's resources), so both pay it.
  const core = (await get('/api')) as { versions: string[] };
  const groups = (await get('/apis')) as { groups: { preferredVersion: { groupVersion: string } }[] };
  await Promise.all([
    ...core.versions.map((version) => get(`/api/${version}`)),
    ...groups.groups.map((group) => get(`/apis/${group.preferredVersion.groupVersion}`)),
    get('/version'),
  ]);
  let objects = 0;
  const queue = [...paths];
  const lister = async () => {
    for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
      let continueToken: string | undefined;
      do {
        const query = `limit=${pageSize}${continueToken ? `&continue=${encodeURIComponent(continueToken)}` : ''}`;
        const page = (await get(`${path}?${query}`)) as {
          items: unknown[];
          metadata?: { continue?: string };
        };
        objects += page.items.length;
        continueToken = page.metadata?.continue || undefined;
      } while (continueToken);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lister));
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  return { mode: 'floor', seconds, objects, maxRssMb: maxRssMb() };
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
