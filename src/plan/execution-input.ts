// The input of a failover, failback or drill execution, as an operator types it into the Step Functions console or the
// trigger function sends it. `{}` means "the deployed plan, newest verified backup"; everything else is an
// explicit, validated deviation from the plan, merged here so every state reads one settled object.

import { validateBackupName } from '../archive/layout.ts';
import * as z from '../util/zod.ts';
import { InvalidExecutionInputError, toPlanIssues } from './errors.ts';
import {
  type DrPlan,
  type ExistingResourcePolicy,
  existingResourcePolicies,
  namespaceMappingSchema,
} from './plan-schema.ts';

/** What an execution does: a real failover (DNS moves) or a drill (never touches DNS). */
export type RecoveryKind = 'failover' | 'drill';

const MAX_REASON_LENGTH = 1024;

/** The execution input schema; every field is optional, so `{}` is valid and means "as planned". */
export const executionInputSchema = z
  .strictObject({
    /** The Step Functions console pre-fills `{"Comment": "Insert your JSON here"}`; accepted and ignored. */
    Comment: z.optional(z.unknown()),
    /** Must equal the deployed plan's name when given, so a runbook input cannot hit the wrong plan. */
    planName: z.optional(z.string()),
    /** Restore this backup instead of the newest verified one in the DR region. */
    backupName: z.optional(
      z.string().check(
        z.superRefine((name, ctx) => {
          try {
            validateBackupName(name);
          } catch (error) {
            ctx.addIssue({ code: 'custom', message: (error as Error).message });
          }
        }),
      ),
    ),
    /** Rehearse: restore and report RTO/RPO without moving DNS. */
    drill: z.optional(z.boolean()),
    /** Drill only: delete what was restored and return to pilot light afterwards (default: the plan's drill.cleanup). */
    cleanup: z.optional(z.boolean()),
    /** Replaces the plan's mapping (drill.namespaceMapping for drills, none for failovers). */
    namespaceMapping: z.optional(namespaceMappingSchema),
    existingResourcePolicy: z.optional(z.enum(existingResourcePolicies)),
    /** Failback only: delete from the primary what was deleted in DR (default: the plan's failback.removeDeletedInDr). */
    removeDeletedInDr: z.optional(z.boolean()),
    /** Restore a backup whose manifest carries no signature; the report says it was (the CLI's --allow-unsigned). */
    allowUnsigned: z.optional(z.boolean()),
    /** A person starting the execution is the approval; requires a reason, which goes into the report. */
    skipApproval: z.optional(z.boolean()),
    /** Free text for the report, the notification and the audit trail. */
    reason: z.optional(
      z.string().check(z.trim(), z.minLength(1, 'must not be blank'), z.maxLength(MAX_REASON_LENGTH)),
    ),
  })
  .check(
    z.superRefine((input, ctx) => {
      if (input.cleanup !== undefined && input.drill !== true) {
        ctx.addIssue({
          code: 'custom',
          path: ['cleanup'],
          message: 'only applies to a drill: set "drill": true',
        });
      }
      if (input.skipApproval === true && input.reason === undefined) {
        ctx.addIssue({ code: 'custom', path: ['reason'], message: 'is required when skipApproval is true' });
      }
    }),
  );

/** An execution input as written: every field optional. */
export type ExecutionInput = z.input<typeof executionInputSchema>;

/** The settings a failover or drill execution runs with: the plan merged with the input, nothing left open. */
export interface RecoverySettings {
  readonly planName: string;
  readonly kind: RecoveryKind;
  /** The backup to restore; null means the newest verified backup in the DR region. */
  readonly backupName: string | null;
  readonly namespaceMapping: Readonly<Record<string, string>>;
  readonly existingResourcePolicy: ExistingResourcePolicy;
  /** Wait for a person (task token) before changing anything. */
  readonly approvalRequired: boolean;
  /** Move DNS after the health gate: a failover with records in the plan. */
  readonly dnsCutover: boolean;
  /** Drill only: remove the restored objects and scale back to pilot light at the end. */
  readonly cleanup: boolean;
  readonly reason: string | null;
}

/**
 * Validates an execution input against the deployed plan and returns the settings to run with. `undefined`
 * and `null` count as `{}`. Drills never wait for approval: they change neither DNS nor the primary.
 */
export function parseExecutionInput(input: unknown, plan: DrPlan): RecoverySettings {
  const result = executionInputSchema.safeParse(input ?? {}, { reportInput: true });
  if (!result.success)
    throw new InvalidExecutionInputError(toPlanIssues(result.error), { cause: result.error });
  const given = result.data;
  if (given.planName !== undefined && given.planName !== plan.name) {
    throw new InvalidExecutionInputError([
      {
        path: 'planName',
        message: `is ${JSON.stringify(given.planName)} but this deployment runs plan ${plan.name}`,
      },
    ]);
  }
  const drill = given.drill === true;
  return {
    planName: plan.name,
    kind: drill ? 'drill' : 'failover',
    backupName: given.backupName ?? null,
    namespaceMapping: given.namespaceMapping ?? (drill ? plan.drill.namespaceMapping : {}),
    existingResourcePolicy: given.existingResourcePolicy ?? plan.existingResourcePolicy,
    approvalRequired: !drill && plan.failover.approvalRequired && given.skipApproval !== true,
    dnsCutover: !drill && plan.dns !== undefined,
    cleanup: drill && (given.cleanup ?? plan.drill.cleanup),
    reason: given.reason ?? null,
  };
}
