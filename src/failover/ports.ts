// The collaborators the failover use cases depend on. `src/aws/` implements them over the AWS SDK and
// `sandbox/aws/` in memory; the use cases see only these shapes, never SDK types.
// Step Functions Retry/Catch match on the error `name`s below, so they are part of the workflow contract:
// keep them stable.

/** Options every port error accepts, so the underlying failure travels with it. */
export interface PortErrorOptions {
  cause?: unknown;
}

// ---------------------------------------------------------------------------------------------------
// Node capacity (EKS managed node groups)

/** Lifecycle of a managed node group, as EKS reports it. */
export type NodeGroupStatus =
  | 'CREATING'
  | 'ACTIVE'
  | 'UPDATING'
  | 'DELETING'
  | 'CREATE_FAILED'
  | 'DELETE_FAILED'
  | 'DEGRADED';

/** Outcome of one asynchronous EKS update. */
export type UpdateStatus = 'InProgress' | 'Successful' | 'Failed' | 'Cancelled';

/** Size bounds of a node group; EKS requires min ≤ desired ≤ max and max ≥ 1. */
export interface ScalingConfig {
  min: number;
  desired: number;
  max: number;
}

/** What a node group looks like now. */
export interface NodeGroupState extends ScalingConfig {
  cluster: string;
  nodegroup: string;
  status: NodeGroupStatus;
  /** Nodes registered and Ready in Kubernetes, when the provider knows it (EKS itself does not). */
  readyNodes?: number;
  /** Status of the newest update of this node group, when the provider tracks it. */
  updateStatus?: UpdateStatus;
  /** Health issues (`AsgInstanceLaunchFailures: ...`), empty when healthy. */
  issues: string[];
}

/** One error an update reported. */
export interface UpdateErrorDetail {
  code: string;
  message: string;
}

/** An asynchronous node group update and how it ended. */
export interface NodeGroupUpdate {
  id: string;
  status: UpdateStatus;
  errors: UpdateErrorDetail[];
}

/** Scales EKS managed node groups and reports their progress. */
export interface NodeCapacity {
  /** Starts a scaling update; resolves with the update id to poll with `describeUpdate`. */
  scaleNodeGroup(cluster: string, nodegroup: string, scaling: ScalingConfig): Promise<string>;
  describeNodeGroup(cluster: string, nodegroup: string): Promise<NodeGroupState>;
  describeUpdate(cluster: string, nodegroup: string, updateId: string): Promise<NodeGroupUpdate>;
}

