// Step Functions Retry/Catch match on these `name`s, so they are part of the workflow contract: keep them stable.

/** A restore option that cannot be used (bad mapping syntax, unknown policy, ...); nothing was written. */
export class InvalidRestoreOptionError extends Error {
  constructor(
    readonly field: string,
    readonly value: unknown,
    reason: string,
    options: { cause?: unknown } = {},
  ) {
    super(`restore option ${field} ${JSON.stringify(value)}: ${reason}`, options);
    this.name = 'InvalidRestoreOptionError';
  }
}

/** A continuation handed back to `restore` that belongs to another backup or another plan. */
export class RestoreContinuationMismatchError extends Error {
  constructor(reason: string, options: { cause?: unknown } = {}) {
    super(`restore continuation: ${reason}`, options);
    this.name = 'RestoreContinuationMismatchError';
  }
}
