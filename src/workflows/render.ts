// The workflows are written as YAML in statemachines/source/, where a state's `Retry` names policies of the
// one shared statemachines/source/retry-policies.yaml instead of repeating them. Rendering writes each policy
// in full into statemachines/<name>.asl.json, standard ASL that CDK and the local runner load as it is, and
// that reads on its own (and can be checked by anything that reads ASL) without knowing about the source.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { isRecord } from '../util/is-record.ts';
import * as z from '../util/zod.ts';
import {
  retryPoliciesFile,
  sourceFile,
  WorkflowDefinitionError,
  type WorkflowName,
  workflowNames,
} from './definitions.ts';

const retrierSchema = z.strictObject({
  ErrorEquals: z
    .array(z.string().check(z.minLength(1)))
    .check(z.minLength(1, 'expected at least one error name')),
  IntervalSeconds: z.optional(z.int().check(z.gte(1))),
  MaxAttempts: z.optional(z.int().check(z.gte(0))),
  BackoffRate: z.optional(z.number().check(z.gte(1))),
  MaxDelaySeconds: z.optional(z.int().check(z.gte(1))),
  JitterStrategy: z.optional(z.enum(['FULL', 'NONE'])),
});

/** One ASL retrier, as Step Functions reads it. */
export type Retrier = z.infer<typeof retrierSchema>;

/** The named Retry policies, in the order the policies file lists them. */
export type RetryPolicies = ReadonlyMap<string, Retrier>;

/** A text to parse and the name its errors give it (a path relative to the repository). */
export interface SourceText {
  readonly file: string;
  readonly text: string;
}

const POLICY_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Reads the policies file: a mapping from a kebab-case name to one standard ASL retrier. */
export function parseRetryPolicies({ file, text }: SourceText): RetryPolicies {
  const document = parseYaml(file, text);
  if (!isRecord(document)) throw new WorkflowDefinitionError(`${file}: expected a mapping of policy names`);
  const policies = new Map<string, Retrier>();
  for (const [name, value] of Object.entries(document)) {
    if (!POLICY_NAME.test(name)) {
      throw new WorkflowDefinitionError(`${file}: policy name ${JSON.stringify(name)} is not kebab-case`);
    }
    const parsed = z.safeParse(retrierSchema, value);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) =>
        issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
      );
      throw new WorkflowDefinitionError(`${file}: policy ${name}: ${problems.join('; ')}`);
    }
    policies.set(name, parsed.data);
  }
  if (policies.size === 0) throw new WorkflowDefinitionError(`${file}: names no policy`);
  return policies;
}

/** A rendered workflow: the ASL text (2-space JSON, newline-terminated) and the policies it used. */
export interface RenderedWorkflow {
  readonly json: string;
  readonly policiesUsed: ReadonlySet<string>;
}

/** Renders one source: every `Retry` list of names, at any depth, becomes the named retriers in that order. */
export function renderWorkflow(source: SourceText, policies: RetryPolicies): RenderedWorkflow {
  const document = parseYaml(source.file, source.text);
  if (!isRecord(document) || !isRecord(document.States)) {
    throw new WorkflowDefinitionError(`${source.file}: expected a state machine with a States mapping`);
  }
  const used = new Set<string>();
  resolveStates(document.States, [], { file: source.file, policies, used });
  return { json: `${JSON.stringify(document, null, 2)}\n`, policiesUsed: used };
}

/**
 * Renders every source against one policies file. A policy no workflow uses is an error too: the policies
 * file is where a reader learns what the workflows retry, so it lists nothing that is not in force.
 */
export function renderWorkflowSources<W extends string>(
  policiesSource: SourceText,
  sources: readonly (SourceText & { readonly workflow: W })[],
): Map<W, string> {
  const policies = parseRetryPolicies(policiesSource);
  const rendered = new Map<W, string>();
  const unused = new Set(policies.keys());
  for (const source of sources) {
    const { json, policiesUsed } = renderWorkflow(source, policies);
    for (const name of policiesUsed) unused.delete(name);
    rendered.set(source.workflow, json);
  }
  if (unused.size > 0) {
    throw new WorkflowDefinitionError(
      `${policiesSource.file}: no state uses ${[...unused].join(', ')}: remove it or refer to it`,
    );
  }
  return rendered;
}

/** Renders the four workflows from statemachines/source/, as `npm run workflows` writes them. */
export function renderWorkflows(): Map<WorkflowName, string> {
  const read = (path: string, file: string): SourceText => {
    try {
      return { file, text: readFileSync(path, 'utf8') };
    } catch (error) {
      throw new WorkflowDefinitionError(`${file}: cannot be read: ${(error as Error).message}`, {
        cause: error,
      });
    }
  };
  const sources = workflowNames.map((workflow) => ({
    workflow,
    ...read(sourceFile(workflow), `statemachines/source/${workflow}.asl.yaml`),
  }));
  return renderWorkflowSources(read(retryPoliciesFile, 'statemachines/source/retry-policies.yaml'), sources);
}

interface ResolveContext {
  readonly file: string;
  readonly policies: RetryPolicies;
  readonly used: Set<string>;
}

// Parallel branches and Map item processors hold states of their own, which may retry too.
function resolveStates(
  states: Record<string, unknown>,
  outer: readonly string[],
  context: ResolveContext,
): void {
  for (const [name, state] of Object.entries(states)) {
    if (!isRecord(state)) continue;
    const path = [...outer, name];
    if (state.Retry !== undefined) state.Retry = resolveRetry(state.Retry, path, context);
    const nested = [
      ...(Array.isArray(state.Branches) ? state.Branches : []),
      state.Iterator,
      state.ItemProcessor,
    ];
    for (const machine of nested) {
      if (isRecord(machine) && isRecord(machine.States)) resolveStates(machine.States, path, context);
    }
  }
}

function resolveRetry(
  retry: unknown,
  path: readonly string[],
  { file, policies, used }: ResolveContext,
): Retrier[] {
  const where = `${file}: state ${path.join(' › ')}`;
  if (!Array.isArray(retry)) {
    throw new WorkflowDefinitionError(`${where}: Retry must list policy names, e.g. [lambda-service-errors]`);
  }
  const seen = new Set<string>();
  return retry.map((entry, index) => {
    if (typeof entry !== 'string') {
      throw new WorkflowDefinitionError(
        `${where}: Retry[${index}] is written inline: name it in retry-policies.yaml and refer to it by name`,
      );
    }
    const policy = policies.get(entry);
    if (policy === undefined) {
      throw new WorkflowDefinitionError(
        `${where}: unknown retry policy ${JSON.stringify(entry)} (retry-policies.yaml names ${[...policies.keys()].join(', ')})`,
      );
    }
    if (seen.has(entry)) throw new WorkflowDefinitionError(`${where}: Retry names ${entry} twice`);
    seen.add(entry);
    used.add(entry);
    return structuredClone(policy);
  });
}

function parseYaml(file: string, text: string): unknown {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const [first] = document.errors;
  if (first !== undefined) {
    throw new WorkflowDefinitionError(`${file}: not valid YAML: ${first.message.split('\n')[0]}`, {
      cause: first,
    });
  }
  return document.toJS();
}
