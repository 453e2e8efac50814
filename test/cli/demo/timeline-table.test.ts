import { describe, expect, it } from 'vitest';
import { renderTimelineTable } from '../../../cli/demo/timeline-table.ts';
import { aFailoverData, runScriptedFailover } from './demo-fixtures.ts';

describe('renderTimelineTable', () => {
  it('prints each step with modelled AWS time beside real local time, then RTO, RPO, objects and DNS', () => {
    // Arrange
    const data = aFailoverData();

    // Act
    const text = renderTimelineTable(data);

    // Assert
    expect(text).toBe(
      [
        'Failover of plan shop: Succeeded',
        '',
        'Step             AWS time  Local time  Status',
        'Guard                1.0s       12 ms  ✓',
        'Pick backup          2.0s       20 ms  ✓',
        'Capacity up         1m32s      921 ms  ✓ 3 checks',
        'Restore             1m25s      1.48 s  ✓ 2 chunks 1 retry',
        'Workloads ready     1m31s      160 ms  ✓ 1 check',
        'Health gate          3.0s       31 ms  ✓',
        'DNS cutover         1m34s      640 ms  ✓ 2 checks',
        'Report                  -        9 ms  ✓',
        'Total               6m08s      3.27 s',
        '',
        'RTO               6m12s  objective 15m00s  ✓ met',
        'RPO               35m00s  objective 1h30m  ✓ met  (backup shop-1200)',
        'Objects restored  110 created, 0 updated, 8 skipped, 2 failed (120 planned)',
        'DNS               shop.example.com A  203.0.113.10 → 198.51.100.20  INSYNC',
      ].join('\n'),
    );
  });

  it('names the failing step and its error, and marks the objectives not met', () => {
    // Arrange
    const data = aFailoverData();
    data.report = { ...data.report, outcome: 'Failed', rto: { ...(data.report.rto ?? never()), met: false } };
    data.progress = (data.progress ?? []).map((step) =>
      step.id === 'health'
        ? {
            ...step,
            status: 'failed',
            error: { name: 'HealthCheckFailedError', message: 'GET /healthz: 503' },
          }
        : step,
    );

    // Act
    const text = renderTimelineTable(data);

    // Assert
    expect(text).toContain('Failover of plan shop: Failed');
    expect(text).toMatch(/^Health gate +3\.0s +31 ms {2}✗$/m);
    expect(text).toContain('RTO               6m12s  objective 15m00s  ✗ not met');
    expect(text).toMatch(/^Failed step {7}Health gate: HealthCheckFailedError: GET \/healthz: 503$/m);
  });

  it('falls back to the report alone: timeline rows without local time, DNS from the change', () => {
    // Arrange
    const { report } = aFailoverData();

    // Act
    const text = renderTimelineTable({ report });

    // Assert
    expect(text).toMatch(/^Capacity up +1m32s +- {2}✓$/m);
    expect(text).toMatch(/^DNS +change C1 INSYNC$/m);
    expect(text).not.toContain('Report ');
  });

  it('colours status marks only when asked, without breaking the alignment', () => {
    // Arrange
    const data = aFailoverData();

    // Act
    const plain = renderTimelineTable(data);
    const coloured = renderTimelineTable(data, { color: true });

    // Assert
    expect(plain).not.toContain('\x1b[');
    expect(coloured).toContain('\x1b[32m✓\x1b[0m');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping the ANSI codes the test asked for.
    expect(coloured.replace(/\x1b\[[0-9;]*m/g, '')).toBe(plain);
  });

  it('shows a scripted run of the real failover ASL with one row per logical step', async () => {
    // Arrange
    const { data } = await runScriptedFailover({ timeOutRestoreOnce: true });

    // Act
    const text = renderTimelineTable(data);

    // Assert
    const steps = text
      .split('\n')
      .slice(3, 11)
      .map((line) => line.split(/ {2,}/)[0]);
    expect(steps).toEqual([
      'Guard',
      'Pick backup',
      'Capacity up',
      'Restore',
      'Workloads ready',
      'Health gate',
      'DNS cutover',
      'Report',
    ]);
    expect(text).toMatch(/^Capacity up .* ✓ 3 checks$/m);
    expect(text).toMatch(/^Restore .* ✓ 2 chunks 1 retry$/m);
    expect(text).toMatch(/^RTO +\S+ {2}objective 15m00s {2}✓ met$/m);
  });
});

function never(): never {
  throw new Error('fixture has no RTO');
}
