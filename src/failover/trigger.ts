// What starts a workflow: the backup schedule, or a plan alarm going to ALARM. Execution names are derived
// from the event alone, so a redelivered event maps to the same name and Step Functions refuses (or returns)
// the existing execution instead of starting a second one.

import type { DrPlan } from '../plan/index.ts';
import type { Now } from '../util/clock.ts';
import * as z from '../util/zod.ts';
import { InvalidTriggerEventError } from './errors.ts';
import type { Notifier } from './ports/notifier.ts';
import type { RecoveryLedger } from './ports/recovery-ledger.ts';
import {
  ExecutionAlreadyRunningError,
  type ExecutionSummary,
  validateExecutionName,
  type WorkflowStarter,
} from './ports/workflows.ts';
import { activeSideConflict } from './recovery-rules.ts';

/** The workflows the trigger may start. */
export type TriggeredWorkflow = 'backup' | 'failover';

/** What started an execution; carried in its input under `trigger` so the report measures RTO from it. */
export const triggerInfoSchema = z.strictObject({
  type: z.enum(['schedule', 'alarm']),
  /** The schedule rule ARN or the alarm name. */
  name: z.string().check(z.minLength(1)),
  /** Region of the event (the alarm's region). */
  region: z.optional(z.string().check(z.minLength(1))),
  /** Scheduled time, or when the alarm changed state. */
  time: z.iso.datetime({ offset: true }),
});

/** What started an execution. */
export type TriggerInfo = z.output<typeof triggerInfoSchema>;

/** The EventBridge envelope every event arrives in. */
export const eventBridgeEnvelopeSchema = z.object({
  version: z.string(),
  id: z.string().check(z.minLength(1)),
  'detail-type': z.string().check(z.minLength(1)),
  source: z.string().check(z.minLength(1)),
  account: z.optional(z.string()),
  time: z.iso.datetime({ offset: true }),
  region: z.string().check(z.minLength(1)),
  resources: z.array(z.string()),
  detail: z.unknown(),
});

/** An EventBridge event as the trigger function receives it. */
export type EventBridgeEvent = z.output<typeof eventBridgeEnvelopeSchema>;

const alarmStates = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;

/** CloudWatch writes `2024-05-01T12:34:56.789+0000` (no colon in the offset); Date.parse wants the colon. */
const alarmTimeMs = (value: string) => Date.parse(value.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));

/** An alarm timestamp normalised to ISO UTC. Checked before the transform: a mini transform cannot add issues. */
const alarmTimestamp = z.pipe(
  z.string().check(
    z.superRefine((value, ctx) => {
      if (Number.isNaN(alarmTimeMs(value))) {
        ctx.addIssue({ code: 'custom', message: `expected a date-time, got ${JSON.stringify(value)}` });
      }
    }),
  ),
  z.transform((value: string) => new Date(alarmTimeMs(value)).toISOString()),
);

/** The detail of a "CloudWatch Alarm State Change" event (the fields the trigger reads). */
export const alarmStateChangeSchema = z.object({
  alarmName: z.string().check(z.minLength(1)),
  state: z.object({
    value: z.enum(alarmStates),
    reason: z.optional(z.string()),
    timestamp: alarmTimestamp,
  }),
  previousState: z.optional(z.partial(z.object({ value: z.enum(alarmStates) }))),
});

/** The decision for one event: start a workflow, or ignore it with the reason. */
export type TriggerDecision =
  | {
      action: 'start';
      workflow: TriggeredWorkflow;
      executionName: string;
      /** The execution input: deterministic for a given event, so a redelivery is byte-identical. */
      input: { reason?: string; trigger: TriggerInfo };
      reason: string;
    }
  | {
      action: 'ignore';
      reason: string;
      /** True when a person should hear about it (an alarm fired but auto-failover is off). */
      notify: boolean;
    };

const SCHEDULED_EVENT = 'Scheduled Event';
const ALARM_STATE_CHANGE = 'CloudWatch Alarm State Change';
const MAX_REASON = 1024;

/**
 * Decides what an EventBridge event means for the plan. Pure: the same event always yields the same
 * decision, which is what makes duplicate deliveries collapse into one execution.
 */
export function decideTrigger(event: unknown, plan: DrPlan, _now?: Date): TriggerDecision {
  const envelope = parse(eventBridgeEnvelopeSchema, event, 'event');
  const detailType = envelope['detail-type'];
  if (detailType === SCHEDULED_EVENT) {
    const executionName = `${plan.name}-backup-${minuteStamp(envelope.time)}`;
    validateExecutionName(executionName);
    return {
      action: 'start',
      workflow: 'backup',
      executionName,
      input: {
        trigger: { type: 'schedule', name: envelope.resources[0] ?? 'schedule', time: envelope.time },
      },
      reason: `scheduled backup at ${envelope.time}`,
    };
  }
  if (detailType === ALARM_STATE_CHANGE && envelope.source === 'aws.cloudwatch') {
    return decideAlarm(envelope, plan);
  }
  return {
    action: 'ignore',
    reason: `event ${detailType} from ${envelope.source} is not handled`,
    notify: false,
  };
}

