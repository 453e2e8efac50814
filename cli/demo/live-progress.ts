// Live progress of a workflow run: on a terminal, the running step spins in place and settles into a
// ✓/✗ line when it ends; anywhere else (CI logs, pipes) only the settled lines are written, with no
// escape codes, so logs stay readable.

import type { WorkflowEvent } from '../../sandbox/workflows/local-workflow-runner.ts';
import type { ReportedWorkflow } from '../../src/failover/report.ts';
import { formatModelled, formatReal } from './format.ts';
import { type ProgressChange, ProgressTracker, type StepProgress } from './progress-tracker.ts';
import { counterText } from './step-catalog.ts';

/** The part of a stream the renderer writes to. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Options of a LiveProgress. */
export interface LiveProgressOptions {
  /** Where to draw. @default process.stderr (stdout stays clean for `--json`) */
  stream?: ProgressStream;
  /** Spinner and in-place redraws. @default the stream's isTTY */
  interactive?: boolean;
  /** ANSI colours. @default the same as interactive */
  color?: boolean;
  /** Picks step labels. */
  workflow?: ReportedWorkflow;
  /** Modelled time at a real epoch time (`modelledTimeOf(clock)`), to show AWS time next to local time. */
  modelledAt?: (realEpochMs: number) => number;
  /** Real epoch milliseconds, for the running step's elapsed time. @default Date.now */
  realNow?: () => number;
  /** Spinner frame interval. @default 80 */
  spinnerIntervalMs?: number;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const LABEL_WIDTH = 18;

/** Draws a workflow's logical steps as its events arrive; pass `onEvent` to runLocalWorkflow. */
export class LiveProgress {
  readonly tracker: ProgressTracker;
  readonly #stream: ProgressStream;
  readonly #interactive: boolean;
  readonly #color: boolean;
  readonly #options: LiveProgressOptions;
  readonly #realNow: () => number;
  #timer: NodeJS.Timeout | undefined;
  #frame = 0;
  #drawn = false;

  constructor(options: LiveProgressOptions = {}) {
    this.#options = options;
    this.#stream = options.stream ?? process.stderr;
    this.#interactive = options.interactive ?? this.#stream.isTTY === true;
    this.#color = options.color ?? this.#interactive;
    this.#realNow = options.realNow ?? Date.now;
    this.tracker = new ProgressTracker({
      ...(options.workflow ? { workflow: options.workflow } : {}),
      ...(options.modelledAt ? { modelledAt: options.modelledAt } : {}),
    });
  }

  /** Feeds one workflow event (bound, so it can be handed over as a callback). */
  readonly onEvent = (event: WorkflowEvent): void => {
    for (const change of this.tracker.apply(event)) this.#render(change);
  };

  /** Steps so far, for the timeline table and the report. */
  get steps(): readonly StepProgress[] {
    return this.tracker.steps;
  }

  /** Stops the spinner and settles a step left running (the run threw); call once the run is over. */
  finish(): void {
    const open = this.tracker.close(this.#realNow());
    if (open) this.#render({ kind: 'finished', step: open });
    this.#stopSpinner();
  }

  #render(change: ProgressChange): void {
    if (change.kind === 'finished') {
      this.#clearLine();
      this.#stream.write(`${this.#settledLine(change.step)}\n`);
      this.#stopSpinner();
      return;
    }
    if (!this.#interactive) return;
    this.#startSpinner();
    this.#drawRunning();
  }

  #settledLine(step: StepProgress): string {
    const ok = step.status !== 'failed';
    const mark = this.#paint(ok ? '✓' : '✗', ok ? 32 : 31);
    const parts = [`${mark} ${step.label.padEnd(LABEL_WIDTH)}`];
    if (step.modelledMs !== undefined) parts.push(`${formatModelled(step.modelledMs).padStart(7)} AWS`);
    if (step.realMs !== undefined) parts.push(this.#paint(`${formatReal(step.realMs).padStart(8)} local`, 2));
    const extra = extras(step);
    if (extra) parts.push(this.#paint(extra, 2));
    if (step.error) parts.push(this.#paint(`${step.error.name}: ${step.error.message}`, 31));
    return parts.join('  ');
  }

  #drawRunning(): void {
    const step = this.tracker.current;
    if (!step) return;
    const frame = this.#paint(FRAMES[this.#frame % FRAMES.length] ?? '-', 36);
    const parts = [`${frame} ${step.label.padEnd(LABEL_WIDTH)}`];
    if (step.modelledStartMs !== undefined && this.#options.modelledAt) {
      const elapsed = this.#options.modelledAt(this.#realNow()) - step.modelledStartMs;
      parts.push(`${formatModelled(elapsed).padStart(7)} AWS`);
    } else {
      parts.push(this.#paint(formatReal(this.#realNow() - step.startedAtMs).padStart(8), 2));
    }
    const extra = extras(step);
    if (extra) parts.push(this.#paint(`… ${extra}`, 2));
    const width = this.#stream.columns && this.#stream.columns > 1 ? this.#stream.columns - 1 : 120;
    // Truncate on the visible text so escape codes never push the line past the terminal's width.
    this.#stream.write(`\r\x1b[2K${truncateVisible(parts.join('  '), width)}`);
    this.#drawn = true;
  }

  #startSpinner(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.#frame += 1;
      this.#drawRunning();
    }, this.#options.spinnerIntervalMs ?? 80);
    // A spinner must never keep the process alive on its own.
    this.#timer.unref();
  }

  #stopSpinner(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #clearLine(): void {
    if (this.#interactive && this.#drawn) this.#stream.write('\r\x1b[2K');
    this.#drawn = false;
  }

  #paint(text: string, code: number): string {
    return this.#color ? `\x1b[${code}m${text}\x1b[0m` : text;
  }
}

/** `3 checks · 1 retry`, or undefined. */
function extras(step: StepProgress): string | undefined {
  const parts: string[] = [];
  const counter = counterText(step.id, step.rounds);
  if (counter) parts.push(counter);
  if (step.retries > 0) parts.push(`${step.retries} ${step.retries === 1 ? 'retry' : 'retries'}`);
  return parts.length > 0 ? parts.join(' · ') : undefined;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escape sequences is the point.
const ANSI = /\x1b\[[0-9;]*m/g;

/** Cuts `text` to `width` visible characters, keeping its colour codes and resetting at the cut. */
function truncateVisible(text: string, width: number): string {
  if (text.replace(ANSI, '').length <= width) return text;
  let visible = 0;
  let out = '';
  for (let i = 0; i < text.length && visible < width; ) {
    ANSI.lastIndex = i;
    const match = ANSI.exec(text);
    if (match && match.index === i) {
      out += match[0];
      i += match[0].length;
      continue;
    }
    out += text[i];
    visible += 1;
    i += 1;
  }
  return `${out}\x1b[0m`;
}
