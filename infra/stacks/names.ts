// Names and ARNs both stacks agree on without cross-region references: each is derived from the plan alone,
// so the primary stack can point at the DR bucket, key, topic and roles (and back) before either exists.
import { Arn, ArnFormat, type Stack } from 'aws-cdk-lib';
import { backupsPrefix } from '../../src/archive/layout.ts';
import type { DrPlan } from '../../src/plan/index.ts';
import type { WorkflowName } from '../../src/workflows/definitions.ts';

/** Which half of the plan a stack serves. */
export type Side = 'primary' | 'dr';

/** The region of one side. */
export function regionOf(plan: DrPlan, side: Side): string {
  return side === 'primary' ? plan.primary.region : plan.dr.region;
}

/** The workflows each side runs: backups in the primary region, recoveries in the DR region. */
export const sideWorkflows: Readonly<Record<Side, readonly WorkflowName[]>> = {
  primary: ['backup'],
  dr: ['failover', 'failback', 'drill'],
};

/** Which side runs a workflow. */
export function sideOfWorkflow(workflow: WorkflowName): Side {
  return sideWorkflows.primary.includes(workflow) ? 'primary' : 'dr';
}

/** `<plan>-eks-dr-<workflow>`: fixed, so functions get the ARN without a reference (no dependency cycle). */
export function stateMachineName(plan: DrPlan, workflow: WorkflowName): string {
  return `${plan.name}-eks-dr-${workflow}`;
}

/** The SNS topic of reports, approvals and alarms (DR region). */
export function topicName(plan: DrPlan): string {
  return plan.notification.topicName ?? `${plan.name}-eks-dr`;
}

/** The recovery ledger table of the plan (DR region): one claim per plan and the active side. */
export function ledgerTableName(plan: DrPlan): string {
  return `${plan.name}-eks-dr-recovery-ledger`;
}

/** The alias of the KMS key a stack creates when the plan names none. */
export function keyAlias(plan: DrPlan, side: Side): string {
  return `alias/${plan.name}-eks-dr-${side}`;
}

/** `<plan>-eks-dr-<p|dr>-<file>`: fixed, because the other region's stack grants it cluster access. */
export function functionRoleName(plan: DrPlan, side: Side, file: string): string {
  return `${plan.name}-eks-dr-${side === 'primary' ? 'p' : 'dr'}-${file}`;
}

/** The key prefix every backup object lives under in both buckets: `<prefix>/backups/`. */
export function backupKeyPrefix(plan: DrPlan): string {
  return backupsPrefix(plan.backup.prefix);
}

/** ARN of a state machine of this plan, in the region that runs it. */
export function stateMachineArn(stack: Stack, plan: DrPlan, workflow: WorkflowName): string {
  return Arn.format(
    {
      service: 'states',
      region: regionOf(plan, sideOfWorkflow(workflow)),
      resource: 'stateMachine',
      resourceName: stateMachineName(plan, workflow),
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    },
    stack,
  );
}

/** ARN pattern of the executions of one state machine. */
export function executionsArn(stack: Stack, plan: DrPlan, workflow: WorkflowName): string {
  return Arn.format(
    {
      service: 'states',
      region: regionOf(plan, sideOfWorkflow(workflow)),
      resource: 'execution',
      resourceName: `${stateMachineName(plan, workflow)}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    },
    stack,
  );
}

/** ARN of the plan's SNS topic. */
export function topicArn(stack: Stack, plan: DrPlan): string {
  return Arn.format({ service: 'sns', region: plan.dr.region, resource: topicName(plan) }, stack);
}

/** ARN of a function role of this plan (IAM is global). */
export function functionRoleArn(stack: Stack, plan: DrPlan, side: Side, file: string): string {
  return Arn.format(
    { service: 'iam', region: '', resource: 'role', resourceName: functionRoleName(plan, side, file) },
    stack,
  );
}

/** ARN of an EKS cluster. */
export function clusterArn(stack: Stack, region: string, cluster: string): string {
  return Arn.format({ service: 'eks', region, resource: 'cluster', resourceName: cluster }, stack);
}

/** ARN pattern of one managed node group (its id suffix is not known before it exists). */
export function nodegroupArn(stack: Stack, region: string, cluster: string, nodegroup: string): string {
  return Arn.format(
    { service: 'eks', region, resource: 'nodegroup', resourceName: `${cluster}/${nodegroup}/*` },
    stack,
  );
}

/** The default event bus of a region. */
export function defaultBusArn(stack: Stack, region: string): string {
  return Arn.format({ service: 'events', region, resource: 'event-bus', resourceName: 'default' }, stack);
}
