// EventBridge → workflow: the backup schedule starts a backup, a plan alarm going to ALARM starts a failover
// (auto-failover on); duplicates collapse through the deterministic execution name.
import { Trigger, type TriggerOutcome } from '../src/failover/index.ts';
import { workflowStarter } from './shared/aws/sfn.ts';
import { notifierFor } from './shared/aws/sns.ts';
import type { FunctionDependencies } from './shared/dependencies.ts';
import { inRun, lazyHandler, type StepHandler } from './shared/handler.ts';

/** The trigger function over its dependencies. */
export function createHandler(
  deps: Pick<FunctionDependencies, 'plan' | 'workflows' | 'notifier' | 'now' | 'stateMachineArn'>,
): StepHandler<TriggerOutcome> {
  const trigger = new Trigger({
    plan: deps.plan,
    workflows: deps.workflows,
    stateMachines: { backup: deps.stateMachineArn('backup'), failover: deps.stateMachineArn('failover') },
    // Resolved per call: only an alarm ignored with auto-failover off needs the topic.
    notifier: { publish: (subject, message) => deps.notifier.publish(subject, message) },
    now: deps.now,
  });
  // The event is validated by the use case, whose errors name the field (`detail.state.value`).
  return (event) => inRun('trigger', { plan: deps.plan.name }, () => trigger.handle(event));
}

/** The Lambda entry point. */
export const handler = lazyHandler((base) =>
  createHandler({ ...base, workflows: workflowStarter(base), notifier: notifierFor(base) }),
);
