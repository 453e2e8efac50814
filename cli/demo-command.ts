// `eks-dr demo`: a whole failover on one machine. The sandbox world runs the real backup on its schedule,
// the primary goes down, the alarm reaches the real trigger, and the real failover (and, asked for,
// failback) workflow runs on a compressed clock; then the timeline and an HTML report show what AWS would
// have taken and what it took here.
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { WorkflowEvent } from '../sandbox/workflows/local-workflow-runner.ts';
import {
  type LocalWorkflowResult,
  prepareLocalWorkflow,
  runLocalWorkflow,
} from '../sandbox/workflows/local-workflow-runner.ts';
import {
  functionsFor,
  SAMPLE_ZONE_ID,
  type SandboxWorld,
  startSandboxWorld,
  stateMachineOf,
} from '../sandbox/world.ts';
import type { RunReport } from '../src/failover/report.ts';
import type { WorkflowName } from '../src/workflows/definitions.ts';
import { carriedHome, changeDr, DR_CHANGES } from './demo/dr-changes.ts';
import {
  DEFAULT_REPORT_FILE,
  type DemoReportData,
  LiveProgress,
  modelledTimeOf,
  renderTimelineTable,
  writeHtmlReport,
} from './demo/index.ts';

const USAGE = `Usage: eks-dr demo [--failback] [--json] [--report FILE] [--speed MS_PER_MODELLED_SECOND]

Runs a whole failover on this machine: a primary and a pilot-light DR Kubernetes simulator, S3 (s3rver),
and EKS/EC2/Route 53 stand-ins on a compressed clock. The real backup workflow runs as the schedule would,
the primary goes down, the alarm starts the real failover workflow, and a timeline shows each step's
modelled AWS time next to its real local time, with RTO, RPO, objects restored and DNS before/after.

Options:
  --failback          then run the way back (failback workflow)
  --json              print the result as one JSON object on stdout (progress goes to stderr)
  --report FILE       HTML report to write (default ${DEFAULT_REPORT_FILE}; failback: FILE-failback.html)
  --speed N           real milliseconds per modelled second (default 2: a 90 s node boot takes 0.18 s)
  -h, --help          this text`;

/** Bad flags of `eks-dr demo`. */
export class DemoUsageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DemoUsageError';
  }
}

/** A demo step that did not succeed; its message names the step. */
export class DemoStepError extends Error {
  readonly step: string;
  constructor(step: string, detail: string, options?: { cause?: unknown }) {
    super(`${step} failed: ${detail}`, options);
    this.name = 'DemoStepError';
    this.step = step;
  }
}

interface DemoOptions {
  failback: boolean;
  json: boolean;
  report: string;
  speed: number;
}

interface RunOutcome {
  data: DemoReportData;
  file: string;
}

const DNS_RECORD = 'shop.example.com.';

