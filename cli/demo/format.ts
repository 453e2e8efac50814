// Durations as the demo shows them: modelled AWS time reads like AWS ("1m32s"), real local time like a
// stopwatch ("920 ms"), so nobody mistakes one for the other.
import { formatDuration } from '../../src/failover/report.ts';

/** Modelled time: `0.4s`, `12s`, `1m32s`, `1h02m`; sub-minute values keep a decimal below 10 s. */
export function formatModelled(ms: number): string {
  const safe = Math.max(0, ms);
  if (safe < 10_000) return `${(safe / 1000).toFixed(1)}s`;
  return formatDuration(safe / 1000);
}

/** Real time: `7 ms`, `920 ms`, `1.24 s`, `1m05s`. */
export function formatReal(ms: number): string {
  const safe = Math.max(0, ms);
  if (safe < 1000) return `${Math.round(safe)} ms`;
  if (safe < 60_000) return `${(safe / 1000).toFixed(2)} s`;
  return formatDuration(safe / 1000);
}
