// The sandbox runs AWS's slow operations (a node booting, DNS propagating) on modelled time that passes
// faster than real time, so a failover that would take minutes on AWS takes seconds on a laptop while
// still reporting the minutes it would have taken.

/** Options of a SandboxClock. */
export interface SandboxClockOptions {
  /**
   * Real milliseconds one modelled second takes: 10 turns a 90 s node boot into 0.9 s.
   * @default 10
   */
  realMsPerModelledSecond?: number;
  /** Modelled time at construction. @default the real time at construction */
  start?: Date;
  /** Real time in milliseconds; tests may drive it. @default performance.now */
  realNow?: () => number;
}

/** One operation as it would have run on AWS (modelled) and as it ran here (real). */
export interface ModelledSpan {
  label: string;
  /** Modelled time when it started. */
  startedAt: Date;
  modelledMs: number;
  realMs: number;
}

/** Modelled time at a fixed speed-up of real time, with timers and a record of modelled durations. */
export class SandboxClock {
  /** Real milliseconds per modelled millisecond. */
  readonly scale: number;
  readonly #realNow: () => number;
  readonly #realStart: number;
  readonly #modelledStart: number;
  readonly #spans: ModelledSpan[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(options: SandboxClockOptions = {}) {
    const perSecond = options.realMsPerModelledSecond ?? 10;
    if (!(perSecond > 0) || !Number.isFinite(perSecond)) {
      throw new RangeError(`SandboxClock option realMsPerModelledSecond ${perSecond}: expected a number > 0`);
    }
    this.scale = perSecond / 1000;
    this.#realNow = options.realNow ?? (() => performance.now());
    this.#realStart = this.#realNow();
    this.#modelledStart = (options.start ?? new Date()).getTime();
  }

  /** Modelled epoch milliseconds. */
  nowMs(): number {
    return this.#modelledStart + (this.#realNow() - this.#realStart) / this.scale;
  }

  /** Modelled time. */
  now(): Date {
    return new Date(this.nowMs());
  }

  /** Real milliseconds a modelled duration takes. */
  toRealMs(modelledMs: number): number {
    return modelledMs * this.scale;
  }

  /** Resolves after `modelledMs` of modelled time. */
  sleep(modelledMs: number): Promise<void> {
    return new Promise((resolve) => {
      this.schedule(modelledMs, resolve);
    });
  }

  /**
   * Runs `fn` after `modelledMs` of modelled time; returns a function that cancels it. A timer may fire a
   * fraction of a millisecond before performance.now() says its time has come (libuv rounds to whole
   * milliseconds of its own loop clock), which scaled up is tens of modelled milliseconds early: it waits on.
   */
  schedule(modelledMs: number, fn: () => void): () => void {
    const due = this.nowMs() + Math.max(0, modelledMs);
    let timer: NodeJS.Timeout;
    const arm = (realMs: number) => {
      timer = setTimeout(() => {
        this.#timers.delete(timer);
        const early = due - this.nowMs();
        if (early > 0) arm(Math.max(1, Math.ceil(this.toRealMs(early))));
        else fn();
      }, realMs);
      this.#timers.add(timer);
    };
    arm(Math.max(0, this.toRealMs(modelledMs)));
    return () => {
      clearTimeout(timer);
      this.#timers.delete(timer);
    };
  }

  /** Timers scheduled and not yet run or cancelled. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Cancels every pending timer (their promises never settle); for shutting a sandbox down. */
  cancelAll(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /** Runs `fn` and records how long it took, modelled and real, under `label`. */
  async measure<T>(label: string, fn: () => Promise<T> | T): Promise<T> {
    const startedAt = this.now();
    const realStart = this.#realNow();
    try {
      return await fn();
    } finally {
      const realMs = this.#realNow() - realStart;
      this.record({ label, startedAt, modelledMs: realMs / this.scale, realMs });
    }
  }

  /** Adds a span measured elsewhere (a stand-in that knows its own modelled duration). */
  record(span: ModelledSpan): void {
    this.#spans.push({ ...span, startedAt: new Date(span.startedAt) });
  }

  /** Every recorded span, in the order they ended. */
  get spans(): readonly ModelledSpan[] {
    return this.#spans;
  }
}
