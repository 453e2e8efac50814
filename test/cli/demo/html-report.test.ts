import { describe, expect, it } from 'vitest';
import { escapeHtml, renderHtmlReport } from '../../../cli/demo/html-report.ts';
import { aFailoverData } from './demo-fixtures.ts';

const count = (html: string, pattern: RegExp) => html.match(new RegExp(pattern.source, 'g'))?.length ?? 0;

describe('renderHtmlReport', () => {
  it('renders header, KPI tiles, one timeline bar per timed step, resources, backup and steps', () => {
    // Arrange
    const data = aFailoverData();

    // Act
    const html = renderHtmlReport(data);

    // Assert
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<title>eks-dr · Failover report · shop</title>');
    expect(html).toMatch(/<span id="outcome" class="badge ok">Succeeded<\/span>/);
    expect(html).toMatch(/id="kpi-rto"[\s\S]*?<div class="kpi-value">6m12s<\/div>/);
    expect(html).toMatch(/id="kpi-rpo"[\s\S]*?<div class="kpi-value">35m00s<\/div>/);
    expect(html).toMatch(/id="kpi-objects"[\s\S]*?110<small> \/ 120<\/small>/);
    expect(html).toMatch(
      /id="kpi-dns"[\s\S]*?203\.0\.113\.10<\/span><span class="arrow">→<\/span><span class="dns-after">198\.51\.100\.20/,
    );
    // The Report step ran here but has no modelled timing: 7 bars for 8 rows.
    expect(html).toContain('data-steps="7"');
    expect(count(html, /<rect class="step /)).toBe(7);
    expect(count(html, /<tr class="step-row /)).toBe(8);
    expect(count(html, /<tr class="resource"/)).toBe(3);
    expect(html).toMatch(/<div class="card" id="backup">[\s\S]*?<dd>shop-1200<\/dd>/);
    expect(html).toContain('id="rto-window" class="rto-window met"');
    expect(html).not.toContain('id="failure"');
  });

  it('scales bars on modelled time and carries real time in their data and tooltip', () => {
    // Arrange
    const data = aFailoverData();

    // Act
    const html = renderHtmlReport(data);

    // Assert
    const bar = (step: string) => {
      const match = html.match(
        new RegExp(
          `<rect class="step [a-z]+" data-step="${step}"[^>]*width="([0-9.]+)"[^>]*><title>([^<]*)</title>`,
        ),
      );
      if (!match) throw new Error(`no bar for ${step}`);
      return { width: Number(match[1]), title: match[2] ?? '' };
    };
    // Capacity (92 s) and DNS (94 s) are nearly equal; health (3 s) is a sliver.
    expect(bar('capacity').width / bar('dns').width).toBeCloseTo(92 / 94, 1);
    expect(bar('health').width).toBeLessThan(bar('capacity').width / 10);
    expect(bar('capacity').title).toBe('Capacity up: 1m32s of AWS time (modelled), 921 ms here, 3 checks');
    expect(html).toContain('data-step="capacity" data-modelled-ms="92000" data-real-ms="921"');
  });

  it('escapes every string that came from the run', () => {
    // Arrange
    const data = aFailoverData();
    const evil = '<script>alert("x")</script>&\'';
    data.report = { ...data.report, plan: evil, executionName: evil, reason: evil };
    data.resources = [{ resource: evil, created: 1, updated: 0, skipped: 0, failed: 0 }];
    data.dns = { name: evil, type: 'A', before: [evil], after: ['1.2.3.4'] };
    data.progress = (data.progress ?? []).map((step) =>
      step.id === 'health'
        ? { ...step, status: 'failed', label: evil, error: { name: evil, message: evil } }
        : step,
    );

    // Act
    const html = renderHtmlReport(data);

    // Assert
    expect(html).not.toContain('<script');
    expect(html).not.toContain('alert("x")');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;');
  });

  it('loads nothing: no scripts, no external links, a CSP that forbids fetching', () => {
    // Arrange
    const data = aFailoverData();

    // Act
    const html = renderHtmlReport(data);

    // Assert
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(html).not.toMatch(/<script|<link|@import|url\(|src=/i);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('puts a failed run up front: the failing step and its error, objectives not met', () => {
    // Arrange
    const data = aFailoverData();
    const rto = data.report.rto;
    if (!rto) throw new Error('fixture has no RTO');
    data.report = { ...data.report, outcome: 'Failed', rto: { ...rto, met: false } };
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
    const html = renderHtmlReport(data);

    // Assert
    expect(html).toMatch(/<span id="outcome" class="badge bad">Failed<\/span>/);
    expect(html).toContain('<section id="failure" class="callout bad"><h2>Step “Health gate” failed</h2>');
    expect(html).toContain('<code>HealthCheckFailedError</code> GET /healthz: 503');
    expect(html).toMatch(/class="kpi bad" id="kpi-rto"[\s\S]*?<span class="verdict">not met<\/span>/);
    expect(html).toContain('<rect class="step failed" data-step="health"');
    expect(html).toContain('class="rto-window not-met"');
  });

  it('says a run the guard did not let proceed was not run, never that it failed', () => {
    // Arrange
    const data = aFailoverData();
    const reason = 'DR already active: DR has served plan shop since 2026-03-01T11:00:00.000Z, by f1';
    const { rto: _rto, rpo: _rpo, restore: _restore, dns: _dns, ...rest } = data.report;
    data.report = {
      ...rest,
      outcome: 'NotRun',
      notRun: { reason },
      summary: `eks-dr shop: failover not run: ${reason}`,
    };

    // Act
    const html = renderHtmlReport(data);

    // Assert
    expect(html).toMatch(/<span id="outcome" class="badge muted">Not run<\/span>/);
    expect(html).toContain(
      `<section id="not-run" class="callout muted"><h2>Not run</h2><p>not run: ${reason}</p>`,
    );
    expect(html).not.toContain('id="failure"');
    expect(html).not.toContain('class="badge bad"');
  });

  it('works from the report alone, with resources from its byResource totals', () => {
    // Arrange
    const { report } = aFailoverData();

    // Act
    const html = renderHtmlReport({ report });

    // Assert
    expect(count(html, /<rect class="step /)).toBe(report.timeline.length);
    expect(count(html, /<tr class="resource"/)).toBe(2);
    expect(html).toMatch(/id="kpi-dns"[\s\S]*?INSYNC/);
    expect(html).not.toContain('id="spans"');
  });

  it('names the way back for a failback', () => {
    // Arrange
    const data = { ...aFailoverData(), failback: true };

    // Act
    const html = renderHtmlReport(data);

    // Assert
    expect(html).toContain('<h1>Failback report');
    expect(html).toContain('<dd>failback</dd>');
  });

  it('shows what a failback carried back, and flags one that carried nothing as a warning, not green', () => {
    // Arrange
    const base = aFailoverData();
    const carried = {
      ...base,
      failback: true,
      report: { ...base.report, carriedBack: { objects: 3, volumes: 1 } },
    };
    const nothing = {
      ...base,
      failback: true,
      report: { ...base.report, carriedBack: { objects: 0, volumes: 0 } },
    };

    // Act
    const carriedHtml = renderHtmlReport(carried);
    const nothingHtml = renderHtmlReport(nothing);

    // Assert
    expect(carriedHtml).toContain('<span id="outcome" class="badge ok">Succeeded</span>');
    expect(carriedHtml).toContain('3 objects created or updated in the primary, 1 volumes made from DR');
    expect(nothingHtml).toContain(
      '<span id="outcome" class="badge muted">Succeeded, nothing carried back</span>',
    );
    expect(nothingHtml).toContain(
      '<section id="carried-back" class="callout muted"><h2>Nothing carried back</h2>',
    );
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters that matter in content and attributes', () => {
    // Arrange
    const text = `a<b>&"c'`;

    // Act
    const escaped = escapeHtml(text);

    // Assert
    expect(escaped).toBe('a&lt;b&gt;&amp;&quot;c&#39;');
  });
});