/** `eks-dr demo`: backup, outage, alarm, failover (and failback) on the sandbox; returns the exit code. */
export async function runDemoCommand(argv: string[]): Promise<number> {
  let options: DemoOptions;
  try {
    const parsed = parseDemoArgs(argv);
    if (parsed === 'help') {
      console.log(USAGE);
      return 0;
    }
    options = parsed;
  } catch (error) {
    console.error(`eks-dr demo: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  const out = (text: string) => (options.json ? process.stderr : process.stdout).write(`${text}\n`);
  const color = !options.json && process.stdout.isTTY === true;
  // Progress shares stdout with the story, in order; with --json stdout carries the JSON alone.
  const stream = options.json ? process.stderr : process.stdout;
  const wallStart = performance.now();
  // Built before the world starts: validating a definition is slow and would count as outage time.
  for (const workflow of ['backup', 'failover', 'failback'] as const) prepareLocalWorkflow(workflow);

  let sink: ((event: WorkflowEvent) => void) | undefined;
  const reports = new Map<string, RunReport>();
  let world: SandboxWorld | undefined;
  const runs: RunOutcome[] = [];
  const executions: DemoExecution[] = [];
  let consoleExecution = '';
  try {
    world = await startSandboxWorld({
      realMsPerModelledSecond: options.speed,
      // The live view follows the run being told; the console's not-run execution is told in one line.
      onEvent: (execution, event) => {
        if (execution !== consoleExecution) sink?.(event);
      },
      wrapFunctions: (functions) => ({
        // A failed run's output is the Fail state's error: the report is what ReportFailure returned.
        Report: async (payload) => {
          const answer = await functions.Report(payload);
          const name = (payload as { executionName?: unknown }).executionName;
          if (typeof name === 'string') reports.set(name, answer as RunReport);
          reports.set('latest', answer as RunReport);
          return answer;
        },
      }),
    });
    const w = world;
    consoleExecution = `${w.plan.name}-failover-console`;
    const primaryCluster = w.plan.primary.clusterName;
    const primaryNodes = w.eks.nodeNames(primaryCluster, 'apps');
    out(
      [
        'eks-dr demo — a whole failover on this machine',
        `  primary  ${primaryCluster} (${w.plan.primary.region}): ${w.sampleObjects(w.primary).length} objects of the sample app, ${primaryNodes.length} Ready nodes`,
        `  DR       ${w.plan.dr.clusterName} (${w.plan.dr.region}): pilot light, no Ready nodes, no app`,
        `  clock    1 modelled second = ${options.speed} ms here (AWS latencies: node boot 60–90 s, Route 53 INSYNC ≈ 60 s)`,
        '',
      ].join('\n'),
    );

    // 1. The schedule fires: the real trigger starts the real backup workflow.
    out('① the backup schedule fires');
    const backupLive = new LiveProgress({ workflow: 'backup', modelledAt: modelledTimeOf(w.clock), stream });
    sink = backupLive.onEvent;
    const scheduled = await w.trigger(scheduledEvent(w.clock.now(), w.plan.name));
    if (!scheduled.started) throw new DemoStepError('backup trigger', 'the schedule started no workflow');
    const backupRun = await w.workflows.wait(scheduled.executionArn);
    executions.push(executionOf('backup', backupRun));
    backupLive.finish();
    sink = undefined;
    checkRun('backup', backupRun, backupLive);

    // 2. The primary region goes down: its nodes stop being Ready.
    for (const node of primaryNodes) w.primary.setNodeReady(node, false);
    out(`\n② the primary goes down: ${primaryNodes.length} nodes of ${primaryCluster} NotReady`);

    // 3. The outage trips every plan alarm in the same second, and an operator starts a failover from the
    //    console at that moment too: one failover runs, the other execution ends as not run.
    const alarms = w.plan.failover.alarms;
    if (alarms.length === 0) throw new DemoStepError('alarm', `plan ${w.plan.name} has no failover alarm`);
    out(
      `\n③ CloudWatch alarms ${alarms.map((a) => a.name).join(' and ')} → ALARM in the same second, and an operator starts a failover from the console`,
    );
    const dnsBefore = recordValues(w);
    const live = new LiveProgress({ workflow: 'failover', modelledAt: modelledTimeOf(w.clock), stream });
    sink = live.onEvent;
    const at = w.clock.now();
    const outcomes = await Promise.all(
      alarms.map((alarm) => w.trigger(alarmEvent(alarm.name, alarm.region ?? w.plan.primary.region, at))),
    );
    const fromAlarms = outcomes.find((outcome) => outcome.started);
    if (!fromAlarms?.started) throw new DemoStepError('failover trigger', 'the alarms started no workflow');
    for (const [index, outcome] of outcomes.entries()) {
      const alarm = alarms[index]?.name;
      if (outcome.started) out(`  ${alarm}: started ${outcome.executionName}`);
      else if (outcome.duplicate) out(`  ${alarm}: the same outage, folded into ${outcome.executionName}`);
      else out(`  ${alarm}: nothing started (${outcome.reason})`);
    }
    const byHand = await w.workflows.startExecution(stateMachineOf('failover'), consoleExecution, {
      reason: 'the on-call engineer saw the alarms',
    });
    const [failoverRun, consoleRun] = await Promise.all([
      w.workflows.wait(fromAlarms.executionArn),
      w.workflows.wait(byHand.executionArn),
    ]);
    executions.push(executionOf('failover', failoverRun), executionOf('failover', consoleRun));
    const consoleReport = reportOf(consoleRun, reports);
    out(
      `  ${consoleRun.executionName}: ${consoleReport.notRun ? `not run: ${consoleReport.notRun.reason}` : consoleReport.outcome}`,
    );
    live.finish();
    sink = undefined;
    const failover: DemoReportData = {
      report: reportOf(failoverRun, reports),
      progress: live.steps,
      spans: [...w.clock.spans],
      dns: { name: DNS_RECORD, type: 'A', before: dnsBefore, after: recordValues(w) },
      realMsPerModelledSecond: options.speed,
    };
    runs.push({ data: failover, file: options.report });
    await show(failover, options.report, out, color);
    checkRun('failover', failoverRun, live);

    if (options.failback) {
      // 4. While DR serves, the shop changes there; then the primary is back and the way back runs.
      await changeDr(w);
      out(
        [
          '\n④ DR serves the shop, and things change there:',
          `  created  configmap ${DR_CHANGES.created.namespace}/${DR_CHANGES.created.name}`,
          `  changed  deployment shop/${DR_CHANGES.image.deployment} → ${DR_CHANGES.image.value}`,
          `  deleted  ${DR_CHANGES.deleted.label}`,
          `  written  volume of ${DR_CHANGES.volume.persistentVolume}: "${DR_CHANGES.volume.data}"`,
        ].join('\n'),
      );
      for (const node of primaryNodes) w.primary.setNodeReady(node, true);
      out(`\n⑤ the primary is back (${primaryNodes.length} nodes Ready): failback`);
      const spansBefore = w.clock.spans.length;
      const backLive = new LiveProgress({
        workflow: 'failback',
        modelledAt: modelledTimeOf(w.clock),
        stream,
      });
      const backBefore = recordValues(w);
      const backRun = await runWorkflow(w, 'failback', backLive, reports);
      executions.push(executionOf('failback', backRun));
      const file = failbackFile(options.report);
      const back: DemoReportData = {
        report: reportOf(backRun, reports),
        progress: backLive.steps,
        spans: w.clock.spans.slice(spansBefore),
        dns: { name: DNS_RECORD, type: 'A', before: backBefore, after: recordValues(w) },
        failback: true,
        realMsPerModelledSecond: options.speed,
      };
      runs.push({ data: back, file });
      await show(back, file, out, color);
      checkRun('failback', backRun, backLive);
      const home = await carriedHome(w);
      const mark = (ok: boolean) => (ok ? 'back' : 'MISSING');
      out(
        [
          '\n⑥ in the primary now:',
          `  configmap ${DR_CHANGES.created.name}: ${mark(home.created)}; api image: ${mark(home.image)}; volume data: ${mark(home.volume)}`,
          `  ${DR_CHANGES.deleted.label}: ${home.deletedStillInPrimary ? 'kept, and reported as deleted in DR (removeDeletedInDr removes it)' : 'removed'}`,
        ].join('\n'),
      );
      if (!home.created || !home.image || !home.volume) {
        throw new DemoStepError('failback', 'a change made in DR did not come back to the primary');
      }
    }
    const wallSeconds = (performance.now() - wallStart) / 1000;
    out(`\ndone in ${wallSeconds.toFixed(1)} s of wall time`);
    if (options.json) console.log(JSON.stringify(jsonResult(runs, executions, wallSeconds, true)));
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`eks-dr demo: ${message}`);
    if (options.json) {
      const wallSeconds = (performance.now() - wallStart) / 1000;
      console.log(JSON.stringify({ ...jsonResult(runs, executions, wallSeconds, false), error: message }));
    }
    return 1;
  } finally {
    sink = undefined;
    if (world) {
      await settle(world);
      await world.stop();
    }
  }
}

/**
 * Lets node group updates still in flight (failback's scale-down) end before stop(): stop cancels the
 * clock's timers first, and an update whose timer is cancelled never settles, so stop would wait forever.
 */
async function settle(world: SandboxWorld): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, 10_000);
    timer.unref();
  });
  try {
    await Promise.race([Promise.all([world.workflows.idle(), world.eks.idle()]), limit]);
  } finally {
    clearTimeout(timer);
  }
}

function parseDemoArgs(argv: string[]): DemoOptions | 'help' {
  let values: { failback?: boolean; json?: boolean; report?: string; speed?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        failback: { type: 'boolean' },
        json: { type: 'boolean' },
        report: { type: 'string' },
        speed: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new DemoUsageError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  if (values.help) return 'help';
  const speed = values.speed === undefined ? 2 : Number(values.speed);
  if (!Number.isFinite(speed) || speed <= 0 || speed > 1000) {
    throw new DemoUsageError(
      `option --speed ${values.speed}: expected a number of milliseconds in (0, 1000]`,
    );
  }
  if (values.report !== undefined && values.report.trim() === '') {
    throw new DemoUsageError('option --report: expected a file name');
  }
  return {
    failback: values.failback === true,
    json: values.json === true,
    report: values.report ?? DEFAULT_REPORT_FILE,
    speed,
  };
}

/** Runs a workflow the trigger does not start (failback) with the world's real functions. */
async function runWorkflow(
  world: SandboxWorld,
  workflow: WorkflowName,
  live: LiveProgress,
  reports: Map<string, RunReport>,
): Promise<LocalWorkflowResult> {
  const functions = functionsFor(world);
  const executionName = `${world.plan.name}-${workflow}-demo`;
  try {
    return await runLocalWorkflow({
      workflow,
      input: { reason: 'eu-west-1 is back' },
      functions: {
        ...functions,
        Report: async (payload) => {
          const answer = await functions.Report(payload);
          reports.set(executionName, answer as RunReport);
          reports.set('latest', answer as RunReport);
          return answer;
        },
      },
      executionName,
      waitMs: (seconds) => world.waitMs(seconds),
      retryIntervalMs: 0,
      startTime: world.clock.now(),
      onEvent: live.onEvent,
    });
  } finally {
    live.finish();
  }
}

/** The run's report: its output on success, what ReportFailure returned when it failed. */
function reportOf(run: LocalWorkflowResult, reports: Map<string, RunReport>): RunReport {
  if (run.status === 'SUCCEEDED' && isReport(run.output)) return run.output;
  const kept = reports.get(run.executionName) ?? reports.get('latest');
  if (kept) return kept;
  throw new DemoStepError(run.executionName, `${run.error ?? 'no report'}: ${String(run.cause ?? '')}`);
}

function isReport(value: unknown): value is RunReport {
  return typeof value === 'object' && value !== null && 'timeline' in value && 'workflow' in value;
}

function checkRun(workflow: string, run: LocalWorkflowResult, live: LiveProgress): void {
  if (run.status === 'SUCCEEDED') return;
  const failed = live.tracker.failedStep;
  const step = failed ? `${workflow} step '${failed.label}'` : `${workflow} workflow`;
  throw new DemoStepError(step, `${run.error ?? 'error'}: ${String(run.cause ?? '')}`);
}

async function show(
  data: DemoReportData,
  file: string,
  out: (text: string) => void,
  color: boolean,
): Promise<void> {
  out(`\n${renderTimelineTable(data, { color })}`);
  const written = await writeHtmlReport(data, file);
  out(`\nreport: ${written}`);
}

function recordValues(world: SandboxWorld): string[] {
  const record = world.route53.records(SAMPLE_ZONE_ID).find((r) => r.name === DNS_RECORD);
  return [...(record?.values ?? [])];
}

function failbackFile(file: string): string {
  const extension = path.extname(file);
  return `${file.slice(0, file.length - extension.length)}-failback${extension || '.html'}`;
}

/** One execution the demo started, as Step Functions lists it. */
interface DemoExecution {
  name: string;
  workflow: WorkflowName;
  status: LocalWorkflowResult['status'];
}

function executionOf(workflow: WorkflowName, run: LocalWorkflowResult): DemoExecution {
  return { name: run.executionName, workflow, status: run.status };
}

function jsonResult(
  runs: RunOutcome[],
  executions: DemoExecution[],
  wallSeconds: number,
  ok: boolean,
): Record<string, unknown> {
  return {
    ok,
    wallSeconds: Number(wallSeconds.toFixed(2)),
    executions,
    runs: runs.map(({ data, file }) => ({
      workflow: data.failback ? 'failback' : data.report.workflow,
      outcome: data.report.outcome,
      rtoSeconds: data.report.rto?.seconds,
      rpoSeconds: data.report.rpo?.seconds,
      objectsRestored: (data.report.restore?.created ?? 0) + (data.report.restore?.updated ?? 0),
      ...(data.report.carriedBack ? { carriedBack: data.report.carriedBack } : {}),
      dns: data.dns,
      reportFile: path.resolve(file),
      report: data.report,
    })),
  };
}

/** The backup schedule's EventBridge event, as AWS delivers it to the trigger. */
function scheduledEvent(time: Date, plan: string): unknown {
  return {
    version: '0',
    id: `demo-schedule-${time.getTime()}`,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: time.toISOString(),
    region: 'eu-west-1',
    resources: [`arn:aws:events:eu-west-1:123456789012:rule/eks-dr-${plan}-backup`],
    detail: {},
  };
}

/** A CloudWatch alarm going to ALARM at `time`, as EventBridge delivers it. */
function alarmEvent(alarmName: string, region: string, time: Date): unknown {
  return {
    version: '0',
    id: `demo-alarm-${time.getTime()}`,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '123456789012',
    time: time.toISOString(),
    region,
    resources: [`arn:aws:cloudwatch:${region}:123456789012:alarm:${alarmName}`],
    detail: {
      alarmName,
      state: {
        value: 'ALARM',
        reason: 'Threshold Crossed: 5xx rate above 5%',
        timestamp: time.toISOString(),
      },
      previousState: { value: 'OK' },
    },
  };
}
