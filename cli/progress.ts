// A one-line progress display for long commands: redrawn in place on a terminal, silent otherwise.

/** What a command needs from a progress display. */
export interface ProgressLine {
  /** Replaces the line's text; redraws at most every `intervalMs`. */
  update(text: string): void;
  /** Clears the line so the summary starts on a clean row. */
  done(): void;
}

/** Options of a ProgressLine. */
export interface ProgressLineOptions {
  /** Where to draw. @default process.stderr */
  stream?: NodeJS.WriteStream;
  /** Shortest time between two redraws. @default 100 */
  intervalMs?: number;
  /** Draw even when the stream is not a terminal (tests). @default the stream's isTTY */
  enabled?: boolean;
}

/**
 * Progress on stderr only when it is a terminal, so piped output and `--json` stay clean; redraws are
 * throttled because a snapshot reports after every page, far more often than anyone can read.
 */
export function progressLine(options: ProgressLineOptions = {}): ProgressLine {
  const stream = options.stream ?? process.stderr;
  const enabled = options.enabled ?? stream.isTTY === true;
  const interval = options.intervalMs ?? 100;
  let last = 0;
  let drawn = false;
  return {
    update(text: string): void {
      if (!enabled) return;
      const now = Date.now();
      if (now - last < interval) return;
      last = now;
      const width = stream.columns && stream.columns > 1 ? stream.columns - 1 : 120;
      stream.write(`\r\x1b[2K${text.slice(0, width)}`);
      drawn = true;
    },
    done(): void {
      if (enabled && drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}

/** `1.5 MiB`, `820 B`: sizes for humans. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Rows of text as aligned columns; the first row is the header. */
export function formatTable(
  rows: readonly (readonly string[])[],
  rightAligned: readonly number[] = [],
): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) =>
          rightAligned.includes(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
