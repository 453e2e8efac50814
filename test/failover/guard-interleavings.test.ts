// Overlapping recoveries, their guards interleaved step by step: every call a guard makes to the ledger or
// to Step Functions waits until the test lets it through, and every order of those calls is run, each on a
// fresh ledger. Whatever the order, exactly one of the overlapping runs proceeds and none fails.
import { describe, expect, it } from 'vitest';
import { SandboxRecoveryLedger } from '../../sandbox/aws/sandbox-recovery-ledger.ts';
import { type GuardResult, type RecoveryWorkflow, WorkflowGuard } from '../../src/failover/guard.ts';
import type { RecoveryLedger } from '../../src/failover/ports/recovery-ledger.ts';
import type { WorkflowStarter } from '../../src/failover/ports/workflows.ts';
import { aPlan, DRILL_ARN, FAILBACK_ARN, FAILOVER_ARN, InMemoryWorkflows } from './failover-fixtures.ts';

const plan = aPlan((raw) => {
  raw.drill = { namespaceMapping: { shop: 'shop-drill' } };
});
const ARNS: Record<RecoveryWorkflow, string> = {
  failover: FAILOVER_ARN,
  failback: FAILBACK_ARN,
  drill: DRILL_ARN,
};
const NOW = new Date('2024-05-01T12:35:00Z');

/** Holds each call until `next(i)` lets the i-th waiting one through. */
class Gates {
  readonly waiting: { actor: string; call: string; go: () => void }[] = [];

  wait(actor: string, call: string): Promise<void> {
    return new Promise((go) => this.waiting.push({ actor, call, go }));
  }

  next(index: number): string {
    const [gate] = this.waiting.splice(index, 1);
    if (!gate) throw new Error(`no waiting call ${index}`);
    gate.go();
    return `${gate.actor}.${gate.call}`;
  }
}

function gatedLedger(ledger: RecoveryLedger, gates: Gates, actor: string): RecoveryLedger {
  const gated =
    <A extends unknown[], R>(call: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await gates.wait(actor, call);
      return fn(...args);
    };
  return {
    claim: gated('claim', (r) => ledger.claim(r)),
    takeOver: gated('takeOver', (r) => ledger.takeOver(r)),
    release: gated('release', (p, a) => ledger.release(p, a)),
    activeSide: gated('activeSide', (p) => ledger.activeSide(p)),
    recordActiveSide: gated('recordActiveSide', (p, r) => ledger.recordActiveSide(p, r)),
  };
}

function gatedWorkflows(
  workflows: WorkflowStarter,
  gates: Gates,
  actor: string,
): Pick<WorkflowStarter, 'describeExecution'> {
  return {
    describeExecution: async (arn) => {
      await gates.wait(actor, 'describeExecution');
      return workflows.describeExecution(arn);
    },
  };
}

/** One actor of a scenario: a guard of a started execution, or a script of calls (a holder finishing). */
type Actor = (ports: {
  ledger: RecoveryLedger;
  workflows: Pick<WorkflowStarter, 'describeExecution'>;
}) => Promise<GuardResult | 'done'>;

interface Scenario {
  /** The world before the actors start: executions started, the active side recorded. */
  setUp(ledger: SandboxRecoveryLedger, workflows: InMemoryWorkflows): Promise<Record<string, Actor>>;
}

interface Run {
  order: string[];
  outcomes: Record<string, GuardResult | 'done' | Error>;
}

