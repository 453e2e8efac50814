import type { HttpProbe, HttpProbeResult } from './ports/health-checks.ts';

/** HttpProbe over the global fetch: one GET, no redirects followed, aborted after the timeout. */
export const fetchHttpProbe: HttpProbe = {
  async probe(url: string, options: { timeoutMs: number }): Promise<HttpProbeResult> {
    const started = performance.now();
    // A redirect is an answer of its own (3xx counts as healthy by default), as Route 53 checkers treat it.
    const response = await fetch(url, {
      method: 'GET',
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
      headers: { 'user-agent': 'eks-dr-health-gate' },
    });
    // The body is not needed; cancelling it frees the connection at once.
    await response.body?.cancel();
    return { status: response.status, latencyMs: Math.round(performance.now() - started) };
  },
};
