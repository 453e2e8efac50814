// EventBridge → workflow: the backup schedule starts a backup, a plan alarm going to ALARM starts a failover
// (auto-failover on); duplicates collapse through the deterministic execution name.
import { Trigger, type TriggerOutcome } from '../src/failover/index.ts';
import { recoveryLedger } from './shared/aws/dynamodb.ts';
import { workflowStarter } from './shared/aws/sfn.ts';
import { notifierFor } from './shared/aws/sns.ts';
import type { FunctionDependencies } from './shared/dependencies.ts';
import { inRun, lazyHandler, type StepHandler } from './shared/handler.ts';
import { logger } from './shared/powertools.ts';

/** The trigger function over its dependencies. */
export function createHandler(
  deps: Pick<FunctionDependencies, 'plan' | 'workflows' | 'ledger' | 'notifier' | 'now' | 'stateMachineArn'>,
): StepHandler<TriggerOutcome> {
  const trigger = new Trigger({
    plan: deps.plan,
    workflows: deps.workflows,
    stateMachines: { backup: deps.stateMachineArn('backup'), failover: deps.stateMachineArn('failover') },
    ledger: deps.ledger,
    // Resolved per call: only an alarm ignored with auto-failover off needs the topic.
    notifier: { publish: (subject, message) => deps.notifier.publish(subject, message) },
    now: deps.now,
  });
  // The event is validated by the use case, whose errors name the field (`detail.state.value`).
  return (event) =>
    inRun('trigger', { plan: deps.plan.name }, async () => {
      const outcome = await trigger.handle(event);
      // Why nothing started (an ignored event, DR already active) is worth a line; the event is not.
      if (!outcome.started && !outcome.duplicate) logger.info('nothing started', { reason: outcome.reason });
      return outcome;
    });
}

/** The Lambda entry point. */
export const handler = lazyHandler((base) =>
  createHandler({
    ...base,
    workflows: workflowStarter(base),
    ledger: recoveryLedger(base),
    notifier: notifierFor(base),
  }),
);
