/** What a failed API call was about, so that every message names the object at fault. */
export interface KubeRequestTarget {
  method: string;
  path: string;
}

/** An API call answered with an error Status (or none at all); `status` is the HTTP code. */
export class KubeRequestError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly target: KubeRequestTarget;

  constructor(
    status: number,
    reason: string,
    message: string,
    target: KubeRequestTarget,
    options?: { cause?: unknown },
  ) {
    super(`${target.method} ${target.path}: ${status} ${reason}: ${message}`, options);
    this.name = 'KubeRequestError';
    this.status = status;
    this.reason = reason;
    this.target = target;
  }
}

/** 404: the object or resource does not exist. */
export class KubeNotFoundError extends KubeRequestError {
  constructor(...args: ConstructorParameters<typeof KubeRequestError>) {
    super(...args);
    this.name = 'KubeNotFoundError';
  }
}

/** 409 AlreadyExists: a create found the object there. */
export class KubeAlreadyExistsError extends KubeRequestError {
  constructor(...args: ConstructorParameters<typeof KubeRequestError>) {
    super(...args);
    this.name = 'KubeAlreadyExistsError';
  }
}

/** 409 Conflict: an update carried a stale resourceVersion. */
export class KubeConflictError extends KubeRequestError {
  constructor(...args: ConstructorParameters<typeof KubeRequestError>) {
    super(...args);
    this.name = 'KubeConflictError';
  }
}

/** 410 Gone: a continue token expired; the list must start again. */
export class KubeGoneError extends KubeRequestError {
  constructor(...args: ConstructorParameters<typeof KubeRequestError>) {
    super(...args);
    this.name = 'KubeGoneError';
  }
}

/** 429: the server asked us to slow down; `retryAfterMs` comes from its Retry-After header. */
export class KubeThrottledError extends KubeRequestError {
  readonly retryAfterMs: number | undefined;

  constructor(retryAfterMs: number | undefined, ...args: ConstructorParameters<typeof KubeRequestError>) {
    super(...args);
    this.name = 'KubeThrottledError';
    this.retryAfterMs = retryAfterMs;
  }
}

/** 5xx: the server (or an aggregated API behind it) failed; worth retrying. */
export class KubeServerError extends KubeRequestError {
  constructor(...args: ConstructorParameters<typeof KubeRequestError>) {
    super(...args);
    this.name = 'KubeServerError';
  }
}

/** 401/403: the credentials are wrong or lack a permission. Never retried. */
export class KubeAuthError extends KubeRequestError {
  constructor(...args: ConstructorParameters<typeof KubeRequestError>) {
    super(...args);
    this.name = 'KubeAuthError';
  }
}

/** 400/422: the server refused the object itself; the message is the API's. */
export class KubeInvalidError extends KubeRequestError {
  constructor(...args: ConstructorParameters<typeof KubeRequestError>) {
    super(...args);
    this.name = 'KubeInvalidError';
  }
}

/** The connection failed or was reset before a whole answer arrived. */
export class KubeConnectionError extends Error {
  readonly target: KubeRequestTarget;

  constructor(target: KubeRequestTarget, cause: unknown) {
    super(
      `${target.method} ${target.path}: connection failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
    this.name = 'KubeConnectionError';
    this.target = target;
  }
}

/** A kubeconfig that cannot be used: missing file, unknown context, no cluster. */
export class KubeConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KubeConfigError';
  }
}

/** True for failures a retry can cure: throttling, 5xx, a dropped connection. */
export function isTransientKubeError(error: unknown): boolean {
  return (
    error instanceof KubeThrottledError ||
    error instanceof KubeServerError ||
    error instanceof KubeConnectionError
  );
}

/** Builds the typed error for an HTTP status and the API's Status body. */
export function kubeErrorFor(
  status: number,
  body: { reason?: string; message?: string } | undefined,
  target: KubeRequestTarget,
  retryAfterHeader?: string,
): KubeRequestError {
  const reason = body?.reason || defaultReason(status);
  const message = body?.message || 'no message from the server';
  if (status === 404) return new KubeNotFoundError(status, reason, message, target);
  if (status === 409) {
    return reason === 'AlreadyExists'
      ? new KubeAlreadyExistsError(status, reason, message, target)
      : new KubeConflictError(status, reason, message, target);
  }
  if (status === 410) return new KubeGoneError(status, reason, message, target);
  if (status === 429)
    return new KubeThrottledError(parseRetryAfter(retryAfterHeader), status, reason, message, target);
  if (status === 401 || status === 403) return new KubeAuthError(status, reason, message, target);
  if (status === 400 || status === 422) return new KubeInvalidError(status, reason, message, target);
  if (status >= 500) return new KubeServerError(status, reason, message, target);
  return new KubeRequestError(status, reason, message, target);
}

function parseRetryAfter(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function defaultReason(status: number): string {
  const reasons: Record<number, string> = {
    400: 'BadRequest',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'NotFound',
    405: 'MethodNotAllowed',
    409: 'Conflict',
    410: 'Gone',
    422: 'Invalid',
    429: 'TooManyRequests',
    500: 'InternalError',
    503: 'ServiceUnavailable',
    504: 'Timeout',
  };
  return reasons[status] ?? 'Unknown';
}
