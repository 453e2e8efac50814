// Publishes a recovery's task token to the plan's topic; an operator's SendTaskSuccess approves the run,
// SendTaskFailure rejects it. The token goes to the topic only, never to a log line.
import * as z from '../src/util/zod.ts';
import { notifierFor } from './shared/aws/sns.ts';
import type { FunctionDependencies } from './shared/dependencies.ts';
import { envelopeSchema, parseInput, runKeys, stepResult } from './shared/envelope.ts';
import { inRun, lazyHandler, type StepHandler } from './shared/handler.ts';

const approvalInput = z.extend(envelopeSchema, {
  taskToken: z.string().check(z.minLength(1, 'must not be empty')),
});

/** What the approval function answers (Step Functions waits for the token instead). */
export interface ApprovalRequested {
  published: true;
  messageId: string;
}

/** The approval function over its dependencies. */
export function createHandler(
  deps: Pick<FunctionDependencies, 'plan' | 'notifier'>,
): StepHandler<ApprovalRequested> {
  return async (event) => {
    const request = parseInput('Approval', approvalInput, event);
    return inRun('approval', runKeys(request, deps.plan.name), async () => {
      const workflow = String(stepResult(request.steps, 'guard')?.workflow ?? 'recovery');
      const reason = stepResult(request.steps, 'guard')?.reason;
      const subject = `eks-dr ${deps.plan.name}: ${workflow} ${request.executionName} awaits approval`;
      const message = [
        `The ${workflow} of plan ${deps.plan.name} (execution ${request.executionName}) waits for a person to approve it.`,
        typeof reason === 'string' ? `Reason: ${reason}` : 'Reason: none given',
        '',
        'Approve:',
        `  aws stepfunctions send-task-success --task-token '${request.taskToken}' --task-output '{"approvedBy":"<your name>"}'`,
        'Reject:',
        `  aws stepfunctions send-task-failure --task-token '${request.taskToken}' --error ApprovalRejected --cause '<why>'`,
      ].join('\n');
      const messageId = await deps.notifier.publish(subject, message);
      return { published: true as const, messageId };
    });
  };
}

/** The Lambda entry point. */
export const handler = lazyHandler((base) => createHandler({ ...base, notifier: notifierFor(base) }));
