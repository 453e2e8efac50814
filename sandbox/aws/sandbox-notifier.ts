import { snsMessage, snsSubject } from '../../src/aws/sns-notifier.ts';
import { NotificationFailedError, type Notifier } from '../../src/failover/ports/notifier.ts';

/** A notification as a subscriber of the topic would receive it. */
export interface SentNotification {
  messageId: string;
  subject: string;
  message: string;
  sentAt: Date;
}

/** Notifier that keeps what was sent, shaped by the same subject and size rules as SnsNotifier. */
export class SandboxNotifier implements Notifier {
  readonly #sent: SentNotification[] = [];

  constructor(private readonly topic = 'sandbox-notifications') {}

  /** Records the notification; resolves with its message id. */
  async publish(subject: string, message: string): Promise<string> {
    if (message.trim().length === 0) throw new NotificationFailedError(this.topic, 'the message is empty');
    const messageId = `sandbox-${this.#sent.length + 1}`;
    this.#sent.push({
      messageId,
      subject: snsSubject(subject),
      message: snsMessage(message),
      sentAt: new Date(),
    });
    return messageId;
  }

  /** Every notification sent so far, in order. */
  get sent(): readonly SentNotification[] {
    return this.#sent;
  }
}
