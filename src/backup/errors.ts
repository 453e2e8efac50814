// Step Functions Retry/Catch match on these `name`s, so they are part of the workflow contract: keep them stable.

/** A backup filter (namespaces, resources, label selector) that cannot be applied; nothing was listed. */
export class InvalidBackupFilterError extends Error {
  constructor(
    readonly field: string,
    readonly value: string,
    reason: string,
    options: { cause?: unknown } = {},
  ) {
    super(`backup filter ${field} ${JSON.stringify(value)}: ${reason}`, options);
    this.name = 'InvalidBackupFilterError';
  }
}

/** A backup request whose options are out of range (page size, concurrency, name). */
export class InvalidBackupRequestError extends Error {
  constructor(
    readonly field: string,
    reason: string,
    options: { cause?: unknown } = {},
  ) {
    super(`backup request ${field}: ${reason}`, options);
    this.name = 'InvalidBackupRequestError';
  }
}

/** Listing one resource failed for good (retries exhausted, or a list that cannot be resumed). */
export class ResourceListError extends Error {
  constructor(
    /** `deployments.apps`, with ` in <namespace>` when listed per namespace. */
    readonly resource: string,
    detail: string,
    options: { cause?: unknown } = {},
  ) {
    super(`listing ${resource}: ${detail}`, options);
    this.name = 'ResourceListError';
  }
}
