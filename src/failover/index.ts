// The failover engine: the use cases the Lambda functions call (trigger, guard, backup selection, capacity,
// workload readiness, health gate, DNS cutover, report), their ports and their errors.

export type { Now } from '../util/clock.ts';
export {
  CapacityManager,
  type CapacityManagerDependencies,
  type CapacityStatus,
  DEFAULT_CAPACITY_DEADLINE_MINUTES,
  type NodeGroupProgress,
  type NodeGroupUpdateRef,
  type ScalingAction,
  type ScalingOperation,
} from './capacity.ts';
export {
  type DnsChangeResult,
  DnsCutover,
  type DnsCutoverDependencies,
  type DnsSide,
  desiredRecords,
} from './dns-cutover.ts';
export {
  BackupNotVerifiedError,
  CapacityTimeoutError,
  type FailoverErrorOptions,
  HealthCheckFailedError,
  InvalidTriggerEventError,
  NodeGroupUpdateFailedError,
  NoVerifiedBackupError,
  PlanSectionMissingError,
  type SkippedBackup,
  WorkloadsNotReadyError,
} from './errors.ts';
export {
  effectiveSettings,
  type GuardRequest,
  type GuardResult,
  type GuardSettings,
  type NotRun,
  type RecoveryWorkflow,
  type WorkflowEnvelope,
  WorkflowGuard,
  type WorkflowGuardDependencies,
} from './guard.ts';
export {
  HealthGate,
  type HealthGateDependencies,
  type HealthGateResult,
  statusPasses,
} from './health-gate.ts';
export { fetchHttpProbe } from './http-probe.ts';
export * from './ports/capacity.ts';
export * from './ports/clusters.ts';
export * from './ports/dns.ts';
export * from './ports/health-checks.ts';
export * from './ports/metrics.ts';
export * from './ports/notifier.ts';
export * from './ports/recovery-ledger.ts';
export * from './ports/workflows.ts';
export { activeSideConflict, heldBy, RECOVERY_LEASE_SECONDS } from './recovery-rules.ts';
export {
  buildReport,
  buildTimeline,
  formatDuration,
  type ObjectiveMeasure,
  type ReportedWorkflow,
  type ReportRequest,
  type RestoreCounts,
  type RunReport,
  RunReporter,
  type RunReporterDependencies,
  type TimelineEntry,
  type WorkflowOutcome,
} from './report.ts';
export {
  BackupSelector,
  type BackupSelectorDependencies,
  type SelectedBackup,
} from './select-backup.ts';
export { type StepTiming, type Timed, timed } from './timing.ts';
export {
  alarmStateChangeSchema,
  decideTrigger,
  type EventBridgeEvent,
  eventBridgeEnvelopeSchema,
  minuteStamp,
  Trigger,
  type TriggerDecision,
  type TriggerDependencies,
  type TriggeredWorkflow,
  type TriggerInfo,
  type TriggerOutcome,
  type TriggerStateMachines,
  triggerInfoSchema,
} from './trigger.ts';
export {
  MAX_LISTED_WORKLOADS,
  type WorkloadProgress,
  WorkloadReadiness,
  type WorkloadReadinessDependencies,
  type WorkloadsStatus,
} from './workloads.ts';
