// Shared by the infra tests: the example plan, one app built from it (bundling skipped: bench/bundles.ts and
// bundling.test.ts build the real bundles), and readers for the parts of a template the tests look at.
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, type EksDrStacks } from '../../infra/app.ts';
import type { DrPlan } from '../../src/plan/index.ts';
import { loadPlanFile } from '../../src/plan/load-plan-file.ts';

/** The committed example config, as `npm run synth` uses it without eks-dr.config.json. */
export const EXAMPLE_CONFIG = join(import.meta.dirname, '..', '..', 'eks-dr.config.example.json');

/** The example plan, validated. */
export function examplePlan(): DrPlan {
  return loadPlanFile(EXAMPLE_CONFIG);
}

/** An app of `plan` whose Lambda assets are not bundled (no esbuild run), with or without cdk-nag. */
export function appWithoutBundling(plan: DrPlan, nag = true): { app: App; stacks: EksDrStacks } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return { app, stacks: buildApp(app, plan, { nag }) };
}

/** An IAM policy statement as it appears in a template. */
export interface TemplateStatement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** Every statement of every AWS::IAM::Policy in a template, with the policy's logical id. */
export function policyStatements(template: Template): { policy: string; statement: TemplateStatement }[] {
  const result: { policy: string; statement: TemplateStatement }[] = [];
  for (const [policy, resource] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
    const statements = (resource as { Properties: { PolicyDocument: { Statement: TemplateStatement[] } } })
      .Properties.PolicyDocument.Statement;
    for (const statement of statements) result.push({ policy, statement });
  }
  return result;
}

/** The actions of a statement as an array. */
export function actionsOf(statement: TemplateStatement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** The resources of a statement as an array. */
export function resourcesOf(statement: TemplateStatement): unknown[] {
  return Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
}

/** A CloudFormation value rendered as text, intrinsic functions included, for matching ARNs. */
export function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object') {
    const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join) return join[1].map(flatten).join(join[0]);
    const ref = (value as { Ref?: string }).Ref;
    if (ref) return `<${ref}>`;
    const getAtt = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
    if (getAtt) return `<${getAtt[0]}.${getAtt[1]}>`;
    // A value exported by another stack of the same region (e.g. the signing key's ARN).
    const imported = (value as { 'Fn::ImportValue'?: unknown })['Fn::ImportValue'];
    if (imported !== undefined) return `<import:${flatten(imported)}>`;
  }
  return JSON.stringify(value);
}

/** The template of a stack. */
export function templateOf(stack: Parameters<typeof Template.fromStack>[0]): Template {
  return Template.fromStack(stack);
}
