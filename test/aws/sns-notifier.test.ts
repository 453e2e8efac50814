import { NotFoundException, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES, SnsNotifier, snsMessage, snsSubject } from '../../src/aws/sns-notifier.ts';

const sns = mockClient(SNSClient);
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:eks-dr-notifications';

describe('SnsNotifier', () => {
  beforeEach(() => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'msg-1' });
  });

  it('publishes subject and message to the topic and returns the message id', async () => {
    // Arrange
    const notifier = new SnsNotifier(new SNSClient({}), TOPIC);

    // Act
    const id = await notifier.publish('eks-dr failover shop-prod: Succeeded', 'RTO 412 s, RPO 9 min');

    // Assert
    expect(id).toBe('msg-1');
    expect(sns).toHaveReceivedCommandExactlyOnceWith(PublishCommand, {
      TopicArn: TOPIC,
      Subject: 'eks-dr failover shop-prod: Succeeded',
      Message: 'RTO 412 s, RPO 9 min',
    });
  });

  it("truncates the subject to SNS's 100 characters and strips what SNS refuses", async () => {
    // Arrange
    const subject = `eks-dr failover — café\nplan ${'x'.repeat(200)}`;

    // Act
    await new SnsNotifier(new SNSClient({}), TOPIC).publish(subject, 'body');

    // Assert
    const sent = sns.commandCalls(PublishCommand)[0]?.args[0].input.Subject ?? '';
    expect(sent).toHaveLength(100);
    expect(sent.startsWith('eks-dr failover - cafe plan xxx')).toBe(true);
    expect(sent.endsWith('...')).toBe(true);
    expect(sent).toMatch(/^[\x20-\x7e]+$/);
  });

  it('keeps a message within 256 KiB, cut at a character boundary', () => {
    // Arrange
    const message = 'é'.repeat(MAX_MESSAGE_BYTES);

    // Act
    const cut = snsMessage(message);

    // Assert
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(cut.endsWith('[message truncated]')).toBe(true);
    expect(cut).not.toContain('\ufffd');
    expect(snsMessage('short')).toBe('short');
    expect(snsSubject('  ')).toBe('');
  });

  it('rejects an empty message and a malformed topic ARN before calling SNS', async () => {
    // Arrange
    const notifier = new SnsNotifier(new SNSClient({}), TOPIC);

    // Act
    const empty = notifier.publish('subject', '  ');
    const badTopic = () => new SnsNotifier(new SNSClient({}), 'eks-dr-notifications');

    // Assert
    await expect(empty).rejects.toMatchObject({
      name: 'NotificationFailedError',
      message: /message is empty/,
    });
    expect(badTopic).toThrow(/"eks-dr-notifications".*not an SNS topic ARN/);
    expect(sns).not.toHaveReceivedAnyCommand();
  });

  it('maps NotFoundException to NotificationFailedError naming the topic', async () => {
    // Arrange
    const sdkError = new NotFoundException({ message: 'Topic does not exist', $metadata: {} });
    sns.on(PublishCommand).rejects(sdkError);

    // Act
    const error = await new SnsNotifier(new SNSClient({}), TOPIC).publish('s', 'm').catch((e: unknown) => e);

    // Assert
    expect(error).toMatchObject({ name: 'NotificationFailedError', topic: TOPIC, cause: sdkError });
    expect((error as Error).message).toContain('NotFoundException: Topic does not exist');
  });
});
