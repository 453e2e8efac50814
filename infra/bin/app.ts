// `cdk synth` / `cdk deploy` entry point: one config file in, the eks-dr stacks out.
import { App } from 'aws-cdk-lib';
import { buildApp, loadConfig, resolveConfigPath } from '../app.ts';

const app = new App();
const { path, note } = resolveConfigPath({
  context: app.node.tryGetContext('config') as string | undefined,
  environment: process.env.EKS_DR_CONFIG,
});
if (note !== undefined) console.error(note);
const plan = loadConfig(path);
const account = (app.node.tryGetContext('account') as string | undefined) ?? process.env.CDK_DEFAULT_ACCOUNT;
buildApp(app, plan, account === undefined ? {} : { account });
app.synth();
