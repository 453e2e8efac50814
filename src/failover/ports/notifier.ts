// Port of the notifier: the plan's SNS topic, from `src/aws/sns-notifier.ts` or the sandbox. Step Functions
// Retry/Catch match on the error `name`s: keep them stable.
import type { FailoverErrorOptions } from '../errors.ts';

/** Sends a human-readable notification (the SNS topic of the plan). */
export interface Notifier {
  /** Resolves with the message id. */
  publish(subject: string, message: string): Promise<string>;
}

/** A notification topic that does not exist or refused the message. */
export class NotificationFailedError extends Error {
  constructor(
    readonly topic: string,
    detail: string,
    options: FailoverErrorOptions = {},
  ) {
    super(`notification to ${topic}: ${detail}`, options);
    this.name = 'NotificationFailedError';
  }
}
