/** The API verbs a request maps to, as RBAC names them. */
export type KubeVerb =
  | 'get'
  | 'list'
  | 'watch'
  | 'create'
  | 'update'
  | 'patch'
  | 'delete'
  | 'deletecollection'
  | 'discovery';

export type FaultKind = 'latency' | 'tooManyRequests' | 'serverError' | 'connectionReset' | 'expireContinue';

/** Which requests a fault applies to; every given field must match. */
export interface FaultMatch {
  verb?: KubeVerb | readonly KubeVerb[];
  /** `deployments.apps`, `configmaps`, or just `deployments`. */
  resource?: string;
  namespace?: string;
  /** Substring of the URL path. */
  path?: string;
}

/** One injected fault. Counting fields make it deterministic: no randomness in tests. */
export interface FaultRule {
  kind: FaultKind;
  match?: FaultMatch;
  /** Let this many matching requests through before the fault starts. @default 0 */
  skip?: number;
  /** Fire on every Nth matching request after `skip`. @default 1 (every one) */
  every?: number;
  /** Stop after firing this many times. @default unlimited (1 for expireContinue) */
  times?: number;
  /** latency: delay added before the answer. */
  latencyMs?: number;
  /** tooManyRequests: the Retry-After header, in seconds. @default 1 */
  retryAfterSeconds?: number;
  /** serverError: the status code. @default 500 */
  status?: number;
  /** expireContinue: a continue token for page N+1 or later is answered 410 Gone. @default 1 */
  afterPages?: number;
}

export interface RequestFacts {
  verb: KubeVerb;
  resource?: string;
  group?: string;
  namespace?: string;
  path: string;
  /** Pages already served in this list (0 on the first request). */
  page?: number;
}

interface ActiveRule {
  rule: FaultRule;
  seen: number;
  fired: number;
}

/** Per-simulator fault injection, configured by tests through `simulator.faults`. */
export class FaultInjector {
  private rules: ActiveRule[] = [];
  private readonly firedByKind = new Map<FaultKind, number>();

  /** Adds a rule; returns a function that removes it. */
  add(rule: FaultRule): () => void {
    const active: ActiveRule = { rule, seen: 0, fired: 0 };
    this.rules.push(active);
    return () => {
      this.rules = this.rules.filter((r) => r !== active);
    };
  }

  clear(): void {
    this.rules = [];
    this.firedByKind.clear();
  }

  /** How many times faults of a kind fired (for test assertions). */
  fired(kind: FaultKind): number {
    return this.firedByKind.get(kind) ?? 0;
  }

  /** The faults that fire for this request, in the order they were added. */
  evaluate(request: RequestFacts): FaultRule[] {
    const out: FaultRule[] = [];
    for (const active of this.rules) {
      const { rule } = active;
      if (!matches(rule.match, request)) continue;
      if (rule.kind === 'expireContinue' && (request.page ?? 0) < (rule.afterPages ?? 1)) continue;
      active.seen += 1;
      const limit = rule.times ?? (rule.kind === 'expireContinue' ? 1 : Number.POSITIVE_INFINITY);
      if (active.fired >= limit) continue;
      const position = active.seen - (rule.skip ?? 0);
      if (position <= 0 || position % (rule.every ?? 1) !== 0) continue;
      active.fired += 1;
      this.firedByKind.set(rule.kind, (this.firedByKind.get(rule.kind) ?? 0) + 1);
      out.push(rule);
    }
    return out;
  }
}

function matches(match: FaultMatch | undefined, request: RequestFacts): boolean {
  if (!match) return true;
  if (match.verb !== undefined) {
    const verbs = typeof match.verb === 'string' ? [match.verb] : match.verb;
    if (!verbs.includes(request.verb)) return false;
  }
  if (match.resource !== undefined) {
    const qualified = request.group ? `${request.resource}.${request.group}` : request.resource;
    if (match.resource !== request.resource && match.resource !== qualified) return false;
  }
  if (match.namespace !== undefined && match.namespace !== request.namespace) return false;
  if (match.path !== undefined && !request.path.includes(match.path)) return false;
  return true;
}
