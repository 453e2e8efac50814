import { describe, expect, it } from 'vitest';
import { SandboxNotifier } from '../../../sandbox/aws/sandbox-notifier.ts';
import type { Notifier } from '../../../src/failover/ports/notifier.ts';

describe('SandboxNotifier', () => {
  it('records notifications with the subject shaped as SNS would deliver it', async () => {
    // Arrange
    const sandbox = new SandboxNotifier();
    const notifier: Notifier = sandbox;

    // Act
    const first = await notifier.publish('eks-dr failover shop-prod: Succeeded', 'RTO 412 s');
    const second = await notifier.publish(`Failed — ${'x'.repeat(150)}`, 'capacity: NodeCreationFailure');

    // Assert
    expect([first, second]).toEqual(['sandbox-1', 'sandbox-2']);
    expect(sandbox.sent[0]).toMatchObject({
      subject: 'eks-dr failover shop-prod: Succeeded',
      message: 'RTO 412 s',
    });
    expect(sandbox.sent[1]?.subject).toHaveLength(100);
    expect(sandbox.sent[1]?.subject.startsWith('Failed - xxx')).toBe(true);
  });

  it('refuses an empty message', async () => {
    // Arrange
    const sandbox = new SandboxNotifier('ops');

    // Act
    const call = sandbox.publish('subject', '');

    // Assert
    await expect(call).rejects.toMatchObject({ name: 'NotificationFailedError', topic: 'ops' });
    expect(sandbox.sent).toHaveLength(0);
  });
});
