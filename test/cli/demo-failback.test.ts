// `eks-dr demo --failback --json` tells the whole story (issue 15): both alarms in the same second and a
// failover started by hand, exactly one recovery; changes in DR while it serves; failback brings them home.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.ts';

interface DemoJson {
  ok: boolean;
  executions: { name: string; workflow: string; status: string }[];
  runs: {
    workflow: string;
    outcome: string;
    carriedBack?: { objects: number; volumes: number };
    report: { deletedInDr?: { objects: string[]; removedFromPrimary: string[] } };
    reportFile: string;
  }[];
}

let directory: string;
let code: number;
let result: DemoJson;
let story: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'eks-dr-demo-failback-'));
  const lines: string[] = [];
  const told: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
  const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
    told.push(String(chunk));
    return true;
  });
  try {
    code = await main(['demo', '--failback', '--json', '--report', join(directory, 'report.html')]);
  } finally {
    log.mockRestore();
    write.mockRestore();
  }
  result = JSON.parse(lines.join('\n')) as DemoJson;
  story = told.join('');
}, 120_000);

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('eks-dr demo --failback', () => {
  it('lists every execution it started, with Step Functions statuses: one failover recovered, one not run', () => {
    // Assert
    expect(code).toBe(0);
    expect(result.executions.map(({ workflow, status }) => `${workflow} ${status}`)).toEqual([
      'backup SUCCEEDED',
      'failover SUCCEEDED',
      'failover SUCCEEDED',
      'failback SUCCEEDED',
    ]);
    expect(result.executions[1]?.name).toMatch(/^shop-failover-\d{8}T\d{4}Z$/);
    expect(result.executions[2]?.name).toBe('shop-failover-console');
    expect(story).toMatch(/shop-primary-health: the same outage, folded into shop-failover-/);
    expect(story).toMatch(
      /shop-failover-console: not run: failover shop-failover-\S+ is recovering plan shop/,
    );
  });

  it('carries home what changed in DR: objects, the image, the volume data; reports what DR deleted', async () => {
    // Arrange
    const failback = result.runs.find((run) => run.workflow === 'failback');

    // Assert
    expect(failback?.outcome).toBe('Succeeded');
    expect(failback?.carriedBack?.objects).toBeGreaterThan(0);
    expect(failback?.carriedBack?.volumes).toBeGreaterThan(0);
    expect(failback?.report.deletedInDr).toEqual({
      objects: ['promotions.shop.example.com shop/spring-sale'],
      removedFromPrimary: [],
    });
    expect(story).toContain('configmap orders-during-outage: back; api image: back; volume data: back');
    const html = await readFile(failback?.reportFile ?? '', 'utf8');
    expect(html).toContain('<section id="carried-back" class="callout ok"><h2>Carried back from DR</h2>');
  });
});
