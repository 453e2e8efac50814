import { describe, expect, it } from 'vitest';
import { SandboxClock } from '../../../sandbox/aws/sandbox-clock.ts';

describe('SandboxClock', () => {
  it('advances modelled time by real time divided by the scale', () => {
    // Arrange
    let real = 1_000;
    const clock = new SandboxClock({
      realMsPerModelledSecond: 10,
      start: new Date('2025-01-01T00:00:00Z'),
      realNow: () => real,
    });

    // Act
    real += 600;

    // Assert
    expect(clock.now().toISOString()).toBe('2025-01-01T00:01:00.000Z');
    expect(clock.toRealMs(90_000)).toBe(900);
  });

  it('sleeps a modelled minute in a few real milliseconds', async () => {
    // Arrange
    const clock = new SandboxClock({ realMsPerModelledSecond: 0.2 });
    const before = clock.nowMs();
    const realBefore = performance.now();

    // Act
    await clock.sleep(60_000);

    // Assert
    expect(clock.nowMs() - before).toBeGreaterThanOrEqual(60_000 - 1000);
    expect(performance.now() - realBefore).toBeLessThan(500);
  });

  it('records measured spans in modelled and real milliseconds', async () => {
    // Arrange
    let real = 0;
    const clock = new SandboxClock({ realMsPerModelledSecond: 10, start: new Date(0), realNow: () => real });

    // Act
    const result = await clock.measure('restore', async () => {
      real += 25;
      return 'ok';
    });
    clock.record({ label: 'dns', startedAt: new Date(0), modelledMs: 60_000, realMs: 600 });

    // Assert
    expect(result).toBe('ok');
    expect(clock.spans).toEqual([
      { label: 'restore', startedAt: new Date(0), modelledMs: 2_500, realMs: 25 },
      { label: 'dns', startedAt: new Date(0), modelledMs: 60_000, realMs: 600 },
    ]);
  });

  it('cancels a scheduled callback and rejects a non-positive scale', async () => {
    // Arrange
    const clock = new SandboxClock({ realMsPerModelledSecond: 0.1 });
    let ran = false;

    // Act
    const cancel = clock.schedule(1_000, () => {
      ran = true;
    });
    const pendingBefore = clock.pendingTimers;
    cancel();
    await clock.sleep(5_000);

    // Assert
    expect(pendingBefore).toBe(1);
    expect(ran).toBe(false);
    expect(clock.pendingTimers).toBe(0);
    expect(() => new SandboxClock({ realMsPerModelledSecond: 0 })).toThrow(/realMsPerModelledSecond 0/);
  });
});
