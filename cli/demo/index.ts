// The demo's presentation: live progress while a workflow runs, the summary table after it, the HTML page.
export {
  type BackupView,
  type DemoReportData,
  type DnsChangeView,
  type ResourceCountView,
  type StepRow,
  stepRows,
} from './demo-data.ts';
export { escapeHtml, renderHtmlReport } from './html-report.ts';
export { LiveProgress, type LiveProgressOptions, type ProgressStream } from './live-progress.ts';
export { modelledTimeOf, ProgressTracker, type StepProgress } from './progress-tracker.ts';
export { renderTimelineTable, type TimelineTableOptions } from './timeline-table.ts';
export { DEFAULT_REPORT_FILE, ReportWriteError, writeHtmlReport } from './write-report.ts';
