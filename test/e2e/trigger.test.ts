// From EventBridge to workflows on the sandbox: the schedule starts a backup, and an alarm delivered twice
// starts exactly one failover, through the real trigger handler and the local Step Functions stand-in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SAMPLE_TARGETS,
  SAMPLE_ZONE_ID,
  type SandboxWorld,
  startSandboxWorld,
  stateMachineOf,
} from '../../sandbox/world.ts';
import { alarmEvent, scheduledEvent } from './events.ts';

let world: SandboxWorld;

beforeAll(async () => {
  world = await startSandboxWorld();
}, 20_000);

afterAll(async () => {
  await world?.stop();
});

describe('trigger → workflows on the sandbox', () => {
  it('starts a backup workflow on the schedule', async () => {
    // Arrange
    const event = scheduledEvent(world.clock.now());

    // Act
    const outcome = await world.trigger(event);
    const run = outcome.started ? await world.workflows.wait(outcome.executionArn) : undefined;

    // Assert
    expect(outcome).toMatchObject({ started: true, workflow: 'backup' });
    expect(run?.status, String(run?.cause)).toBe('SUCCEEDED');
    expect((await world.stores.dr.list()).backups).toHaveLength(1);
  });

  it('starts one failover when the same alarm is delivered twice', async () => {
    // Arrange
    const changedAt = world.clock.now();
    const first = alarmEvent('shop-primary-5xx', 'ALARM', changedAt, 'delivery-1');
    const again = alarmEvent('shop-primary-5xx', 'ALARM', changedAt, 'delivery-2');

    // Act
    const outcomes = await Promise.all([world.trigger(first), world.trigger(again)]);
    await world.workflows.idle();
    const failovers = world.workflows.executions.filter(
      (execution) => execution.stateMachineArn === stateMachineOf('failover'),
    );

    // Assert
    expect(outcomes.filter((o) => o.started)).toHaveLength(1);
    expect(outcomes.filter((o) => !o.started && o.duplicate)).toHaveLength(1);
    expect(failovers).toHaveLength(1);
    expect(failovers[0]?.status).toBe('SUCCEEDED');
    expect(world.route53.records(SAMPLE_ZONE_ID).find((r) => r.name === 'shop.example.com.')?.values).toEqual(
      [SAMPLE_TARGETS.dr.shop],
    );
  });

  it('ignores the alarm going back to OK', async () => {
    // Arrange
    const event = alarmEvent('shop-primary-5xx', 'OK', world.clock.now(), 'delivery-3');

    // Act
    const outcome = await world.trigger(event);

    // Assert
    expect(outcome).toMatchObject({ started: false, duplicate: false });
    expect(world.workflows.executions).toHaveLength(2);
  });
});
