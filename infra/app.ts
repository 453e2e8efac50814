// Builds the eks-dr CDK app from one validated plan: the DR stack, the primary stack, and an alarm forwarder
// for each other region holding plan alarms (us-east-1 for Route 53 health checks). cdk-nag checks them all.
import { existsSync } from 'node:fs';
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { DrPlan } from '../src/plan/index.ts';
import { loadPlanFile } from '../src/plan/load-plan-file.ts';
import { AlarmForwarderStack } from './stacks/alarm-forwarder-stack.ts';
import { alarmRegion } from './stacks/alarm-forwarding.ts';
import { DrStack } from './stacks/dr-stack.ts';
import { PrimaryStack } from './stacks/primary-stack.ts';
import { SigningKeyStack } from './stacks/signing-key.ts';

/** The config file used when none is named and eks-dr.config.json does not exist. */
export const EXAMPLE_CONFIG = 'eks-dr.config.example.json';
/** The config file used when none is named. */
export const DEFAULT_CONFIG = 'eks-dr.config.json';

/** Where the config comes from: `-c config=...`, then EKS_DR_CONFIG, then the default, then the example. */
export interface ConfigSource {
  /** The `config` context value. */
  readonly context?: string;
  /** The EKS_DR_CONFIG environment variable. */
  readonly environment?: string;
  /** Tells whether a file exists (tests pass a stand-in). @default fs.existsSync */
  readonly exists?: (path: string) => boolean;
}

/** The config path to load, and a note for the person running synth when the example stands in. */
export function resolveConfigPath(source: ConfigSource): { path: string; note?: string } {
  const named = source.context ?? source.environment;
  if (named !== undefined && named !== '') return { path: named };
  const exists = source.exists ?? existsSync;
  if (exists(DEFAULT_CONFIG)) return { path: DEFAULT_CONFIG };
  return {
    path: EXAMPLE_CONFIG,
    note: `eks-dr: ${DEFAULT_CONFIG} not found, synthesizing ${EXAMPLE_CONFIG}; copy it to ${DEFAULT_CONFIG} and edit it before deploying`,
  };
}

/** Reads and validates the plan; an invalid file fails with every field at fault named. */
export function loadConfig(path: string): DrPlan {
  return loadPlanFile(path);
}

/** The stacks of one plan. */
export interface EksDrStacks {
  readonly primary: PrimaryStack;
  readonly dr: DrStack;
  /** The multi-Region manifest signing key, in the primary region; the DR stack holds its replica. */
  readonly signingKey: SigningKeyStack;
  readonly forwarders: readonly AlarmForwarderStack[];
}

/** Options of buildApp. */
export interface BuildOptions {
  /** The AWS account to deploy to. @default environment-agnostic (resolved at deploy time) */
  readonly account?: string;
  /** Register cdk-nag's AwsSolutions checks. @default true */
  readonly nag?: boolean;
}

/** Adds the plan's stacks to `app`. */
export function buildApp(app: App, plan: DrPlan, options: BuildOptions = {}): EksDrStacks {
  const account = options.account === undefined ? {} : { account: options.account };
  // Server access logs are delivered through a bucket policy, so ACLs stay disabled on every bucket.
  app.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
  const prefix = `EksDr-${plan.name}`;
  // First of all: the DR stack replicates this key, and the primary stack deploys after the DR stack.
  const signingKey = new SigningKeyStack(app, `${prefix}-SigningKey`, {
    plan,
    env: { ...account, region: plan.primary.region },
    description: `eks-dr ${plan.name}: the key that signs backup manifests, in ${plan.primary.region}`,
  });
  const dr = new DrStack(app, `${prefix}-Dr`, {
    plan,
    primarySigningKeyArn: signingKey.keyArn,
    env: { ...account, region: plan.dr.region },
    description: `eks-dr ${plan.name}: recovery workflows in ${plan.dr.region}`,
  });
  const primary = new PrimaryStack(app, `${prefix}-Primary`, {
    plan,
    signingKeyArn: signingKey.keyArn,
    env: { ...account, region: plan.primary.region },
    description: `eks-dr ${plan.name}: backups of ${plan.primary.clusterName} in ${plan.primary.region}`,
  });
  // The primary stack copies into the DR bucket and grants DR function roles access to the primary cluster.
  primary.addStackDependency(dr);
  const otherRegions = [...new Set(plan.failover.alarms.map((alarm) => alarmRegion(plan, alarm)))]
    .filter((region) => region !== plan.primary.region && region !== plan.dr.region)
    .sort();
  const forwarders = otherRegions.map(
    (region) =>
      new AlarmForwarderStack(app, `${prefix}-AlarmForwarder-${region}`, {
        plan,
        alarmRegion: region,
        env: { ...account, region },
        description: `eks-dr ${plan.name}: forwards plan alarms of ${region} to ${plan.dr.region}`,
      }),
  );
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { primary, dr, signingKey, forwarders };
}
