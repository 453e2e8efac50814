import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The four workflows, each one ASL file in statemachines/. */
export const workflowNames = ['backup', 'failover', 'failback', 'drill'] as const;
export type WorkflowName = (typeof workflowNames)[number];

/** The Lambda functions the workflows call, by the stem of their `${<Stem>FunctionArn}` placeholder. */
export const workflowFunctions = [
  'Guard',
  'Approval',
  'SelectBackup',
  'Capacity',
  'Restore',
  'WorkloadsReady',
  'Health',
  'Dns',
  'Snapshot',
  'Volumes',
  'Copy',
  'Prune',
  'Report',
] as const;
export type WorkflowFunction = (typeof workflowFunctions)[number];

/** Raised when an ASL file cannot be used: unreadable, or a placeholder without a value. */
export class WorkflowDefinitionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WorkflowDefinitionError';
  }
}

const STATEMACHINES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'statemachines');

/** Path of a workflow's ASL file. */
export function definitionFile(workflow: WorkflowName): string {
  return join(STATEMACHINES_DIR, `${workflow}.asl.json`);
}

/** Path of the YAML source the ASL file is rendered from (src/workflows/render.ts). */
export function sourceFile(workflow: WorkflowName): string {
  return join(STATEMACHINES_DIR, 'source', `${workflow}.asl.yaml`);
}

/** Path of the one file that names every Retry policy the sources refer to. */
export const retryPoliciesFile: string = join(STATEMACHINES_DIR, 'source', 'retry-policies.yaml');

/** The ASL text of a workflow, placeholders still in. */
export function readDefinition(workflow: WorkflowName): string {
  return readFileSync(definitionFile(workflow), 'utf8');
}

/** Every `${Name}` placeholder in an ASL text, sorted and unique: what definitionSubstitutions must fill. */
export function placeholdersOf(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1] as string))].sort();
}

/** `${CapacityFunctionArn}` → `Capacity`, or undefined for other placeholders. */
export function functionOfPlaceholder(placeholder: string): WorkflowFunction | undefined {
  const stem = placeholder.replace(/FunctionArn$/, '');
  return (workflowFunctions as readonly string[]).includes(stem) && stem !== placeholder
    ? (stem as WorkflowFunction)
    : undefined;
}

/** Fills every placeholder; one without a value is an error naming it and the file. */
export function substitute(text: string, values: Readonly<Record<string, string>>, source: string): string {
  const missing = placeholdersOf(text).filter((name) => values[name] === undefined);
  if (missing.length > 0) {
    throw new WorkflowDefinitionError(`${source}: no value for ${missing.map((m) => `\${${m}}`).join(', ')}`);
  }
  return text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, name: string) => values[name] as string);
}
