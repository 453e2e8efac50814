// The plan's manifest signing key (issue #16): an asymmetric ECC_NIST_P256 SIGN_VERIFY key, multi-Region so
// the DR region verifies (and, after failback snapshots, signs) with its replica when the primary region is
// down. It lives in a stack of its own in the primary region because the replica in the DR stack needs the
// primary key's ARN, while the primary stack must deploy after the DR stack (it names DR roles and buckets).
import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { DrPlan } from '../../src/plan/index.ts';
import { functionRoleArn } from './names.ts';

/** The functions that write manifests: the snapshot, and the copy, which signs the destination manifest anew. */
export const SIGNING_FUNCTIONS = ['snapshot', 'copy'] as const;
/** The functions that read manifests through a verifier: the copy (its source) and the restore. */
export const VERIFYING_FUNCTIONS = ['copy', 'restore'] as const;

/**
 * The key policy of the primary key and its replica: the account administers the key and may grant its use by
 * IAM, but kms:Sign is denied to every principal except the signing function roles of both sides, so a grant
 * added by mistake elsewhere cannot forge a backup.
 */
export function signingKeyPolicy(stack: Stack, plan: DrPlan): Record<string, unknown> {
  const signers = (['primary', 'dr'] as const).flatMap((side) =>
    SIGNING_FUNCTIONS.map((file) => functionRoleArn(stack, plan, side, file)),
  );
  return new iam.PolicyDocument({
    statements: [
      new iam.PolicyStatement({
        sid: 'AccountAdministersTheKey',
        principals: [new iam.AccountRootPrincipal()],
        actions: ['kms:*'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'OnlyBackupWritersSign',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:Sign'],
        resources: ['*'],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': signers } },
      }),
    ],
  }).toJSON() as Record<string, unknown>;
}

/** Properties of the signing key stack. */
export interface SigningKeyStackProps extends StackProps {
  readonly plan: DrPlan;
}

/** The primary (multi-Region) signing key, in the plan's primary region. */
export class SigningKeyStack extends Stack {
  readonly key: kms.CfnKey;
  /** The key's ARN in this region. */
  readonly keyArn: string;

  constructor(scope: Construct, id: string, props: SigningKeyStackProps) {
    super(scope, id, {
      ...props,
      env: { ...props.env, region: props.plan.primary.region },
      // The DR stack reads the key ARN for its replica from another region.
      crossRegionReferences: true,
    });
    this.key = new kms.CfnKey(this, 'ManifestSigningKey', {
      description: `eks-dr ${props.plan.name}: signs backup manifests`,
      keySpec: 'ECC_NIST_P256',
      keyUsage: 'SIGN_VERIFY',
      multiRegion: true,
      // Asymmetric keys cannot rotate; a new key would leave every older backup unverifiable.
      enableKeyRotation: false,
      keyPolicy: signingKeyPolicy(this, props.plan),
    });
    // Losing the key makes every signed backup unverifiable, so the restore would refuse them all.
    this.key.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.keyArn = this.key.attrArn;
  }
}

/** The replica of the primary signing key in the DR stack's region; returns its ARN there. */
export function replicaSigningKey(scope: Construct, plan: DrPlan, primaryKeyArn: string): string {
  const replica = new kms.CfnReplicaKey(scope, 'ManifestSigningKeyReplica', {
    primaryKeyArn,
    description: `eks-dr ${plan.name}: signs and verifies backup manifests (replica)`,
    keyPolicy: signingKeyPolicy(Stack.of(scope), plan),
  });
  replica.applyRemovalPolicy(RemovalPolicy.RETAIN);
  return replica.attrArn;
}

/** kms:Sign and/or kms:Verify on the signing key of the function's region. */
export function signingKeyUse(
  keyArn: string,
  uses: { sign?: boolean; verify?: boolean },
): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: [...(uses.sign ? ['kms:Sign'] : []), ...(uses.verify ? ['kms:Verify'] : [])],
    resources: [keyArn],
  });
}