/** Throws InvalidScalingConfigError unless the sizes are whole numbers with 0 ≤ min ≤ desired ≤ max, max ≥ 1. */
export function validateScalingConfig(nodegroup: string, scaling: ScalingConfig): void {
  for (const field of ['min', 'desired', 'max'] as const) {
    const value = scaling[field];
    if (!Number.isInteger(value) || value < 0) {
      throw new InvalidScalingConfigError(nodegroup, `${field} ${String(value)} must be a whole number ≥ 0`);
    }
  }
  if (scaling.max < 1) throw new InvalidScalingConfigError(nodegroup, `max ${scaling.max} must be ≥ 1`);
  if (scaling.min > scaling.desired || scaling.desired > scaling.max) {
    throw new InvalidScalingConfigError(
      nodegroup,
      `expected min ≤ desired ≤ max, got min ${scaling.min}, desired ${scaling.desired}, max ${scaling.max}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------
// Cluster directory

/** Lifecycle of an EKS cluster. */
export type ClusterStatus = 'CREATING' | 'ACTIVE' | 'DELETING' | 'FAILED' | 'UPDATING' | 'PENDING';

/** How to reach a cluster's API server. */
export interface ClusterInfo {
  name: string;
  arn: string;
  status: ClusterStatus;
  version: string;
  /** API server URL; absent while the cluster is being created. */
  endpoint?: string;
  /** Base64 PEM of the cluster CA; absent while creating, and for the plain-HTTP sandbox. */
  certificateAuthorityData?: string;
}

/** Looks up clusters by name. */
export interface ClusterDirectory {
  /** Rejects with ClusterNotFoundError for a name the region does not know. */
  describeCluster(name: string): Promise<ClusterInfo>;
}

// ---------------------------------------------------------------------------------------------------
// DNS

/** Record types a cutover moves. */
export type DnsRecordType = 'A' | 'AAAA' | 'CNAME';

/** Where an alias record points (an ALB, NLB, CloudFront distribution or another record in the zone). */
export interface DnsAliasTarget {
  hostedZoneId: string;
  dnsName: string;
  evaluateTargetHealth: boolean;
}

/**
 * One record set. Names are fully qualified, lower case, with the trailing dot (`app.example.com.`).
 * Either `ttl` + `values` or `alias`. Routed records (failover, weighted, latency) carry a `setIdentifier`.
 */
export interface DnsRecordSet {
  name: string;
  type: DnsRecordType;
  ttl?: number;
  values?: string[];
  alias?: DnsAliasTarget;
  setIdentifier?: string;
  failover?: 'PRIMARY' | 'SECONDARY';
  /** 0–255, weighted routing. */
  weight?: number;
  /** AWS region, latency routing. */
  region?: string;
  healthCheckId?: string;
}

/** What to do with a record set; `DELETE` takes the record exactly as it is (for failback of a new name). */
export type DnsChangeAction = 'UPSERT' | 'CREATE' | 'DELETE';

/** One change of a change batch. */
export interface DnsChange {
  action: DnsChangeAction;
  record: DnsRecordSet;
}

/** Propagation state of a submitted change: INSYNC once every authoritative server answers with it. */
export type DnsChangeStatus = 'PENDING' | 'INSYNC';

/** Reads and changes records of a hosted zone. */
export interface DnsProvider {
  /** The record sets (A, AAAA, CNAME) at these names as they are now; a name without records yields none. */
  currentRecords(zoneId: string, names: readonly string[]): Promise<DnsRecordSet[]>;
  /** Submits the changes atomically; resolves with the change id to poll with `changeStatus`. */
  changeRecords(zoneId: string, changes: readonly DnsChange[], comment: string): Promise<string>;
  changeStatus(changeId: string): Promise<DnsChangeStatus>;
}

/** Route 53 accepts at most this many changes in one batch. */
export const MAX_DNS_CHANGES_PER_BATCH = 1000;

/** `App.Example.com` → `app.example.com.`: the form Route 53 returns and every comparison uses. */
export function normalizeDnsName(name: string): string {
  // Route 53 returns `*` and other special characters as octal escapes (`\052`).
  const decoded = name.replace(/\\(\d{3})/g, (_, octal: string) =>
    String.fromCharCode(Number.parseInt(octal, 8)),
  );
  const lower = decoded.trim().toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/** `/hostedzone/Z123` or `Z123` → `Z123`; throws InvalidDnsChangeError on anything else. */
export function normalizeZoneId(zoneId: string): string {
  const id = zoneId.replace(/^\/hostedzone\//, '');
  if (!/^[A-Z0-9]{1,32}$/.test(id)) {
    throw new InvalidDnsChangeError(
      `hosted zone id ${JSON.stringify(zoneId)}`,
      'expected /hostedzone/<ID> or <ID>',
    );
  }
  return id;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-f:.]+$/i;
const HOSTNAME =
  /^(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.?$/i;

/** Rejects a change batch Route 53 would refuse, naming the record and field at fault, before any call. */
export function validateDnsChanges(changes: readonly DnsChange[]): void {
  if (changes.length === 0) throw new InvalidDnsChangeError('changes', 'at least one change is required');
  if (changes.length > MAX_DNS_CHANGES_PER_BATCH) {
    throw new InvalidDnsChangeError(
      'changes',
      `${changes.length} changes exceed Route 53's ${MAX_DNS_CHANGES_PER_BATCH} per batch`,
    );
  }
  const seen = new Set<string>();
  changes.forEach((change, index) => {
    const where = `changes[${index}]`;
    if (!['UPSERT', 'CREATE', 'DELETE'].includes(change.action)) {
      throw new InvalidDnsChangeError(
        `${where}.action`,
        `${JSON.stringify(change.action)} is not UPSERT, CREATE or DELETE`,
      );
    }
    validateDnsRecord(change.record, `${where}.record`);
    const key = dnsRecordKey(change.record);
    if (seen.has(key)) throw new InvalidDnsChangeError(where, `a second change of the same record ${key}`);
    seen.add(key);
  });
}

