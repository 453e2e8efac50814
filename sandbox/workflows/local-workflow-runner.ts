// The polyfill first: aws-local-stepfunctions needs Promise.withResolvers (Node 22+).
import './promise-with-resolvers.ts';
import { randomUUID } from 'node:crypto';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import {
  functionOfPlaceholder,
  placeholdersOf,
  readDefinition,
  substitute,
  type WorkflowFunction,
  type WorkflowName,
} from '../../src/workflows/definitions.ts';

/** A Lambda handler as the workflow sees it: the Payload in, the Payload out. */
export type LocalFunction = (payload: unknown) => Promise<unknown>;

export interface LocalWorkflowRun {
  workflow: WorkflowName;
  input: unknown;
  functions: Partial<Record<WorkflowFunction, LocalFunction>>;
  /** Execution name, as the trigger would give it. @default a random UUID */
  executionName?: string;
  /** Real milliseconds a Wait state of N seconds lasts. @default 0 (no waiting) */
  waitMs?: (seconds: number, state: string) => number;
  /** Real milliseconds between Retry attempts. @default 0 */
  retryIntervalMs?: number;
  /** Called for every state transition (live progress). */
  onEvent?: (event: WorkflowEvent) => void;
  /** The execution's start time (`$$.Execution.StartTime`), so it agrees with a modelled clock. @default now */
  startTime?: Date;
}

export interface WorkflowEvent {
  type:
    | 'StateEntered'
    | 'StateExited'
    | 'StateFailed'
    | 'StateRetried'
    | 'StateCaught'
    | 'ExecutionSucceeded'
    | 'ExecutionFailed';
  state?: string;
  stateType?: string;
  timestamp: number;
  error?: string;
  cause?: unknown;
}

export interface LocalWorkflowResult {
  status: 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: string;
  cause?: unknown;
  events: WorkflowEvent[];
  executionName: string;
}

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';

/**
 * Runs one of the real ASL files with aws-local-stepfunctions, each Lambda Task answered by a local
 * handler. The `lambda:invoke` integration is reproduced faithfully: the handler gets the Payload and
 * its answer comes back as `{ Payload }`, so ResultSelector and Retry/Catch by error name work as on AWS.
 */
export async function runLocalWorkflow(run: LocalWorkflowRun): Promise<LocalWorkflowResult> {
  const text = readDefinition(run.workflow);
  const values = arnsOf(text);
  const definition = JSON.parse(
    substitute(text, values, `statemachines/${run.workflow}.asl.json`),
  ) as StateMachineDefinition & {
    States: Record<string, { Type: string; Resource?: string; Parameters?: { FunctionName?: string } }>;
  };
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  const startTime = run.startTime?.toISOString();
  const waits: Record<string, number> = {};
  const retries: Record<string, number> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type === 'Wait')
      waits[name] = run.waitMs ? run.waitMs(Number((state as { Seconds?: number }).Seconds ?? 0), name) : 0;
    if (state.Type !== 'Task') continue;
    retries[name] = run.retryIntervalMs ?? 0;
    const placeholder = Object.entries(values).find(([, arn]) => arn === state.Parameters?.FunctionName)?.[0];
    const fn = placeholder ? functionOfPlaceholder(placeholder) : undefined;
    const handler = fn ? run.functions[fn] : undefined;
    if (!fn || !handler) {
      handlers[name] = async () => {
        throw Object.assign(new Error(`no local handler for state ${name} (${fn ?? 'unknown function'})`), {
          name: 'LocalHandlerMissingError',
        });
      };
      continue;
    }
    const waitsForToken = state.Resource?.endsWith('.waitForTaskToken') ?? false;
    handlers[name] = async (input: unknown) => {
      const given = (input as { Payload?: unknown }).Payload;
      // aws-local-stepfunctions stamps $$.Execution.StartTime itself; the run's own start time replaces it.
      const payload =
        startTime !== undefined &&
        typeof given === 'object' &&
        given !== null &&
        'executionStartTime' in given
          ? { ...given, executionStartTime: startTime }
          : given;
      const answer = await handler(payload);
      // With .waitForTaskToken the result is what SendTaskSuccess sent, which the local handler returns.
      return waitsForToken ? answer : { Payload: answer, StatusCode: 200, ExecutedVersion: '$LATEST' };
    };
  }
  const executionName = run.executionName ?? randomUUID();
  const machine = machineOf(definition);
  const execution = machine.run(run.input as never, {
    overrides: {
      taskResourceLocalHandlers: handlers as never,
      waitTimeOverrides: waits,
      retryIntervalOverrides: retries,
    },
    context: {
      Execution: {
        Id: `arn:aws:states:${REGION}:${ACCOUNT}:execution:eks-dr-${run.workflow}:${executionName}`,
        Name: executionName,
        StartTime: startTime ?? new Date().toISOString(),
        Input: run.input as never,
      },
      Task: { Token: `local-task-token-${executionName}` },
    },
  });
  const events: WorkflowEvent[] = [];
  const collecting = (async () => {
    for await (const log of execution.eventLogs) {
      const event = toWorkflowEvent(log as unknown as Record<string, unknown>);
      if (!event) continue;
      events.push(event);
      run.onEvent?.(event);
    }
  })();
  try {
    const output = await execution.result;
    await collecting;
    return { status: 'SUCCEEDED', output, events, executionName };
  } catch (error) {
    await collecting.catch(() => undefined);
    const failed = events.find((e) => e.type === 'ExecutionFailed');
    return {
      status: 'FAILED',
      error: failed?.error ?? (error as Error).name,
      cause: failed?.cause ?? (error as Error).message,
      events,
      executionName,
    };
  }
}

// Validating a definition takes 100–350 ms, which a compressed sandbox clock turns into minutes of
// modelled time inside a run; one machine per definition text serves every run (handlers are per run).
const machines = new Map<string, StateMachine>();

function machineOf(definition: StateMachineDefinition): StateMachine {
  const key = JSON.stringify(definition);
  let machine = machines.get(key);
  if (!machine) {
    machine = new StateMachine(definition, { validationOptions: { checkArn: true, checkPaths: true } });
    machines.set(key, machine);
  }
  return machine;
}

/** Builds and validates a workflow's state machine ahead of time, so a later run starts at once. */
export function prepareLocalWorkflow(workflow: WorkflowName): void {
  const text = readDefinition(workflow);
  machineOf(JSON.parse(substitute(text, arnsOf(text), `statemachines/${workflow}.asl.json`)));
}

function arnsOf(text: string): Record<string, string> {
  return Object.fromEntries(
    placeholdersOf(text).map((p) => [
      p,
      `arn:aws:lambda:${REGION}:${ACCOUNT}:function:eks-dr-${p.replace(/FunctionArn$/, '')}`,
    ]),
  );
}

function toWorkflowEvent(log: Record<string, unknown>): WorkflowEvent | undefined {
  const type = log.type as WorkflowEvent['type'];
  const known = [
    'StateEntered',
    'StateExited',
    'StateFailed',
    'StateRetried',
    'StateCaught',
    'ExecutionSucceeded',
    'ExecutionFailed',
  ];
  if (!known.includes(type)) return undefined;
  const state = log.state as { name?: string; type?: string } | undefined;
  return {
    type,
    state: state?.name,
    stateType: state?.type,
    timestamp: Number(log.timestamp ?? Date.now()),
    error: log.Error as string | undefined,
    cause: log.Cause,
  };
}
