// `eks-dr demo` end to end in-process: backup on the schedule, the alarm, the real failover, the report.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.ts';

interface DemoJson {
  ok: boolean;
  runs: {
    workflow: string;
    outcome: string;
    rtoSeconds?: number;
    rpoSeconds?: number;
    objectsRestored: number;
    dns: { before: string[]; after: string[] };
    reportFile: string;
  }[];
}

let directory: string;
let file: string;
let code: number;
let stdout: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'eks-dr-demo-'));
  file = join(directory, 'report.html');
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
    lines.push(String(line));
  });
  const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    code = await main(['demo', '--json', '--report', file]);
  } finally {
    log.mockRestore();
    write.mockRestore();
  }
  stdout = lines.join('\n');
}, 60_000);

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('eks-dr demo', () => {
  it('fails over on the sandbox and prints RTO, RPO, restored objects and the DNS move as JSON', () => {
    // Arrange
    const result = JSON.parse(stdout) as DemoJson;

    // Act
    const failover = result.runs.find((run) => run.workflow === 'failover');

    // Assert
    expect(code).toBe(0);
    expect(result.ok).toBe(true);
    expect(failover?.outcome).toBe('Succeeded');
    expect(failover?.rtoSeconds).toBeGreaterThan(0);
    expect(failover?.rpoSeconds).toBeGreaterThan(0);
    expect(failover?.objectsRestored).toBeGreaterThan(0);
    expect(failover?.dns.after).not.toEqual(failover?.dns.before);
    expect(failover?.dns.after).toEqual(['198.51.100.10']);
  });

  it('keeps the state machine build out of the RTO: the first step starts right after the alarm', () => {
    // Arrange
    const result = JSON.parse(stdout) as {
      runs: { report: { rto?: { from: string }; timeline: { startedAt?: string }[] } }[];
    };
    const report = result.runs[0]?.report;

    // Act
    const alarmToFirstStepMs =
      Date.parse(report?.timeline[0]?.startedAt ?? '') - Date.parse(report?.rto?.from ?? '');

    // Assert
    // 100–350 ms of real build time would be 50–175 modelled seconds here (2 ms per modelled second).
    expect(alarmToFirstStepMs).toBeGreaterThanOrEqual(0);
    expect(alarmToFirstStepMs).toBeLessThan(30_000);
  });

  it('writes the HTML report with the timeline chart', async () => {
    // Arrange
    const result = JSON.parse(stdout) as DemoJson;

    // Act
    const html = await readFile(file, 'utf8');

    // Assert
    expect(result.runs[0]?.reportFile).toBe(file);
    expect(html).toContain('<svg id="timeline"');
    expect(html).toContain('Restore');
  });

  it('rejects an unknown flag before starting anything', async () => {
    // Arrange
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);

    // Act
    const exit = await main(['demo', '--speed', 'fast']);
    const printed = errors.mock.calls.map((call) => String(call[0])).join('\n');
    errors.mockRestore();

    // Assert
    expect(exit).toBe(2);
    expect(printed).toContain('option --speed fast');
  });
});