/** Identity of a record set inside a zone: name, type and set identifier. */
export function dnsRecordKey(record: Pick<DnsRecordSet, 'name' | 'type' | 'setIdentifier'>): string {
  return `${normalizeDnsName(record.name)} ${record.type}${record.setIdentifier ? ` ${record.setIdentifier}` : ''}`;
}

function validateDnsRecord(record: DnsRecordSet, where: string): void {
  if (typeof record.name !== 'string' || !HOSTNAME.test(record.name) || record.name.length > 255) {
    throw new InvalidDnsChangeError(`${where}.name`, `${JSON.stringify(record.name)} is not a DNS name`);
  }
  if (!['A', 'AAAA', 'CNAME'].includes(record.type)) {
    throw new InvalidDnsChangeError(
      `${where}.type`,
      `${JSON.stringify(record.type)} is not A, AAAA or CNAME`,
    );
  }
  const hasValues = record.values !== undefined;
  if (hasValues === (record.alias !== undefined)) {
    throw new InvalidDnsChangeError(where, 'exactly one of values (with ttl) or alias is required');
  }
  if (record.alias) {
    if (record.ttl !== undefined)
      throw new InvalidDnsChangeError(`${where}.ttl`, 'an alias record has no TTL');
    if (!record.alias.hostedZoneId)
      throw new InvalidDnsChangeError(`${where}.alias.hostedZoneId`, 'is required');
    if (!HOSTNAME.test(record.alias.dnsName)) {
      throw new InvalidDnsChangeError(
        `${where}.alias.dnsName`,
        `${JSON.stringify(record.alias.dnsName)} is not a DNS name`,
      );
    }
  }
  if (hasValues) {
    const values = record.values ?? [];
    if (
      record.ttl === undefined ||
      !Number.isInteger(record.ttl) ||
      record.ttl < 0 ||
      record.ttl > 2_147_483_647
    ) {
      throw new InvalidDnsChangeError(
        `${where}.ttl`,
        `${String(record.ttl)} must be a whole number of seconds`,
      );
    }
    if (values.length === 0)
      throw new InvalidDnsChangeError(`${where}.values`, 'at least one value is required');
    if (record.type === 'CNAME' && values.length !== 1) {
      throw new InvalidDnsChangeError(
        `${where}.values`,
        `a CNAME has exactly one value, got ${values.length}`,
      );
    }
    values.forEach((value, i) => {
      const ok =
        record.type === 'A'
          ? IPV4.test(value)
          : record.type === 'AAAA'
            ? IPV6.test(value) && value.includes(':')
            : HOSTNAME.test(value);
      if (!ok) {
        throw new InvalidDnsChangeError(
          `${where}.values[${i}]`,
          `${JSON.stringify(value)} is not a valid ${record.type} value`,
        );
      }
    });
  }
  const routed = record.failover !== undefined || record.weight !== undefined || record.region !== undefined;
  if (routed && !record.setIdentifier) {
    throw new InvalidDnsChangeError(`${where}.setIdentifier`, 'is required with failover, weight or region');
  }
  if (record.setIdentifier !== undefined && !routed) {
    throw new InvalidDnsChangeError(`${where}.setIdentifier`, 'needs one of failover, weight or region');
  }
  if (record.failover !== undefined && !['PRIMARY', 'SECONDARY'].includes(record.failover)) {
    throw new InvalidDnsChangeError(
      `${where}.failover`,
      `${JSON.stringify(record.failover)} is not PRIMARY or SECONDARY`,
    );
  }
  if (
    record.weight !== undefined &&
    (!Number.isInteger(record.weight) || record.weight < 0 || record.weight > 255)
  ) {
    throw new InvalidDnsChangeError(
      `${where}.weight`,
      `${String(record.weight)} must be a whole number from 0 to 255`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------
// Metrics and notifications

/** CloudWatch namespace of every eks-dr metric. */
export const METRICS_NAMESPACE = 'EksDr';

/** Units eks-dr publishes in. */
export type MetricUnit = 'Seconds' | 'Milliseconds' | 'Count' | 'Bytes' | 'Percent' | 'None';

/** One data point; the `Plan` dimension is added by the publisher. */
export interface MetricPoint {
  name: string;
  value: number;
  unit: MetricUnit;
  timestamp?: Date;
  /** Extra dimensions besides Plan (e.g. `Step`). */
  dimensions?: Record<string, string>;
}

/** Publishes metric data points under namespace `EksDr` with dimension `Plan`. */
export interface MetricsPublisher {
  publish(plan: string, points: readonly MetricPoint[]): Promise<void>;
}

/** Sends a human-readable notification (the SNS topic of the plan). */
export interface Notifier {
  /** Resolves with the message id. */
  publish(subject: string, message: string): Promise<string>;
}

/** CloudWatch accepts at most this many dimensions per data point, Plan included. */
export const MAX_METRIC_DIMENSIONS = 30;

/** Throws InvalidMetricError unless the plan is a usable dimension value and every point is publishable. */
export function validateMetrics(plan: string, points: readonly MetricPoint[]): void {
  if (typeof plan !== 'string' || plan.length === 0 || plan.length > 1024) {
    throw new InvalidMetricError(
      'plan',
      `${JSON.stringify(plan)} must be 1–1024 characters (it is the Plan dimension)`,
    );
  }
  points.forEach((point, index) => {
    const where = `points[${index}]`;
    if (typeof point.name !== 'string' || point.name.length === 0 || point.name.length > 255) {
      throw new InvalidMetricError(`${where}.name`, `${JSON.stringify(point.name)} must be 1–255 characters`);
    }
    if (typeof point.value !== 'number' || !Number.isFinite(point.value)) {
      throw new InvalidMetricError(
        `${where}.value`,
        `${String(point.value)} of ${point.name} must be a finite number`,
      );
    }
    const dimensions = Object.entries(point.dimensions ?? {}).filter(([name]) => name !== 'Plan');
    for (const [name, value] of dimensions) {
      if (!name || !value) {
        throw new InvalidMetricError(
          `${where}.dimensions`,
          `dimension ${JSON.stringify(name)} needs a name and a value`,
        );
      }
    }
    if (dimensions.length + 1 > MAX_METRIC_DIMENSIONS) {
      throw new InvalidMetricError(
        `${where}.dimensions`,
        `${dimensions.length + 1} dimensions exceed CloudWatch's ${MAX_METRIC_DIMENSIONS}`,
      );
    }
  });
}

// ---------------------------------------------------------------------------------------------------
// Workflows (Step Functions)

/** Status of a workflow execution. */
export type ExecutionStatus =
  | 'RUNNING'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'TIMED_OUT'
  | 'ABORTED'
  | 'PENDING_REDRIVE';

/** A started execution. */
export interface StartedExecution {
  executionArn: string;
  startDate: Date;
}

/** An execution as listed. */
export interface ExecutionSummary extends StartedExecution {
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  stopDate?: Date;
}

/** An execution with its input, output and failure. */
export interface ExecutionDetails extends ExecutionSummary {
  input?: string;
  output?: string;
  error?: string;
  cause?: string;
}

/** Starts and inspects workflow executions. */
export interface WorkflowStarter {
  /**
   * Starts an execution under a deterministic name; rejects with ExecutionAlreadyRunningError when that
   * name is taken, which is how duplicate alarm events collapse into one failover.
   */
  startExecution(stateMachineArn: string, name: string, input: unknown): Promise<StartedExecution>;
  describeExecution(executionArn: string): Promise<ExecutionDetails>;
  listRunningExecutions(stateMachineArn: string): Promise<ExecutionSummary[]>;
}

// Step Functions names: 1–80 characters, none of whitespace, brackets, wildcards, these punctuation marks,
// or control characters.
const EXECUTION_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]{1,80}$/u;

/** Throws InvalidExecutionNameError unless Step Functions would accept the name. */
export function validateExecutionName(name: string): void {
  if (typeof name !== 'string' || !EXECUTION_NAME.test(name)) {
    throw new InvalidExecutionNameError(
      name,
      '1–80 characters without whitespace, brackets, wildcards, control characters or <>{}[]?*"#%\\^|~`$&,;:/',
    );
  }
}

// ---------------------------------------------------------------------------------------------------
// Errors

/** A cluster name the region does not know. */
export class ClusterNotFoundError extends Error {
  constructor(
    readonly cluster: string,
    options: PortErrorOptions = {},
  ) {
    super(`cluster ${JSON.stringify(cluster)} not found`, options);
    this.name = 'ClusterNotFoundError';
  }
}

/** A node group the cluster does not have. */
export class NodeGroupNotFoundError extends Error {
  constructor(
    readonly cluster: string,
    readonly nodegroup: string,
    options: PortErrorOptions = {},
  ) {
    super(`node group ${JSON.stringify(nodegroup)} not found in cluster ${JSON.stringify(cluster)}`, options);
    this.name = 'NodeGroupNotFoundError';
  }
}

/** An update id the node group does not know. */
export class NodeGroupUpdateNotFoundError extends Error {
  constructor(
    readonly nodegroup: string,
    readonly updateId: string,
    options: PortErrorOptions = {},
  ) {
    super(
      `update ${JSON.stringify(updateId)} not found for node group ${JSON.stringify(nodegroup)}`,
      options,
    );
    this.name = 'NodeGroupUpdateNotFoundError';
  }
}

/** The node group is busy with another update or state change; retry later. */
export class NodeGroupBusyError extends Error {
  constructor(
    readonly nodegroup: string,
    detail: string,
    options: PortErrorOptions = {},
  ) {
    super(`node group ${JSON.stringify(nodegroup)}: ${detail}`, options);
    this.name = 'NodeGroupBusyError';
  }
}

/** Scaling sizes that are inconsistent, or that EKS refused (above the account limit, for instance). */
export class InvalidScalingConfigError extends Error {
  constructor(
    readonly nodegroup: string,
    detail: string,
    options: PortErrorOptions = {},
  ) {
    super(`scaling config of node group ${JSON.stringify(nodegroup)}: ${detail}`, options);
    this.name = 'InvalidScalingConfigError';
  }
}

/** A hosted zone that does not exist. */
export class HostedZoneNotFoundError extends Error {
  constructor(
    readonly zoneId: string,
    options: PortErrorOptions = {},
  ) {
    super(`hosted zone ${JSON.stringify(zoneId)} not found`, options);
    this.name = 'HostedZoneNotFoundError';
  }
}

/** A change id Route 53 does not know. */
export class DnsChangeNotFoundError extends Error {
  constructor(
    readonly changeId: string,
    options: PortErrorOptions = {},
  ) {
    super(`DNS change ${JSON.stringify(changeId)} not found`, options);
    this.name = 'DnsChangeNotFoundError';
  }
}

/** A change batch that is malformed or that Route 53 refused (InvalidChangeBatch, InvalidInput). */
export class InvalidDnsChangeError extends Error {
  constructor(
    readonly field: string,
    detail: string,
    options: PortErrorOptions = {},
  ) {
    super(`${field}: ${detail}`, options);
    this.name = 'InvalidDnsChangeError';
  }
}

/** A record set whose routing policy eks-dr cannot represent, so it could not be restored on failback. */
export class UnsupportedDnsRecordError extends Error {
  constructor(
    readonly record: string,
    detail: string,
    options: PortErrorOptions = {},
  ) {
    super(`record ${record}: ${detail}`, options);
    this.name = 'UnsupportedDnsRecordError';
  }
}

/** Route 53 kept answering PriorRequestNotComplete or Throttling after every retry. */
export class DnsThrottledError extends Error {
  constructor(
    readonly operation: string,
    readonly attempts: number,
    options: PortErrorOptions = {},
  ) {
    super(`Route 53 ${operation} still throttled after ${attempts} attempts`, options);
    this.name = 'DnsThrottledError';
  }
}

/** A metric data point CloudWatch would refuse. */
export class InvalidMetricError extends Error {
  constructor(
    readonly field: string,
    detail: string,
    options: PortErrorOptions = {},
  ) {
    super(`metric ${field}: ${detail}`, options);
    this.name = 'InvalidMetricError';
  }
}

/** A notification topic that does not exist or refused the message. */
export class NotificationFailedError extends Error {
  constructor(
    readonly topic: string,
    detail: string,
    options: PortErrorOptions = {},
  ) {
    super(`notification to ${topic}: ${detail}`, options);
    this.name = 'NotificationFailedError';
  }
}

/** An execution name Step Functions would refuse. */
export class InvalidExecutionNameError extends Error {
  constructor(
    readonly executionName: string,
    detail: string,
    options: PortErrorOptions = {},
  ) {
    super(`execution name ${JSON.stringify(executionName)}: ${detail}`, options);
    this.name = 'InvalidExecutionNameError';
  }
}

/**
 * An execution with this name exists already (running, or closed within the last 90 days with another
 * input): the duplicate is dropped. `executionArn` is the existing execution.
 */
export class ExecutionAlreadyRunningError extends Error {
  constructor(
    readonly executionName: string,
    readonly executionArn: string,
    options: PortErrorOptions = {},
  ) {
    super(`execution ${JSON.stringify(executionName)} already exists (${executionArn})`, options);
    this.name = 'ExecutionAlreadyRunningError';
  }
}

/** An execution ARN Step Functions does not know. */
export class ExecutionNotFoundError extends Error {
  constructor(
    readonly executionArn: string,
    options: PortErrorOptions = {},
  ) {
    super(`execution ${executionArn} not found`, options);
    this.name = 'ExecutionNotFoundError';
  }
}

/** A state machine ARN Step Functions does not know. */
export class StateMachineNotFoundError extends Error {
  constructor(
    readonly stateMachineArn: string,
    options: PortErrorOptions = {},
  ) {
    super(`state machine ${stateMachineArn} not found`, options);
    this.name = 'StateMachineNotFoundError';
  }
}

/** Execution input Step Functions would refuse (not JSON, or above its 256 KiB limit). */
export class InvalidExecutionInputError extends Error {
  constructor(
    readonly executionName: string,
    detail: string,
    options: PortErrorOptions = {},
  ) {
    super(`input of execution ${JSON.stringify(executionName)}: ${detail}`, options);
    this.name = 'InvalidExecutionInputError';
  }
}

/** A state machine or execution ARN that is malformed (Step Functions InvalidArn). */
export class InvalidWorkflowArnError extends Error {
  constructor(
    readonly arn: string,
    detail: string,
    options: PortErrorOptions = {},
  ) {
    super(`ARN ${JSON.stringify(arn)}: ${detail}`, options);
    this.name = 'InvalidWorkflowArnError';
  }
}
