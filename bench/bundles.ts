// Size and cold-load time of every Lambda bundle, built with exactly the settings `cdk synth` uses
// (infra/constructs/bundling.ts). Budget (DESIGN.md): ≤ 3 MB of code each. Load time is measured for
// information, with no target: the old 150 ms cold-load target is withdrawn (issue 13), since these
// functions run inside workflows whose steps take minutes.
//
//   npm run bench:bundles [-- --runs N] [--only name,name]
//
// Each functions/<name>.ts is bundled to <tmp>/<name>/index.js; its load time is measured in a fresh Node
// process, loaded as the Lambda runtime loads a CommonJS handler file (`require`), module-scope wiring
// included, with the environment the stack gives it and the NODE_OPTIONS deployed (none), median of N
// runs. The same is measured, in the same run, for bench/fixtures/lambda-floor.ts (Powertools and one SDK client, no eks-dr code: the floor every function
// stands on, on this machine) and lambda-floor-s3.ts (Powertools and S3 with multipart upload: the
// floor of the functions that read or write backups). The last line printed is one JSON object.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildSync } from 'esbuild';
import { BUNDLE_FILE, esbuildOptions } from '../infra/constructs/bundling.ts';
import { deployedPlanEnvironment } from '../src/plan/index.ts';
import { loadPlanFile } from '../src/plan/load-plan-file.ts';

const MAX_BYTES = 3 * 1024 * 1024;
const ROOT = join(import.meta.dirname, '..');

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, only: { type: 'string' } },
});
const runs = Number(values.runs);
const only = values.only?.split(',');

const plan = loadPlanFile(join(ROOT, 'eks-dr.config.example.json'));
const account = '111122223333';
const arn = (region: string, workflow: string) =>
  `arn:aws:states:${region}:${account}:stateMachine:${plan.name}-eks-dr-${workflow}`;
// What the stacks set (fake account, no credentials needed: loading makes no AWS call).
const environment = {
  ...process.env,
  AWS_REGION: plan.primary.region,
  AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE00',
  AWS_SECRET_ACCESS_KEY: 'fake-secret-for-bench',
  ...deployedPlanEnvironment(plan),
  EKS_DR_SIDE_REGION: 'primary',
  BACKUP_STATE_MACHINE_ARN: arn(plan.primary.region, 'backup'),
  FAILOVER_STATE_MACHINE_ARN: arn(plan.dr.region, 'failover'),
  FAILBACK_STATE_MACHINE_ARN: arn(plan.dr.region, 'failback'),
  DRILL_STATE_MACHINE_ARN: arn(plan.dr.region, 'drill'),
  NOTIFICATION_TOPIC_ARN: `arn:aws:sns:${plan.dr.region}:${account}:${plan.name}-eks-dr`,
  POWERTOOLS_SERVICE_NAME: 'eks-dr',
  POWERTOOLS_METRICS_NAMESPACE: 'EksDr',
  // As deployed: none (functions/shared/stack-frames.ts says why not --enable-source-maps).
  NODE_OPTIONS: '',
};

interface FunctionFigures {
  name: string;
  bytes: number;
  loadMs: number | null;
  error?: string;
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Milliseconds to import the bundle in a fresh process, or the error that stopped it. */
function loadOnce(file: string): number | string {
  const script = `const t = performance.now(); require(${JSON.stringify(file)}); console.log(performance.now() - t);`;
  const child = spawnSync(process.execPath, ['--no-warnings', '-e', script], {
    env: environment,
    encoding: 'utf8',
  });
  const ms = Number(child.stdout.trim().split('\n').pop());
  if (child.status !== 0 || !Number.isFinite(ms))
    return (child.stderr.trim().split('\n')[0] ?? 'failed').slice(0, 300);
  return ms;
}

const names = readdirSync(join(ROOT, 'functions'))
  .filter((file) => file.endsWith('.ts') && statSync(join(ROOT, 'functions', file)).isFile())
  .map((file) => file.slice(0, -3))
  .filter((name) => only === undefined || only.includes(name))
  .sort();
const out = mkdtempSync(join(tmpdir(), 'eks-dr-bundles-'));
let figures: FunctionFigures[] = [];
let floors: FunctionFigures[] = [];
try {
  const floorBundles = [
    bundle('(floor)', join(ROOT, 'bench', 'fixtures', 'lambda-floor.ts'), false),
    bundle('(floor s3)', join(ROOT, 'bench', 'fixtures', 'lambda-floor-s3.ts'), false),
  ];
  const functionBundles = names.map((name) => bundle(name, join(ROOT, 'functions', `${name}.ts`), true));
  const all = [...floorBundles, ...functionBundles];
  // Round-robin, in a new order each round: a slow spell of a shared machine then lands on every bundle
  // alike, floors included, instead of on whichever bundle happened to be measuring or came first.
  for (let run = 0; run < runs; run++) {
    for (const entry of shuffled(all)) {
      if (entry.error !== undefined) continue;
      const result = loadOnce(entry.outfile);
      if (typeof result === 'string') entry.error = result;
      else entry.samples.push(result);
    }
  }
  floors = floorBundles.map(report);
  figures = functionBundles.map(report);
} finally {
  rmSync(out, { recursive: true, force: true });
}
console.log(JSON.stringify({ functions: figures, floor: floors[0], floorS3: floors[1] }));

interface Bundle {
  name: string;
  outfile: string;
  bytes: number;
  judged: boolean;
  samples: number[];
  error?: string;
}

/** A copy of `items` in random order (Fisher–Yates). */
function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/** Bundles one entry point with the deployed settings. */
function bundle(name: string, entry: string, judged: boolean): Bundle {
  const outfile = join(out, name.replace(/[^a-z0-9-]/g, '_'), BUNDLE_FILE);
  buildSync(esbuildOptions(entry, outfile));
  return { name, outfile, bytes: statSync(outfile).size, judged, samples: [] };
}

/** Prints one bundle's line and returns its figures. */
function report(entry: Bundle): FunctionFigures {
  const { name, bytes, error } = entry;
  const loadMs = error === undefined ? Math.round(median(entry.samples) * 10) / 10 : null;
  // Only the size is judged; a load time is a figure.
  const verdict = !entry.judged ? 'baseline' : bytes <= MAX_BYTES ? 'ok' : 'OVER 3 MB';
  console.log(
    `${name.padEnd(16)} ${(bytes / 1024).toFixed(0).padStart(6)} KiB  ${loadMs === null ? `load failed: ${error}` : `${loadMs.toFixed(1).padStart(7)} ms`}  ${verdict}`,
  );
  return { name, bytes, loadMs, ...(error === undefined ? {} : { error }) };
}
