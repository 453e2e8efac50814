// Paged LIST throughput of the Kubernetes API simulator: how fast a snapshot could read 100k objects.
//
//   npm run bench:sandbox [-- --objects N] [--limit N] [--seed N]
//
// Starts `eks-dr sandbox kube --generate N` as a child process (so the server and this client each have
// a core, and startup is measured as a user would see it), then lists every listable resource from
// aggregated discovery at limit=500, following continue tokens, with node:http and a bearer token, and
// parses every page as a snapshot would. The last line printed is one JSON object with the figures;
// serverCpuSeconds next to seconds shows whether the simulator or this client was the bottleneck.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent, get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';

const AGGREGATED_ACCEPT = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

interface DiscoveredResource {
  path: string;
  scope: string;
}

interface ListFigures {
  objects: number;
  pages: number;
  bytes: number;
}

const { values } = parseArgs({
  options: {
    objects: { type: 'string', default: '100000' },
    limit: { type: 'string', default: '500' },
    seed: { type: 'string', default: '1' },
  },
});
const objectCount = Number(values.objects);
const limit = Number(values.limit);
// One kept-alive connection, as a client-go informer or a snapshot's lister would use.
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

const dir = await mkdtemp(join(tmpdir(), 'eks-dr-bench-'));
const kubeconfigFile = join(dir, 'kubeconfig');
const started = performance.now();
const child = spawn(
  process.execPath,
  [
    'bin/eks-dr.js',
    'sandbox',
    'kube',
    '--generate',
    String(objectCount),
    '--seed',
    String(values.seed),
    '--kubeconfig',
    kubeconfigFile,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
try {
  const url = await waitForListening(child);
  const startupSeconds = (performance.now() - started) / 1000;
  const token = await tokenFrom(kubeconfigFile);
  const headers = { Authorization: `Bearer ${token}`, Accept: 'application/json' };

  const resources = await discover(url, headers);
  const cpuBefore = await cpuSecondsOf(child.pid);
  const t0 = performance.now();
  const totals: ListFigures = { objects: 0, pages: 0, bytes: 0 };
  for (const resource of resources) {
    const figures = await listAll(`${url}${resource.path}`, headers, limit);
    totals.objects += figures.objects;
    totals.pages += figures.pages;
    totals.bytes += figures.bytes;
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpuAfter = await cpuSecondsOf(child.pid);
  const serverCpuSeconds = cpuBefore === null || cpuAfter === null ? null : round(cpuAfter - cpuBefore);
  const peakRssMb = await peakRssOf(child.pid);
  console.log(
    JSON.stringify({
      objects: totals.objects,
      pages: totals.pages,
      resources: resources.length,
      megabytes: round(totals.bytes / 1e6),
      seconds: round(seconds),
      objectsPerSecond: Math.round(totals.objects / seconds),
      serverCpuSeconds,
      serverObjectsPerCpuSecond: serverCpuSeconds ? Math.round(totals.objects / serverCpuSeconds) : null,
      startupSeconds: round(startupSeconds),
      peakRssMb,
    }),
  );
} finally {
  agent.destroy();
  child.kill('SIGTERM');
  await rm(dir, { recursive: true, force: true });
}

/** Resolves with the URL once the simulator prints its `listening on` line. */
function waitForListening(process: ReturnType<typeof spawn>): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    process.stdout?.setEncoding('utf8');
    process.stdout?.on('data', (chunk: string) => {
      buffered += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(buffered);
      if (match?.[1]) resolve(match[1]);
    });
    process.once('exit', (code) =>
      reject(new Error(`the simulator exited with code ${code} before listening`)),
    );
    process.once('error', reject);
  });
}

async function tokenFrom(file: string): Promise<string> {
  const config = parseYaml(await readFile(file, 'utf8')) as { users?: Array<{ user?: { token?: string } }> };
  const token = config.users?.[0]?.user?.token;
  if (!token) throw new Error(`${file}: users[0].user.token is missing`);
  return token;
}

/** Every resource with the list verb, at its group's preferred version, as aggregated discovery lists them. */
async function discover(url: string, headers: Record<string, string>): Promise<DiscoveredResource[]> {
  const out: DiscoveredResource[] = [];
  for (const root of ['/api', '/apis']) {
    const response = await request(`${url}${root}`, { ...headers, Accept: AGGREGATED_ACCEPT });
    if (response.status !== 200) throw new Error(`GET ${root}: HTTP ${response.status}`);
    const body = JSON.parse(response.body.toString('utf8')) as {
      items: Array<{
        metadata: { name?: string };
        versions: Array<{
          version: string;
          resources: Array<{ resource: string; scope: string; verbs: string[] }>;
        }>;
      }>;
    };
    for (const group of body.items) {
      const preferred = group.versions[0];
      if (!preferred) continue;
      const prefix = group.metadata.name ? `/apis/${group.metadata.name}` : '/api';
      for (const r of preferred.resources) {
        if (r.verbs.includes('list'))
          out.push({ path: `${prefix}/${preferred.version}/${r.resource}`, scope: r.scope });
      }
    }
  }
  return out;
}

/** A bare paged LIST of one resource across all namespaces. */
async function listAll(
  base: string,
  headers: Record<string, string>,
  pageSize: number,
): Promise<ListFigures> {
  const figures: ListFigures = { objects: 0, pages: 0, bytes: 0 };
  let continueToken: string | undefined;
  do {
    const query = new URLSearchParams({ limit: String(pageSize) });
    if (continueToken) query.set('continue', continueToken);
    const response = await request(`${base}?${query}`, headers);
    const text = response.body.toString('utf8');
    if (response.status !== 200)
      throw new Error(`GET ${base}: HTTP ${response.status}: ${text.slice(0, 200)}`);
    const page = JSON.parse(text) as { metadata?: { continue?: string }; items?: unknown[] };
    figures.objects += page.items?.length ?? 0;
    figures.pages += 1;
    figures.bytes += response.body.length;
    continueToken = page.metadata?.continue || undefined;
  } while (continueToken);
  return figures;
}

/** A GET with the whole body read. */
function request(url: string, headers: Record<string, string>): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, { agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

/** CPU time (user + system) a process has used, from /proc; null where /proc is not there. */
async function cpuSecondsOf(pid: number | undefined): Promise<number | null> {
  if (pid === undefined) return null;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticksPerSecond = 100; // USER_HZ, 100 on every Linux Node.js supports
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return null;
  }
}

/** The simulator's peak resident set (VmHWM), where /proc tells it; null elsewhere. */
async function peakRssOf(pid: number | undefined): Promise<number | null> {
  if (pid === undefined) return null;
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Math.round(Number(kb) / 1024) : null;
  } catch {
    return null;
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
