// Opens the report page in headless Chromium (Debian's `chromium`, driven by playwright-core) to prove the
// charts really render: CSS and SVG a unit test can only read as text. Skipped where Chromium is absent.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeHtmlReport } from '../../../cli/demo/write-report.ts';
import { runScriptedFailover } from './demo-fixtures.ts';

const CHROMIUM = '/usr/bin/chromium';

describe.skipIf(!existsSync(CHROMIUM))('HTML report in headless Chromium', () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'eks-dr-browser-'));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('draws one visible bar per timed step, the KPI tiles and the resource bars, loading nothing', async () => {
    // Arrange
    const { data } = await runScriptedFailover();
    const file = await writeHtmlReport(data, path.join(dir, 'eks-dr-report.html'));
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const requests: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith('file:')) requests.push(request.url());
    });

    // Act
    await page.goto(pathToFileURL(file).href);
    const svg = page.locator('svg#timeline');
    const chart = {
      steps: Number(await svg.getAttribute('data-steps')),
      svgWidth: (await svg.boundingBox())?.width ?? 0,
      bars: await page.locator('#timeline rect.step').evaluateAll((rects) =>
        rects.map((rect) => {
          const box = rect.getBoundingClientRect();
          return { step: rect.getAttribute('data-step'), width: box.width, height: box.height };
        }),
      ),
    };
    const rto = (await page.locator('#kpi-rto').textContent()) ?? '';
    const rpo = (await page.locator('#kpi-rpo').textContent()) ?? '';
    const tiles = await page
      .locator('#kpis .kpi')
      .evaluateAll((kpis) => kpis.map((kpi) => kpi.getBoundingClientRect().height));
    const segmentWidths = await page
      .locator('#resources tbody .seg.created')
      .evaluateAll((segments) => segments.map((s) => s.getBoundingClientRect().width));
    await page.screenshot({ path: path.join(dir, 'eks-dr-report.png'), fullPage: true });
    await page.close();

    // Assert
    // Every step ran on the modelled clock, the Report task included: one bar each, in order.
    const steps = (data.progress ?? []).map((step) => step.id);
    expect(steps).toHaveLength(8);
    expect(chart.steps).toBe(steps.length);
    expect(chart.bars.map((bar) => bar.step)).toEqual(steps);
    expect(chart.svgWidth).toBeGreaterThan(600);
    for (const bar of chart.bars) {
      expect(bar.width, `bar of ${bar.step}`).toBeGreaterThan(0);
      expect(bar.height, `bar of ${bar.step}`).toBeGreaterThan(0);
    }
    // Modelled minutes of node boot outweigh the sub-second guard on screen too.
    const width = (step: string) => chart.bars.find((bar) => bar.step === step)?.width ?? 0;
    expect(width('capacity')).toBeGreaterThan(width('guard') * 5);
    expect(tiles).toHaveLength(4);
    expect(Math.min(...tiles)).toBeGreaterThan(50);
    expect(rto).toMatch(/RTO\s+met[\s\S]*\dm\d\ds[\s\S]*objective 15m00s/);
    expect(rpo).toMatch(/RPO\s+met[\s\S]*35m00s[\s\S]*objective 1h30m/);
    expect(segmentWidths).toHaveLength(4);
    expect(Math.min(...segmentWidths)).toBeGreaterThan(0);
    expect(requests).toEqual([]);
  });
});
