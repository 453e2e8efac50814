// The demo's report page: one self-contained HTML file (no scripts, no external fonts or styles, a CSP that
// forbids loading anything) that opens offline and can be attached to a ticket. Every chart is inline SVG
// or CSS, and every string from the run is escaped, since object names and error messages come from a cluster.
import { formatDuration, type ObjectiveMeasure } from '../../src/failover/report.ts';
import { formatBytes } from '../progress.ts';
import {
  backupOf,
  type DemoReportData,
  failedStepOf,
  resourceRows,
  type StepRow,
  stepRows,
  workflowOf,
} from './demo-data.ts';
import { formatModelled, formatReal } from './format.ts';

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const h = escapeHtml;

/** The whole report page for one run. */
export function renderHtmlReport(data: DemoReportData): string {
  const { report } = data;
  const workflow = workflowOf(data);
  const title = `${capitalize(workflow)} report`;
  const generatedAt = data.generatedAt ?? report.reportedAt;
  const ok = report.outcome === 'Succeeded';
  const rows = stepRows(data);
  const failed = failedStepOf(data);
  const notRun = report.notRun;
  const sections = [
    renderHeader(data, title, generatedAt),
    notRun ? renderNotRun(notRun.reason) : !ok || failed ? renderFailure(data, failed) : '',
    renderCarriedBack(data),
    renderKpis(data),
    renderTimeline(data, rows),
    renderResources(data),
    renderDetails(data),
    renderSteps(rows),
    renderSpans(data),
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="eks-dr">
<title>eks-dr · ${h(title)} · ${h(report.plan)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${sections.filter((s) => s.length > 0).join('\n')}
${renderFooter(data, generatedAt)}
</main>
</body>
</html>
`;
}

function renderHeader(data: DemoReportData, title: string, generatedAt: string): string {
  const { report } = data;
  const ok = report.outcome === 'Succeeded';
  const meta: [string, string][] = [
    ['Plan', report.plan],
    ['Workflow', workflowOf(data)],
    ['Execution', report.executionName],
    ['Date', humanDate(generatedAt)],
  ];
  if (report.reason) meta.push(['Reason', report.reason]);
  return `<header id="header">
  <div class="brand">eks-dr <span>disaster recovery for Amazon EKS</span></div>
  <h1>${h(title)} <span id="outcome" class="badge ${report.notRun || carriedNothing(report) ? 'muted' : ok ? 'ok' : 'bad'}">${h(report.notRun ? 'Not run' : carriedNothing(report) ? 'Succeeded, nothing carried back' : report.outcome)}</span></h1>
  <p class="summary">${h(report.summary)}</p>
  <dl class="meta">${meta.map(([k, v]) => `<div><dt>${h(k)}</dt><dd>${h(v)}</dd></div>`).join('')}</dl>
</header>`;
}

/** A failback that brought nothing from DR: green would say "all is back" where nothing came. */
function carriedNothing(report: DemoReportData['report']): boolean {
  return report.carriedBack !== undefined && report.carriedBack.objects + report.carriedBack.volumes === 0;
}

/** What a failback brought back from DR: objects and volume data; a warning when it was nothing. */
function renderCarriedBack(data: DemoReportData): string {
  const back = data.report.carriedBack;
  if (back === undefined) return '';
  if (carriedNothing(data.report)) {
    return `<section id="carried-back" class="callout muted"><h2>Nothing carried back</h2><p>The failback changed no object in the primary and made no volume from DR's data: if DR served traffic, what it wrote is not here. Check the restore's skipped objects and the volume steps.</p></section>`;
  }
  const deleted = data.report.deletedInDr;
  const deletedLine =
    deleted && deleted.objects.length > 0
      ? `<p>Deleted in DR: ${h(deleted.objects.join(', '))}${deleted.removedFromPrimary.length > 0 ? ` (removed from the primary: ${h(deleted.removedFromPrimary.join(', '))})` : ' (kept in the primary)'}</p>`
      : '';
  return `<section id="carried-back" class="callout ok"><h2>Carried back from DR</h2><p>${back.objects} objects created or updated in the primary, ${back.volumes} volumes made from DR's snapshots.</p>${deletedLine}</section>`;
}

/** A recovery the guard did not let proceed: nothing failed and nothing changed, which is what it says. */
function renderNotRun(reason: string): string {
  return `<section id="not-run" class="callout muted"><h2>Not run</h2><p>not run: ${h(reason)}</p></section>`;
}

function renderFailure(data: DemoReportData, failed: StepRow | undefined): string {
  const error = failed?.error ?? data.report.error;
  const where = failed ? `Step “${failed.label}” failed` : 'The run failed';
  const detail = error ? `<p><code>${h(error.name)}</code> ${h(error.message)}</p>` : '';
  return `<section id="failure" class="callout bad"><h2>${h(where)}</h2>${detail}</section>`;
}

function renderKpis(data: DemoReportData): string {
  const { report } = data;
  const tiles: string[] = [];
  if (report.rto) tiles.push(objectiveTile('kpi-rto', 'RTO', 'recovery time', report.rto));
  if (report.rpo) {
    const sub = report.rpo.backupName ? `backup ${report.rpo.backupName}` : 'data at risk';
    tiles.push(objectiveTile('kpi-rpo', 'RPO', sub, report.rpo));
  }
  if (report.restore) {
    const r = report.restore;
    const restored = r.created + r.updated;
    const state = r.failed > 0 ? 'warn' : 'ok';
    tiles.push(`<div class="kpi ${state}" id="kpi-objects">
    <div class="kpi-label">Objects restored</div>
    <div class="kpi-value">${restored}<small> / ${r.planned}</small></div>
    <div class="kpi-sub">${r.created} created · ${r.updated} updated · ${r.skipped} skipped · <span class="${r.failed > 0 ? 'bad-text' : ''}">${r.failed} failed</span></div>
  </div>`);
  } else if (report.backup?.objects !== undefined) {
    tiles.push(`<div class="kpi ok" id="kpi-objects">
    <div class="kpi-label">Objects backed up</div>
    <div class="kpi-value">${report.backup.objects}</div>
    <div class="kpi-sub">${report.backup.bytes !== undefined ? h(formatBytes(report.backup.bytes)) : ''}</div>
  </div>`);
  }
  if (data.dns) {
    const moved = data.dns.before.join(',') !== data.dns.after.join(',');
    const insync = report.dns ? (report.dns.insync ? 'INSYNC' : 'PENDING') : moved ? 'changed' : 'unchanged';
    tiles.push(`<div class="kpi ${moved ? 'ok' : 'neutral'}" id="kpi-dns">
    <div class="kpi-label">DNS ${h(data.dns.type)} · ${h(data.dns.name)}</div>
    <div class="kpi-dns"><span class="dns-before">${h(valuesText(data.dns.before))}</span><span class="arrow">→</span><span class="dns-after">${h(valuesText(data.dns.after))}</span></div>
    <div class="kpi-sub">${h(insync)}${report.dns?.changeId ? ` · change ${h(report.dns.changeId)}` : ''}</div>
  </div>`);
  } else if (report.dns) {
    tiles.push(`<div class="kpi ${report.dns.insync ? 'ok' : 'warn'}" id="kpi-dns">
    <div class="kpi-label">DNS change</div>
    <div class="kpi-value">${report.dns.insync ? 'INSYNC' : 'PENDING'}</div>
    <div class="kpi-sub">${h(report.dns.changeId ?? '')}</div>
  </div>`);
  }
  if (tiles.length === 0) return '';
  return `<section id="kpis" class="kpis">\n  ${tiles.join('\n  ')}\n</section>`;
}

function objectiveTile(id: string, label: string, sub: string, measure: ObjectiveMeasure): string {
  const ratio = measure.objectiveSeconds > 0 ? measure.seconds / measure.objectiveSeconds : 1;
  const width = Math.max(1, Math.min(100, ratio * 100));
  const verdict = measure.met ? 'met' : 'not met';
  return `<div class="kpi ${measure.met ? 'ok' : 'bad'}" id="${id}">
    <div class="kpi-label">${h(label)} <span class="verdict">${verdict}</span></div>
    <div class="kpi-value">${h(formatDuration(measure.seconds))}</div>
    <div class="meter" title="${h(`${Math.round(ratio * 100)}% of the objective`)}"><span style="width:${num(width)}%"></span></div>
    <div class="kpi-sub">objective ${h(formatDuration(measure.objectiveSeconds))} · ${h(sub)}</div>
  </div>`;
}

// Gantt geometry, in SVG user units (the SVG scales to its container's width).
const CHART = {
  width: 1000,
  labelWidth: 150,
  noteWidth: 190,
  rowHeight: 30,
  barHeight: 16,
  top: 40,
  bottom: 30,
};

function renderTimeline(data: DemoReportData, rows: StepRow[]): string {
  const timed = rows.filter((row) => row.modelledStartMs !== undefined);
  if (timed.length === 0) {
    return `<section class="card"><h2>Timeline</h2><p class="muted">No step reported its timing.</p></section>`;
  }
  const { rto } = data.report;
  const starts = timed.map((row) => row.modelledStartMs ?? 0);
  const ends = timed.map((row) => (row.modelledStartMs ?? 0) + (row.modelledMs ?? 0));
  if (rto) {
    starts.push(Date.parse(rto.from));
    ends.push(Date.parse(rto.to));
  }
  const origin = Math.min(...starts);
  const span = Math.max(1000, Math.max(...ends) - origin);
  const plotX = CHART.labelWidth;
  const plotWidth = CHART.width - CHART.labelWidth - CHART.noteWidth;
  const x = (ms: number) => plotX + ((ms - origin) / span) * plotWidth;
  const height = CHART.top + timed.length * CHART.rowHeight + CHART.bottom;
  const axisY = height - CHART.bottom;
  const parts: string[] = [];

  // Painter's order: row backgrounds, grid, RTO window, then the bars and their labels on top.
  timed.forEach((_, i) => {
    if (i % 2 === 0) {
      const y = CHART.top + i * CHART.rowHeight;
      parts.push(
        `<rect class="zebra" x="0" y="${num(y)}" width="${CHART.width}" height="${CHART.rowHeight}"/>`,
      );
    }
  });
  const tick = tickStep(span);
  for (let t = 0; t <= span + 1; t += tick) {
    const tx = x(origin + t);
    parts.push(
      `<line class="grid" x1="${num(tx)}" y1="${CHART.top - 8}" x2="${num(tx)}" y2="${axisY}"/>`,
      `<text class="tick" x="${num(tx)}" y="${axisY + 18}" text-anchor="middle">${h(tickLabel(t))}</text>`,
    );
  }
  if (rto) {
    const state = rto.met ? 'met' : 'not-met';
    const x1 = x(Date.parse(rto.from));
    const x2 = x(Date.parse(rto.to));
    parts.push(
      `<rect id="rto-window" class="rto-window ${state}" x="${num(x1)}" y="${CHART.top - 8}" width="${num(Math.max(1, x2 - x1))}" height="${axisY - CHART.top + 8}"><title>${h(`RTO ${formatDuration(rto.seconds)}: ${rto.from} → ${rto.to}`)}</title></rect>`,
      `<line class="rto-edge ${state}" x1="${num(x1)}" y1="${CHART.top - 14}" x2="${num(x1)}" y2="${axisY}"/>`,
      `<line class="rto-edge ${state}" x1="${num(x2)}" y1="${CHART.top - 14}" x2="${num(x2)}" y2="${axisY}"/>`,
      `<text class="rto-label ${state}" x="${num(x2)}" y="${CHART.top - 20}" text-anchor="end">${h(`RTO ${formatDuration(rto.seconds)}${rto.met ? '' : ' (not met)'}`)}</text>`,
      `<text class="rto-label muted-label" x="${num(x1)}" y="${CHART.top - 20}" text-anchor="start">${data.report.triggeredAt ? 'alarm' : 'start'}</text>`,
    );
  }
  timed.forEach((row, i) => {
    const y = CHART.top + i * CHART.rowHeight;
    const barY = y + (CHART.rowHeight - CHART.barHeight) / 2;
    const start = row.modelledStartMs ?? origin;
    const bx = x(start);
    // A sub-second step on a minutes-long axis still gets a visible sliver.
    const bw = Math.max(3, x(start + (row.modelledMs ?? 0)) - bx);
    const modelled = row.modelledMs !== undefined ? formatModelled(row.modelledMs) : '?';
    const real = row.realMs !== undefined ? formatReal(row.realMs) : undefined;
    const note = [modelled, real ? `${real} local` : undefined, row.rounds].filter(Boolean).join(' · ');
    const tooltip = `${row.label}: ${modelled} of AWS time (modelled)${real ? `, ${real} here` : ''}${row.rounds ? `, ${row.rounds}` : ''}${row.error ? ` — ${row.error.name}: ${row.error.message}` : ''}`;
    parts.push(
      `<g class="row" data-step="${h(row.id)}">`,
      `<text class="step-label" x="${CHART.labelWidth - 12}" y="${num(y + CHART.rowHeight / 2 + 4)}" text-anchor="end">${h(row.label)}</text>`,
      `<rect class="step ${h(row.status)}" data-step="${h(row.id)}" data-modelled-ms="${num(row.modelledMs ?? 0)}" data-real-ms="${num(row.realMs ?? 0)}" x="${num(bx)}" y="${num(barY)}" width="${num(bw)}" height="${CHART.barHeight}" rx="3"><title>${h(tooltip)}</title></rect>`,
      noteText(note, bx, bw, y + CHART.rowHeight / 2 + 4),
      '</g>',
    );
  });
  parts.push(`<line class="axis" x1="${plotX}" y1="${axisY}" x2="${plotX + plotWidth}" y2="${axisY}"/>`);
  const scale = data.realMsPerModelledSecond;
  const caption = scale
    ? `Bars are AWS time as modelled by the sandbox; here 1 s of it took ${num(scale)} ms. The local time is what this machine spent.`
    : 'Bars are AWS time as modelled by the sandbox; the local time is what this machine spent.';
  return `<section class="card" id="timeline-card">
  <h2>Timeline</h2>
  <svg id="timeline" role="img" aria-label="Timeline of ${timed.length} steps" data-steps="${timed.length}" viewBox="0 0 ${CHART.width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">
${parts.filter((p) => p.length > 0).join('\n')}
  </svg>
  <p class="caption">${h(caption)}</p>
</section>`;
}

/** The note right of its bar, or left of it when it would run off the chart (a late, long step). */
function noteText(note: string, barX: number, barWidth: number, baseline: number): string {
  // About 6.5 units per character at the note's 12px size; close enough to choose a side.
  const fits = barX + barWidth + 8 + note.length * 6.5 <= CHART.width;
  const x = fits ? barX + barWidth + 8 : barX - 8;
  return `<text class="step-note" x="${num(x)}" y="${num(baseline)}" text-anchor="${fits ? 'start' : 'end'}">${h(note)}</text>`;
}

function renderResources(data: DemoReportData): string {
  const rows = resourceRows(data);
  if (rows.length === 0) return '';
  const total = (r: (typeof rows)[number]) => r.created + r.updated + r.skipped + r.failed;
  const max = Math.max(1, ...rows.map(total));
  const body = rows
    .map((r) => {
      const segment = (kind: string, value: number) =>
        value > 0
          ? `<span class="seg ${kind}" style="width:${num((value / max) * 100)}%" title="${h(`${value} ${kind}`)}"></span>`
          : '';
      return `<tr class="resource" data-resource="${h(r.resource)}">
      <th scope="row">${h(r.resource)}</th>
      <td class="bar-cell"><div class="bar">${segment('created', r.created)}${segment('updated', r.updated)}${segment('skipped', r.skipped)}${segment('failed', r.failed)}</div></td>
      <td class="n">${r.created}</td><td class="n">${r.updated}</td><td class="n">${r.skipped}</td><td class="n${r.failed > 0 ? ' bad-text' : ''}">${r.failed}</td>
    </tr>`;
    })
    .join('\n    ');
  return `<section class="card" id="resources-card">
  <h2>Objects per resource</h2>
  <table id="resources" class="grid-table">
    <thead><tr><th>Resource</th><th class="bar-cell"><span class="legend"><i class="seg created"></i>created <i class="seg updated"></i>updated <i class="seg skipped"></i>skipped <i class="seg failed"></i>failed</span></th><th class="n">Created</th><th class="n">Updated</th><th class="n">Skipped</th><th class="n">Failed</th></tr></thead>
    <tbody>
    ${body}
    </tbody>
  </table>
</section>`;
}

function renderDetails(data: DemoReportData): string {
  const backup = backupOf(data);
  const cards: string[] = [];
  if (backup) {
    const facts: [string, string][] = [['Name', backup.name]];
    if (backup.createdAt) facts.push(['Taken', humanDate(backup.createdAt)]);
    if (data.report.rpo) facts.push(['Age at start', formatDuration(data.report.rpo.seconds)]);
    if (backup.objects !== undefined) facts.push(['Objects', String(backup.objects)]);
    if (backup.bytes !== undefined) facts.push(['Size', formatBytes(backup.bytes)]);
    if (backup.volumes !== undefined) facts.push(['Volumes', String(backup.volumes)]);
    if (backup.location) facts.push(['Location', backup.location]);
    cards.push(`<div class="card" id="backup"><h2>Backup used</h2>${factList(facts)}</div>`);
  }
  const run: [string, string][] = [['Execution', data.report.executionName]];
  run.push(['Started', humanDate(data.report.executionStartTime)]);
  if (data.report.triggeredAt) run.push(['Alarm', humanDate(data.report.triggeredAt)]);
  if (data.report.rto) run.push(['Recovered', humanDate(data.report.rto.to)]);
  if (data.dns) {
    run.push([`${data.dns.type} ${data.dns.name} before`, valuesText(data.dns.before)]);
    run.push([`${data.dns.type} ${data.dns.name} after`, valuesText(data.dns.after)]);
  }
  cards.push(`<div class="card" id="run"><h2>Run</h2>${factList(run)}</div>`);
  return `<section class="pair">${cards.join('')}</section>`;
}

function renderSteps(rows: StepRow[]): string {
  if (rows.length === 0) return '';
  const mark = { succeeded: '✓', failed: '✗', running: '…', unknown: '?' } as const;
  const body = rows
    .map((row) => {
      const notes = [
        row.rounds,
        row.retries > 0 ? `${row.retries} ${row.retries === 1 ? 'retry' : 'retries'}` : '',
      ]
        .filter(Boolean)
        .join(' · ');
      const error = row.error
        ? `<div class="bad-text">${h(row.error.name)}: ${h(row.error.message)}</div>`
        : '';
      return `<tr class="step-row ${h(row.status)}" data-step="${h(row.id)}">
      <td class="mark">${mark[row.status]}</td><th scope="row">${h(row.label)}</th>
      <td class="mono">${row.modelledStartMs !== undefined ? h(clockTime(row.modelledStartMs)) : '–'}</td>
      <td class="n">${row.modelledMs !== undefined ? h(formatModelled(row.modelledMs)) : '–'}</td>
      <td class="n">${row.realMs !== undefined ? h(formatReal(row.realMs)) : '–'}</td>
      <td>${h(notes)}${error}</td>
    </tr>`;
    })
    .join('\n    ');
  return `<section class="card" id="steps-card">
  <h2>Steps</h2>
  <table id="steps" class="grid-table">
    <thead><tr><th></th><th>Step</th><th>Started (AWS time)</th><th class="n">AWS time</th><th class="n">Local time</th><th>Notes</th></tr></thead>
    <tbody>
    ${body}
    </tbody>
  </table>
</section>`;
}

function renderSpans(data: DemoReportData): string {
  const spans = [...(data.spans ?? [])].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  if (spans.length === 0) return '';
  const body = spans
    .map(
      (span) =>
        `<tr class="span"><td class="mono">${h(clockTime(span.startedAt.getTime()))}</td><td>${h(span.label)}</td><td class="n">${h(formatModelled(span.modelledMs))}</td><td class="n">${h(formatReal(span.realMs))}</td></tr>`,
    )
    .join('\n    ');
  return `<section class="card" id="spans-card">
  <h2>AWS operations, modelled</h2>
  <table id="spans" class="grid-table">
    <thead><tr><th>Started</th><th>Operation</th><th class="n">AWS time</th><th class="n">Local time</th></tr></thead>
    <tbody>
    ${body}
    </tbody>
  </table>
</section>`;
}

function renderFooter(data: DemoReportData, generatedAt: string): string {
  const scale = data.realMsPerModelledSecond;
  const clock = scale
    ? ` AWS times are modelled on a sandbox clock where one second takes ${num(scale)} ms.`
    : '';
  return `<footer>Generated by <strong>eks-dr demo</strong> on ${h(humanDate(generatedAt))}.${h(clock)} This page loads nothing from the network.</footer>`;
}

function factList(facts: [string, string][]): string {
  return `<dl class="facts">${facts.map(([k, v]) => `<dt>${h(k)}</dt><dd>${h(v)}</dd>`).join('')}</dl>`;
}

/** A round step between axis ticks that gives at most about eight of them. */
function tickStep(spanMs: number): number {
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 43_200, 86_400];
  for (const seconds of steps) if (spanMs / (seconds * 1000) <= 8) return seconds * 1000;
  return Math.ceil(spanMs / 8 / 86_400_000) * 86_400_000;
}

function tickLabel(ms: number): string {
  if (ms === 0) return '0';
  return `+${formatDuration(ms / 1000)}`;
}

/** `2024-05-01 12:34:56 UTC`. */
function humanDate(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function clockTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

function valuesText(values: readonly string[]): string {
  return values.length > 0 ? values.join(', ') : '(none)';
}

/** Numbers in markup: finite, at most two decimals. */
function num(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value * 100) / 100) : '0';
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const STYLE = `
:root {
  --bg: #f5f6f8; --card: #ffffff; --ink: #1b2330; --muted: #5d6878; --line: #e3e7ed; --zebra: #f8f9fb;
  --accent: #2f6fde; --ok: #17804a; --ok-soft: #e5f4ec; --bad: #c2352b; --bad-soft: #fbeae8;
  --warn: #b4690e; --warn-soft: #fdf3e3; --skip: #9aa5b4; --update: #7a5af5;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #12161c; --card: #1a2029; --ink: #e6e9ee; --muted: #9aa4b2; --line: #2b333f; --zebra: #1e252f;
    --accent: #6b9dfa; --ok: #45c07d; --ok-soft: #17301f; --bad: #f0736a; --bad-soft: #3a1d1b;
    --warn: #f2ad52; --warn-soft: #3a2c16; --skip: #6c7685; --update: #a08cff;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1080px; margin: 0 auto; padding: 32px 24px 48px; }
h1 { font-size: 28px; line-height: 1.2; margin: 4px 0 6px; display: flex; align-items: center; gap: 12px; }
h2 { font-size: 15px; margin: 0 0 14px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
code, .mono { font-family: ui-monospace, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace; font-size: 13px; }
.brand { font-weight: 700; color: var(--accent); letter-spacing: .02em; }
.brand span { font-weight: 400; color: var(--muted); margin-left: 6px; }
.summary { margin: 0 0 14px; color: var(--muted); }
.badge { font-size: 13px; font-weight: 600; padding: 3px 10px; border-radius: 999px; }
.badge.ok { background: var(--ok-soft); color: var(--ok); }
.badge.bad { background: var(--bad-soft); color: var(--bad); }
.badge.muted { background: var(--warn-soft); color: var(--skip); }
.meta { display: flex; flex-wrap: wrap; gap: 8px 32px; margin: 0 0 24px; }
.meta div { min-width: 0; }
.meta dt { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .05em; }
.meta dd { margin: 0; font-weight: 500; overflow-wrap: anywhere; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 16px; margin-bottom: 16px; }
.kpi { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px;
  border-top: 4px solid var(--accent); }
.kpi.ok { border-top-color: var(--ok); } .kpi.bad { border-top-color: var(--bad); }
.kpi.warn { border-top-color: var(--warn); } .kpi.neutral { border-top-color: var(--skip); }
.kpi-label { font-size: 13px; color: var(--muted); font-weight: 600; display: flex; justify-content: space-between; gap: 8px; overflow-wrap: anywhere; }
.kpi-value { font-size: 32px; font-weight: 700; line-height: 1.15; margin: 6px 0 8px; font-variant-numeric: tabular-nums; }
.kpi-value small { font-size: 16px; font-weight: 500; color: var(--muted); }
.kpi-sub { font-size: 13px; color: var(--muted); overflow-wrap: anywhere; }
.kpi-dns { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; margin: 8px 0 10px; font-size: 15px; font-weight: 600;
  font-family: ui-monospace, "SF Mono", Menlo, Consolas, monospace; }
.kpi-dns .dns-before { color: var(--muted); text-decoration: line-through; font-weight: 500; }
.kpi-dns .arrow { color: var(--muted); }
.verdict { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; }
.kpi.ok .verdict { color: var(--ok); } .kpi.bad .verdict { color: var(--bad); }
.meter { height: 6px; background: var(--line); border-radius: 3px; overflow: hidden; margin-bottom: 8px; }
.meter span { display: block; height: 100%; background: var(--ok); border-radius: 3px; }
.kpi.bad .meter span { background: var(--bad); }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 18px 20px; margin-bottom: 16px; }
.pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 16px; }
.pair .card { margin-bottom: 16px; }
.callout { border-radius: 10px; padding: 14px 18px; margin-bottom: 16px; border: 1px solid; }
.callout.bad { background: var(--bad-soft); border-color: var(--bad); color: var(--ink); }
.callout h2 { color: var(--bad); margin-bottom: 6px; }
.callout.muted { background: var(--warn-soft); border-color: var(--skip); color: var(--ink); }
.callout.muted h2 { color: var(--skip); }
.callout.ok { background: var(--ok-soft); border-color: var(--ok); color: var(--ink); }
.callout.ok h2 { color: var(--ok); }
.callout p { margin: 0; overflow-wrap: anywhere; }
.caption { margin: 8px 0 0; font-size: 13px; color: var(--muted); }
.muted { color: var(--muted); }
.bad-text { color: var(--bad); }
svg#timeline { display: block; font-size: 13px; }
svg .zebra { fill: var(--zebra); }
svg .grid { stroke: var(--line); stroke-width: 1; }
svg .axis { stroke: var(--muted); stroke-width: 1; }
svg .tick { fill: var(--muted); font-size: 12px; }
svg .step-label { fill: var(--ink); font-weight: 500; }
svg .step-note { fill: var(--muted); font-size: 12px; }
svg rect.step { fill: var(--accent); }
svg rect.step.succeeded { fill: var(--accent); }
svg rect.step.failed { fill: var(--bad); }
svg rect.step.unknown, svg rect.step.running { fill: var(--skip); }
svg .rto-window { fill: var(--ok); opacity: .08; }
svg .rto-edge { stroke: var(--ok); stroke-width: 1.5; stroke-dasharray: 4 3; }
svg .rto-label { fill: var(--ok); font-weight: 700; font-size: 12px; }
svg .muted-label { fill: var(--muted); font-weight: 500; }
svg .rto-window.not-met { fill: var(--bad); }
svg .rto-edge.not-met { stroke: var(--bad); }
svg .rto-label.not-met { fill: var(--bad); }
.grid-table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
.grid-table th, .grid-table td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
.grid-table thead th { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .05em; font-weight: 600; }
.grid-table tbody th { font-weight: 500; overflow-wrap: anywhere; }
.grid-table thead th, #steps tbody th { white-space: nowrap; }
.grid-table tbody tr:last-child th, .grid-table tbody tr:last-child td { border-bottom: 0; }
.grid-table .n { text-align: right; white-space: nowrap; }
.grid-table .mark { width: 20px; font-weight: 700; }
.step-row.succeeded .mark { color: var(--ok); } .step-row.failed .mark { color: var(--bad); }
.bar-cell { width: 42%; }
.bar { display: flex; height: 14px; border-radius: 3px; overflow: hidden; margin-top: 4px; }
.seg { display: inline-block; height: 100%; }
.seg.created { background: var(--accent); } .seg.updated { background: var(--update); }
.seg.skipped { background: var(--skip); } .seg.failed { background: var(--bad); }
.legend { text-transform: none; letter-spacing: 0; font-weight: 400; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin: 0 4px 0 10px; vertical-align: -1px; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 6px 18px; margin: 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; overflow-wrap: anywhere; }
footer { margin-top: 24px; font-size: 13px; color: var(--muted); text-align: center; }
@media print { body { background: #fff; } .card, .kpi { break-inside: avoid; } }
`;
