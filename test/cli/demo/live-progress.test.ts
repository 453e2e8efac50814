import { afterEach, describe, expect, it, vi } from 'vitest';
import { LiveProgress } from '../../../cli/demo/live-progress.ts';
import type { WorkflowEvent } from '../../../sandbox/workflows/local-workflow-runner.ts';
import { CapturedStream, runScriptedFailover } from './demo-fixtures.ts';

const at = (type: WorkflowEvent['type'], state: string | undefined, timestamp: number): WorkflowEvent => ({
  type,
  ...(state ? { state } : {}),
  timestamp,
});

afterEach(() => {
  vi.useRealTimers();
});

describe('LiveProgress', () => {
  it('writes one plain line per finished step when the stream is not a terminal', async () => {
    // Arrange / Act
    const { stream } = await runScriptedFailover();

    // Assert
    const lines = stream.text.trimEnd().split('\n');
    expect(stream.text).not.toContain('\x1b');
    expect(lines).toHaveLength(8);
    expect(lines[2]).toMatch(/^✓ Capacity up +\S+ AWS +[\d.]+ m?s local {2}3 checks$/);
    expect(lines[3]).toMatch(/^✓ Restore .* 2 chunks$/);
    expect(lines.every((line) => line.startsWith('✓ '))).toBe(true);
  });

  it('marks the failed step with ✗ and its error', async () => {
    // Arrange / Act
    const { stream } = await runScriptedFailover({ unhealthy: true });

    // Assert
    expect(stream.text).toMatch(
      /^✗ Health gate .* HealthCheckFailedError: GET https:\/\/dr\.shop\.example\.com\/healthz: 503$/m,
    );
  });

  it('spins the running step in place on a terminal, then settles it into a ✓ line', () => {
    // Arrange
    vi.useFakeTimers();
    let now = 10_000;
    const stream = new CapturedStream(true, 80);
    const live = new LiveProgress({ stream, realNow: () => now, spinnerIntervalMs: 80, color: false });

    // Act
    live.onEvent(at('StateEntered', 'ScaleUp', now));
    live.onEvent(at('StateExited', 'ScaleUp', now + 5));
    live.onEvent(at('StateEntered', 'WaitForScaleUp', now + 6));
    live.onEvent(at('StateEntered', 'CheckScaleUp', now + 300));
    now += 400;
    vi.advanceTimersByTime(400);
    const whileRunning = stream.text;
    live.onEvent(at('StateExited', 'CheckScaleUp', now));
    live.onEvent(at('StateEntered', 'PrepareRestore', now + 1));
    const settled = stream.text;
    live.finish();
    vi.advanceTimersByTime(1000);

    // Assert
    expect(whileRunning).toContain('\r\x1b[2K⠋ Capacity up');
    expect(whileRunning).toMatch(/⠙|⠹|⠸|⠼/);
    expect(whileRunning).toContain('… 1 check');
    expect(settled).toContain('\r\x1b[2K✓ Capacity up');
    expect(settled).toMatch(/✓ Capacity up +400 ms local {2}1 check\n/);
    // finish() settled the Restore step left running and stopped the spinner: nothing more is written.
    expect(stream.text).toMatch(/✓ Restore .*\n$/);
    const after = stream.text;
    vi.advanceTimersByTime(1000);
    expect(stream.text).toBe(after);
  });

  it('keeps a redrawn line within the terminal width even with colours on', () => {
    // Arrange
    vi.useFakeTimers();
    const stream = new CapturedStream(true, 20);
    const live = new LiveProgress({ stream, color: true, realNow: () => 0 });

    // Act
    live.onEvent(at('StateEntered', 'WaitForWorkloads', 0));
    live.finish();

    // Assert
    const drawn = stream.text.split('\r\x1b[2K').find((part) => part.includes('Workloads')) ?? '';
    // biome-ignore lint/suspicious/noControlCharactersInRegex: measuring the visible text.
    expect(drawn.replace(/\x1b\[[0-9;]*m/g, '').length).toBeLessThanOrEqual(19);
  });
});