function decideAlarm(envelope: EventBridgeEvent, plan: DrPlan): TriggerDecision {
  const detail = parse(alarmStateChangeSchema, envelope.detail, 'detail');
  const alarm = plan.failover.alarms.find(
    (candidate) =>
      candidate.name === detail.alarmName && (candidate.region ?? envelope.region) === envelope.region,
  );
  const label = `alarm ${detail.alarmName} (${envelope.region})`;
  if (alarm === undefined) {
    return {
      action: 'ignore',
      reason: `${label} is not a failover alarm of plan ${plan.name}`,
      notify: false,
    };
  }
  if (detail.state.value !== 'ALARM') {
    return { action: 'ignore', reason: `${label} went to ${detail.state.value}`, notify: false };
  }
  if (!plan.failover.autoFailover) {
    return {
      action: 'ignore',
      reason: `auto-failover off: ${label} is in ALARM since ${detail.state.timestamp}; start the failover workflow from the console to fail over`,
      notify: true,
    };
  }
  // The state-change timestamp is the same in every delivery of one transition, unlike the event id of a
  // re-emitted event; to the minute so it fits Step Functions' name rules.
  const executionName = `${plan.name}-failover-${minuteStamp(detail.state.timestamp)}`;
  validateExecutionName(executionName);
  const why = detail.state.reason ? `: ${detail.state.reason}` : '';
  return {
    action: 'start',
    workflow: 'failover',
    executionName,
    input: {
      reason: `${label} in ALARM since ${detail.state.timestamp}${why}`.slice(0, MAX_REASON),
      trigger: {
        type: 'alarm',
        name: detail.alarmName,
        region: envelope.region,
        time: detail.state.timestamp,
      },
    },
    reason: `${label} in ALARM`,
  };
}

/** The state machines the trigger starts, by workflow. */
export interface TriggerStateMachines {
  backup: string;
  failover: string;
}

/** Collaborators of Trigger. */
export interface TriggerDependencies {
  plan: DrPlan;
  workflows: WorkflowStarter;
  stateMachines: TriggerStateMachines;
  /** Where the plan's active side is read: an alarm while DR serves starts nothing. */
  ledger: Pick<RecoveryLedger, 'activeSide'>;
  /** Told when an alarm fires while auto-failover is off. */
  notifier?: Notifier;
  now?: Now;
}

/** What the trigger did with one event. */
export type TriggerOutcome =
  | {
      started: true;
      duplicate: false;
      workflow: TriggeredWorkflow;
      executionName: string;
      executionArn: string;
    }
  | {
      started: false;
      duplicate: true;
      workflow: TriggeredWorkflow;
      executionName: string;
      /** The execution this event collapsed into. */
      executionArn: string;
    }
  | { started: false; duplicate: false; reason: string; notified: boolean };

/** Starts the workflow an event calls for, at most once per event and once per running failover. */
export class Trigger {
  readonly #deps: TriggerDependencies;

  constructor(deps: TriggerDependencies) {
    this.#deps = deps;
  }

  /** Decides, then starts the execution; a duplicate or a failover already running is reported, not started. */
  async handle(event: unknown): Promise<TriggerOutcome> {
    const now = (this.#deps.now ?? (() => new Date()))();
    const decision = decideTrigger(event, this.#deps.plan, now);
    if (decision.action === 'ignore') {
      let notified = false;
      if (decision.notify && this.#deps.notifier) {
        await this.#deps.notifier.publish(
          `eks-dr ${this.#deps.plan.name}: alarm ignored, auto-failover off`,
          decision.reason,
        );
        notified = true;
      }
      return { started: false, duplicate: false, reason: decision.reason, notified };
    }
    const { workflow, executionName } = decision;
    if (workflow === 'failover') {
      // A late alarm from the dead primary, after a failover completed: the guard would refuse it too, but
      // starting nothing keeps the execution list and the notifications about what really happened.
      const active = await this.#deps.ledger.activeSide(this.#deps.plan.name);
      const conflict = activeSideConflict('failover', active, this.#deps.plan.name);
      if (conflict !== undefined) {
        return {
          started: false,
          duplicate: false,
          reason: `${decision.reason}: ${conflict}`,
          notified: false,
        };
      }
    }
    const stateMachineArn = this.#deps.stateMachines[workflow];
    const running = await this.#deps.workflows.listRunningExecutions(stateMachineArn);
    // A second alarm of the same incident has another timestamp, hence another name; a failover already
    // running absorbs it. Should two triggers race past this check, the guard's claim lets one of them run.
    const existing = running.find(
      (execution) => execution.name === executionName || (workflow === 'failover' && isRunning(execution)),
    );
    if (existing)
      return {
        started: false,
        duplicate: true,
        workflow,
        executionName,
        executionArn: existing.executionArn,
      };
    try {
      const started = await this.#deps.workflows.startExecution(
        stateMachineArn,
        executionName,
        decision.input,
      );
      return { started: true, duplicate: false, workflow, executionName, executionArn: started.executionArn };
    } catch (error) {
      if (error instanceof ExecutionAlreadyRunningError) {
        return { started: false, duplicate: true, workflow, executionName, executionArn: error.executionArn };
      }
      throw error;
    }
  }
}

function isRunning(execution: ExecutionSummary): boolean {
  return execution.status === 'RUNNING';
}

/** `2024-05-01T12:34:56.789Z` → `20240501T1234Z` (UTC), the form used in execution names. */
export function minuteStamp(iso: string): string {
  const date = new Date(iso);
  return `${date.toISOString().slice(0, 16).replace(/[-:]/g, '')}Z`;
}

function parse<T extends z.ZodMiniType>(schema: T, value: unknown, where: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = [where, ...(issue?.path ?? []).map(String)].join('.');
  throw new InvalidTriggerEventError(path, issue?.message ?? 'invalid', { cause: result.error });
}
