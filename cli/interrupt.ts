// Ctrl-C and `kill` during a long command: the work is told to stop through an AbortSignal, so it can
// abandon what it was writing (a backup leaves nothing behind) before the process exits, as a shell expects,
// with 128 + the signal's number.
import { constants } from 'node:os';

/** A command stopped by SIGINT or SIGTERM; main turns it into the shell's exit code. */
export class InterruptedError extends Error {
  readonly exitCode: number;

  constructor(
    readonly signal: 'SIGINT' | 'SIGTERM',
    what: string,
  ) {
    super(`interrupted by ${signal}: ${what}`);
    this.name = 'InterruptedError';
    this.exitCode = 128 + constants.signals[signal];
  }
}

/**
 * Runs `work` with a signal that SIGINT or SIGTERM aborts (with an InterruptedError saying `what` happened
 * to the work); a second signal is left to Node's default, which ends the process at once.
 */
export async function interruptible<T>(what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((name) => {
    const handler = () => {
      controller.abort(new InterruptedError(name, what));
      for (const [signal, installed] of handlers) process.removeListener(signal, installed);
    };
    process.once(name, handler);
    return [name, handler] as const;
  });
  try {
    return await work(controller.signal);
  } finally {
    for (const [signal, installed] of handlers) process.removeListener(signal, installed);
  }
}
