// `cdk synth` / `cdk deploy` entry point: one config file in, the eks-dr stacks out.
import { App } from 'aws-cdk-lib';
import { InvalidPlanError, PlanFileError } from '../../src/plan/index.ts';
import { buildApp, loadConfig, resolveConfigPath } from '../app.ts';

const app = new App();
const { path, note } = resolveConfigPath({
  context: app.node.tryGetContext('config') as string | undefined,
  environment: process.env.EKS_DR_CONFIG,
});
if (note !== undefined) console.error(note);
try {
  const plan = loadConfig(path);
  const account =
    (app.node.tryGetContext('account') as string | undefined) ?? process.env.CDK_DEFAULT_ACCOUNT;
  buildApp(app, plan, account === undefined ? {} : { account });
  app.synth();
} catch (error) {
  // A plan at fault is the user's to fix: its message names the file and every field, and a stack trace
  // would bury it. Anything else is a bug in eks-dr and keeps its stack.
  if (!(error instanceof InvalidPlanError || error instanceof PlanFileError)) throw error;
  console.error(`eks-dr: ${error.message}`);
  process.exitCode = 1;
}
