// The DR plan: one zod schema, its defaults, and loading it from an environment variable or an execution
// input. Plan files (JSON or YAML) load through ./load-plan-file.ts, imported by the CDK app and the CLI
// only, so the Lambda bundles never carry `yaml`.
export {
  type Problem,
  parseKmsKeyArn,
  partitionOf,
} from './aws-names.ts';
export { type FailbackSettings, failbackSettingsOf, healthCheckOf } from './compact-sections.ts';
export {
  deployedPlan,
  deployedPlanEnvironment,
  PLAN_FINGERPRINT_VARIABLE,
  PLAN_VARIABLE,
  planFingerprint,
  planVariableValue,
} from './deployed-plan.ts';
export {
  type DnsRecordType,
  dnsNameProblem,
  dnsRecordTypes,
  recordValueProblem,
  toFqdn,
  withoutTrailingDot,
} from './dns-names.ts';
export {
  InvalidExecutionInputError,
  InvalidPlanError,
  PlanFileError,
  type PlanIssue,
} from './errors.ts';
export {
  type ExecutionInput,
  executionInputSchema,
  parseExecutionInput,
  type RecoveryKind,
  type RecoverySettings,
} from './execution-input.ts';
export { parsePlan, planFromEnvironment } from './load-plan.ts';
export { serializePlan } from './plan-json.ts';
export {
  applyReplicaOverride,
  type BackupFilters,
  type DnsPlan,
  type DnsRecordMode,
  type DnsRecordPlan,
  type DnsRecordTarget,
  type DrNodeGroup,
  type DrOverrides,
  type DrPlan,
  type DrPlanInput,
  dnsRecordModes,
  drPlanSchema,
  type ExistingResourcePolicy,
  existingResourcePolicies,
  type FailoverAlarm,
  type HealthCheckPlan,
  type NodeGroupSize,
  namespaceMappingSchema,
  PLAN_DEFAULTS,
  type ReplicaOverride,
  ROUTE53_METRICS_REGION,
  replicaOverrideFor,
} from './plan-schema.ts';
export { InvalidScheduleError, parseSchedule, type Schedule } from './schedule.ts';
