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

/** A restore that could not run at all (archive refused, cluster unreachable). */
export class RestoreFailedError extends Error {
  constructor(
    readonly backupName: string,
    detail: string,
    options: { cause?: unknown } = {},
  ) {
    super(`restore of backup ${backupName} failed: ${detail}`, options);
    this.name = 'RestoreFailedError';
  }
}

/** Chunks keep ending before applying anything: the time left per invocation is too short for the plan. */
export class RestoreStalledError extends Error {
  constructor(
    readonly backupName: string,
    readonly nextIndex: number,
    readonly chunks: number,
    options: { cause?: unknown } = {},
  ) {
    super(
      `restore of backup ${backupName} made no progress in ${chunks} invocations at object ${nextIndex}: give the function more time`,
      options,
    );
    this.name = 'RestoreStalledError';
  }
}

/**
 * Objects the target cannot take as archived (a resource it does not serve, a kind that is not the
 * resource's, the wrong scope), found before the first write: a restore that would stop part-way through
 * at the first of them refuses instead, naming them, so nothing is half-restored.
 */
export class UnservableObjectsError extends Error {
  constructor(
    readonly backupName: string,
    readonly problems: readonly string[],
    options: { cause?: unknown } = {},
  ) {
    const shown = problems.slice(0, 10);
    const more = problems.length > shown.length ? `; and ${problems.length - shown.length} more` : '';
    super(
      `restore of backup ${backupName} refused before writing anything: ${problems.length} object${problems.length === 1 ? '' : 's'} the target cluster cannot take (${shown.join('; ')}${more})`,
      options,
    );
    this.name = 'UnservableObjectsError';
  }
}