/** Runs the scenario once, letting the waiting calls through in the order `choices` says (0 after it). */
async function runOnce(scenario: Scenario, choices: readonly number[]): Promise<Run & { options: number[] }> {
  const ledger = new SandboxRecoveryLedger();
  const workflows = new InMemoryWorkflows();
  const actors = await scenario.setUp(ledger, workflows);
  const gates = new Gates();
  const outcomes: Run['outcomes'] = {};
  const names = Object.keys(actors);
  const running = names.map((name) =>
    (actors[name] as Actor)({
      ledger: gatedLedger(ledger, gates, name),
      workflows: gatedWorkflows(workflows, gates, name),
    }).then(
      (outcome) => {
        outcomes[name] = outcome;
      },
      (error: Error) => {
        outcomes[name] = error;
      },
    ),
  );
  const order: string[] = [];
  const options: number[] = [];
  for (;;) {
    // Every actor is either waiting at a gate or finished before the next choice.
    for (let spins = 0; gates.waiting.length + Object.keys(outcomes).length < names.length; spins++) {
      if (spins > 1000) throw new Error('an actor neither waits nor finishes');
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (gates.waiting.length === 0) break;
    const pick = choices[options.length] ?? 0;
    options.push(gates.waiting.length);
    order.push(gates.next(pick));
  }
  await Promise.all(running);
  return { order, outcomes, options };
}

/** Every order the gates allow, depth first. */
async function everyOrder(scenario: Scenario): Promise<Run[]> {
  const runs: Run[] = [];
  let choices: number[] = [];
  for (;;) {
    const run = await runOnce(scenario, choices);
    runs.push(run);
    const path = run.options.map((_, i) => choices[i] ?? 0);
    let i = path.length - 1;
    while (i >= 0 && (path[i] ?? 0) + 1 >= (run.options[i] ?? 0)) i--;
    if (i < 0) return runs;
    choices = [...path.slice(0, i), (path[i] ?? 0) + 1];
  }
}

/** A guard of a running execution of `workflow`. */
async function guardOf(
  workflows: InMemoryWorkflows,
  workflow: RecoveryWorkflow,
  name: string,
): Promise<Actor> {
  const { executionArn } = await workflows.startExecution(ARNS[workflow], name, {});
  const request = {
    workflow,
    input: {},
    executionId: executionArn,
    executionName: name,
    executionStartTime: NOW.toISOString(),
  };
  return (ports) => new WorkflowGuard({ plan, ...ports, now: () => NOW }).check(request);
}

function overlapping(...runs: [RecoveryWorkflow, string][]): Scenario {
  return {
    async setUp(_ledger, workflows) {
      const actors: Record<string, Actor> = {};
      for (const [workflow, name] of runs) actors[name] = await guardOf(workflows, workflow, name);
      return actors;
    },
  };
}

function proceeding(run: Run): string[] {
  return Object.entries(run.outcomes)
    .filter(([, outcome]) => outcome !== 'done' && !(outcome instanceof Error) && outcome.proceed)
    .map(([name]) => name);
}

function failures(run: Run): Error[] {
  return Object.values(run.outcomes).filter((outcome) => outcome instanceof Error);
}

describe('overlapping recoveries, guards interleaved in every order', () => {
  it.each([
    // Each guard makes three calls (side, claim, side or describe); a failback the side rules out, one.
    [
      'two failovers',
      [
        ['failover', 'f1'],
        ['failover', 'f2'],
      ],
      20,
    ],
    [
      'three failovers',
      [
        ['failover', 'f1'],
        ['failover', 'f2'],
        ['failover', 'f3'],
      ],
      1680,
    ],
    [
      'a failover racing a drill',
      [
        ['failover', 'f1'],
        ['drill', 'd1'],
      ],
      20,
    ],
    [
      'a failover, a drill and a failback',
      [
        ['failover', 'f1'],
        ['drill', 'd1'],
        ['failback', 'b1'],
      ],
      140,
    ],
  ] as const)('%s: exactly one proceeds, the others are not run, none fails', async (_, runs, orders) => {
    // Arrange
    const scenario = overlapping(...(runs as unknown as [RecoveryWorkflow, string][]));

    // Act
    const all = await everyOrder(scenario);

    // Assert
    expect(all).toHaveLength(orders);
    expect(new Set(all.map((run) => run.order.join(' '))).size).toBe(orders);
    for (const run of all) {
      const why = run.order.join(' → ');
      expect(failures(run), why).toEqual([]);
      expect(proceeding(run), why).toHaveLength(1);
      for (const [name, outcome] of Object.entries(run.outcomes)) {
        if (outcome === 'done' || outcome instanceof Error || outcome.proceed) continue;
        expect(outcome.notRun?.reason, `${name}: ${why}`).toMatch(
          /recovering plan shop|primary already active/,
        );
      }
    }
  });

  it('two failovers taking over from an aborted holder: exactly one gets the claim', async () => {
    // Arrange
    const scenario: Scenario = {
      async setUp(ledger, workflows) {
        const { executionArn: aborted } = await workflows.startExecution(FAILOVER_ARN, 'f0', {});
        await ledger.claim({
          plan: 'shop',
          execution: { name: 'f0', arn: aborted, workflow: 'failover', startedAt: NOW.toISOString() },
          leaseSeconds: 3600,
          now: NOW,
        });
        workflows.finish(aborted, 'ABORTED');
        return {
          f1: await guardOf(workflows, 'failover', 'f1'),
          f2: await guardOf(workflows, 'failover', 'f2'),
        };
      },
    };

    // Act
    const all = await everyOrder(scenario);

    // Assert
    expect(all.length).toBeGreaterThan(20);
    expect(all.some((run) => run.order.filter((call) => call.endsWith('.takeOver')).length === 2)).toBe(true);
    for (const run of all) {
      const why = run.order.join(' → ');
      expect(failures(run), why).toEqual([]);
      expect(proceeding(run), why).toHaveLength(1);
    }
  });

  it('a failover whose holder finishes meanwhile never runs into the DR side it recorded', async () => {
    // Arrange
    const scenario: Scenario = {
      async setUp(ledger, workflows) {
        const { executionArn: holder } = await workflows.startExecution(FAILOVER_ARN, 'f1', {});
        await ledger.claim({
          plan: 'shop',
          execution: { name: 'f1', arn: holder, workflow: 'failover', startedAt: NOW.toISOString() },
          leaseSeconds: 3600,
          now: NOW,
        });
        // The holder's last steps: ChangeDns records the side, Report releases, the execution ends.
        const finishing: Actor = async (ports) => {
          await ports.ledger.recordActiveSide('shop', {
            side: 'dr',
            since: NOW.toISOString(),
            executionName: 'f1',
          });
          await ports.ledger.release('shop', holder);
          workflows.finish(holder);
          return 'done';
        };
        return { f1: finishing, f2: await guardOf(workflows, 'failover', 'f2') };
      },
    };

    // Act
    const all = await everyOrder(scenario);

    // Assert
    expect(all.length).toBeGreaterThan(5);
    for (const run of all) {
      const why = run.order.join(' → ');
      expect(failures(run), why).toEqual([]);
      expect(proceeding(run), why).toEqual([]);
    }
    // The order that needs the second read: f2 saw the primary, then claimed after f1 released.
    const late = all.find((run) => run.order.join(' ').endsWith('f2.claim f2.activeSide f2.release'));
    expect(late?.outcomes.f2).toMatchObject({
      notRun: { reason: expect.stringMatching(/^DR already active/) },
    });
  });
});
