// Errors of the failover use cases. Step Functions Retry/Catch match on the `name`s below (see
// statemachines/README.md), so they are part of the workflow contract: keep them stable.

/** Options every failover error accepts, so the underlying failure travels with it. */
export interface FailoverErrorOptions {
  cause?: unknown;
}

/** An event the trigger cannot read: not an EventBridge envelope, or a detail of the wrong shape. */
export class InvalidTriggerEventError extends Error {
  constructor(
    readonly field: string,
    detail: string,
    options: FailoverErrorOptions = {},
  ) {
    super(`trigger event ${field}: ${detail}`, options);
    this.name = 'InvalidTriggerEventError';
  }
}

/** The plan lacks a section a step needs (dns for a cutover, healthCheck for the gate). */
export class PlanSectionMissingError extends Error {
  constructor(
    readonly section: string,
    detail: string,
    options: FailoverErrorOptions = {},
  ) {
    super(`plan section ${section}: ${detail}`, options);
    this.name = 'PlanSectionMissingError';
  }
}

/** A backup that exists but must not be restored: not completed, not copied, or its checksum fails. */
export class BackupNotVerifiedError extends Error {
  constructor(
    readonly backupName: string,
    readonly reason: string,
    options: FailoverErrorOptions = {},
  ) {
    super(`backup ${backupName} is not verified: ${reason}`, options);
    this.name = 'BackupNotVerifiedError';
  }
}

/** Why one candidate backup was passed over. */
export interface SkippedBackup {
  name: string;
  reason: string;
}

/** No backup in the store qualifies for a restore; every candidate is listed with why it was skipped. */
export class NoVerifiedBackupError extends Error {
  constructor(
    readonly store: string,
    readonly skipped: readonly SkippedBackup[],
    options: FailoverErrorOptions = {},
  ) {
    const detail =
      skipped.length === 0
        ? 'the store holds no backup'
        : skipped.map((skip) => `${skip.name}: ${skip.reason}`).join('; ');
    super(`no verified backup in ${store}: ${detail}`, options);
    this.name = 'NoVerifiedBackupError';
  }
}

/** A node group update that EKS reports Failed or Cancelled, with EKS's own error messages. */
export class NodeGroupUpdateFailedError extends Error {
  constructor(
    readonly cluster: string,
    readonly nodegroup: string,
    readonly updateId: string,
    readonly status: string,
    readonly errors: readonly string[],
    options: FailoverErrorOptions = {},
  ) {
    super(
      `node group ${cluster}/${nodegroup} update ${updateId} ${status}: ${errors.length > 0 ? errors.join('; ') : 'EKS gave no reason'}`,
      options,
    );
    this.name = 'NodeGroupUpdateFailedError';
  }
}

/** Node groups did not reach ACTIVE with enough Ready nodes before the capacity deadline. */
export class CapacityTimeoutError extends Error {
  constructor(
    readonly cluster: string,
    readonly deadline: string,
    detail: string,
    options: FailoverErrorOptions = {},
  ) {
    super(`cluster ${cluster}: capacity not ready by ${deadline}: ${detail}`, options);
    this.name = 'CapacityTimeoutError';
  }
}

/** Deployments or StatefulSets still short of their replicas when the deadline passed. */
export class WorkloadsNotReadyError extends Error {
  constructor(
    readonly deadline: string,
    readonly laggards: readonly string[],
    options: FailoverErrorOptions = {},
  ) {
    const shown = laggards.slice(0, 20).join(', ');
    const more = laggards.length > 20 ? ` and ${laggards.length - 20} more` : '';
    super(`${laggards.length} workloads not ready by ${deadline}: ${shown}${more}`, options);
    this.name = 'WorkloadsNotReadyError';
  }
}

/** The recovered side failed its health check; DNS must not move. */
export class HealthCheckFailedError extends Error {
  constructor(
    readonly target: string,
    readonly observed: string,
    options: FailoverErrorOptions = {},
  ) {
    super(`health check ${target} failed: ${observed}`, options);
    this.name = 'HealthCheckFailedError';
  }
}
