import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { NotificationFailedError, type Notifier } from '../failover/ports/notifier.ts';
import { awsErrorCode, errorMessage, unexpectedAwsError } from './errors.ts';

/** SNS refuses a subject longer than this. */
export const MAX_SUBJECT_LENGTH = 100;
/** SNS refuses a message larger than this many UTF-8 bytes. */
export const MAX_MESSAGE_BYTES = 256 * 1024;
const TRUNCATED_MARK = '\n[message truncated]';

const REFUSALS = new Set([
  'NotFoundException',
  'InvalidParameterException',
  'InvalidParameterValueException',
  'AuthorizationErrorException',
  'EndpointDisabledException',
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSNotFoundException',
  'KMSOptInRequired',
  'InvalidSecurityException',
]);

/**
 * A subject SNS accepts: ASCII without line breaks or control characters, starting with a letter,
 * digit or punctuation mark, at most 100 characters (longer ones end in `...`). Empty when nothing is left.
 */
export function snsSubject(subject: string): string {
  const ascii = subject
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\u2013\u2014]/g, '-')
    .replace(/[^\x20-\x7e]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (ascii.length <= MAX_SUBJECT_LENGTH) return ascii;
  return `${ascii.slice(0, MAX_SUBJECT_LENGTH - 3).trimEnd()}...`;
}

/** The message cut at a character boundary so that it fits SNS's 256 KiB, with a mark saying so. */
export function snsMessage(message: string): string {
  const bytes = Buffer.from(message, 'utf8');
  if (bytes.length <= MAX_MESSAGE_BYTES) return message;
  let end = MAX_MESSAGE_BYTES - Buffer.byteLength(TRUNCATED_MARK);
  // Step back over UTF-8 continuation bytes (10xxxxxx) so no character is split.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return `${bytes.subarray(0, end).toString('utf8')}${TRUNCATED_MARK}`;
}

/** Notifier over SNS Publish to one topic. */
export class SnsNotifier implements Notifier {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {
    if (!/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/.test(topicArn)) {
      throw new NotificationFailedError(JSON.stringify(topicArn), 'not an SNS topic ARN');
    }
  }

  /** Publishes the message with its subject made SNS-safe; resolves with the message id. */
  async publish(subject: string, message: string): Promise<string> {
    if (message.trim().length === 0) throw new NotificationFailedError(this.topicArn, 'the message is empty');
    const safeSubject = snsSubject(subject);
    let messageId: string | undefined;
    try {
      ({ MessageId: messageId } = await this.sns.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Message: snsMessage(message),
          ...(safeSubject ? { Subject: safeSubject } : {}),
        }),
      ));
    } catch (error) {
      const code = awsErrorCode(error);
      if (code && REFUSALS.has(code)) {
        throw new NotificationFailedError(this.topicArn, `${code}: ${errorMessage(error)}`, { cause: error });
      }
      throw unexpectedAwsError('SNS', 'Publish', this.topicArn, error);
    }
    if (!messageId) throw new NotificationFailedError(this.topicArn, 'Publish returned no message id');
    return messageId;
  }
}
