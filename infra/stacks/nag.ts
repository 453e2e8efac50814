// cdk-nag AwsSolutions-IAM5 acknowledgments for the wildcards that remain after scoping. Each resource
// pattern has its reason; a wildcard matching none of them stays unacknowledged, so cdk-nag reports it.
import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { Construct } from 'constructs';

/** Why a wildcard resource cannot be narrower, by the shape of the resource. */
export const WILDCARD_REASONS: readonly { readonly pattern: RegExp; readonly reason: string }[] = [
  {
    pattern: /^\*$/,
    reason:
      'No resource-level permission exists: X-Ray, Step Functions log delivery, ec2:Describe*, and cloudwatch:PutMetricData (limited by a cloudwatch:namespace condition to EksDr).',
  },
  {
    pattern: /^<[A-Za-z0-9]+\.Arn>:\*$/,
    reason: 'lambda:InvokeFunction on this function with any version or alias qualifier (grantInvoke).',
  },
  {
    pattern: /:s3:::[a-z0-9.-]+\/.*backups\/\*$/,
    reason:
      'Backup objects are named per run; access is limited to the plan bucket and its <prefix>/backups/ key prefix.',
  },
  {
    pattern: /:ec2:[a-z0-9-]+::snapshot\/\*$/,
    reason:
      'Snapshot ids exist only after CreateSnapshot/CopySnapshot; every statement on them is conditioned on the eks-dr:backup tag.',
  },
  {
    pattern: /:ec2:[a-z0-9-]+:<AWS::AccountId>:volume\/\*$/,
    reason:
      'The volumes behind PersistentVolumes are found at runtime; new volumes must carry the eks-dr:restore tag.',
  },
  {
    pattern: /:kms:[a-z0-9-]+:<AWS::AccountId>:key\/\*$/,
    reason:
      "The other region's key is created by its own stack; the statement is limited to it by the kms:ResourceAliases condition and kms:ViaService.",
  },
  {
    pattern: /:states:[a-z0-9-]+:<AWS::AccountId>:execution:[A-Za-z0-9-]+:\*$/,
    reason: 'Execution names are made per run; limited to the executions of this plan’s state machine.',
  },
  {
    pattern: /:eks:[a-z0-9-]+:<AWS::AccountId>:nodegroup\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+\/\*$/,
    reason:
      'A node group ARN ends in an id EKS assigns at creation; limited to the plan’s cluster and node group name.',
  },
  {
    pattern: /:route53:::change\/\*$/,
    reason: 'Change ids are returned by ChangeResourceRecordSets; GetChange only reads their status.',
  },
];

/** Acknowledges, on each IAM policy of `scope`, the wildcard resources WILDCARD_REASONS explains. */
export function acknowledgeWildcards(scope: Construct): void {
  const stack = Stack.of(scope);
  for (const node of scope.node.findAll()) {
    if (!(node instanceof iam.CfnPolicy)) continue;
    const document = stack.resolve(node.policyDocument) as {
      Statement?: { Effect: string; Resource?: unknown }[];
    };
    const findings = new Set<string>();
    for (const statement of document.Statement ?? []) {
      if (statement.Effect !== 'Allow') continue;
      const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
      for (const resource of resources) {
        const flat = flattenCfnReference(resource);
        if (flat.includes('*')) findings.add(flat);
      }
    }
    for (const finding of findings) {
      const reason = WILDCARD_REASONS.find((entry) => entry.pattern.test(finding))?.reason;
      if (reason === undefined) continue;
      Validations.of(node).acknowledge({ id: `AwsSolutions-IAM5[Resource::${finding}]`, reason });
    }
  }
}
