// Loading a DR plan from a file (CDK app, CLI): JSON or YAML, chosen by extension. Kept apart from
// load-plan.ts so the Lambda bundles, which only read JSON from the environment, carry neither `yaml` nor
// file access.
import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { InvalidPlanError, PlanFileError, ROOT } from './errors.ts';
import { parseJsonPlan, parsePlan } from './load-plan.ts';
import type { DrPlan } from './plan-schema.ts';

/** The text formats a plan file may be written in, chosen by its extension. */
export type PlanFormat = 'json' | 'yaml';

const FORMATS: Record<string, PlanFormat> = { '.json': 'json', '.yaml': 'yaml', '.yml': 'yaml' };

/** Parses plan text as JSON or YAML and validates it; syntax errors carry the line and column. */
export function parsePlanText(text: string, source: string, format: PlanFormat): DrPlan {
  if (text.trim() === '') throw new InvalidPlanError(source, [{ path: ROOT, message: 'is empty' }]);
  return parsePlan(format === 'json' ? parseJsonPlan(text, source) : parseYaml(text, source), source);
}

/** Reads and validates a plan file: `.json`, or `.yaml`/`.yml`. The file name is in every error. */
export function loadPlanFile(path: string): DrPlan {
  const format = FORMATS[extname(path).toLowerCase()];
  if (format === undefined) {
    throw new PlanFileError(
      path,
      `unsupported file type ${JSON.stringify(extname(path))}: use .json, .yaml or .yml`,
    );
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PlanFileError(path, readFailure(error, path), { cause: error });
  }
  return parsePlanText(text, path, format);
}

function parseYaml(text: string, source: string): unknown {
  // A YAML 1.2 core schema: `no`, `on` and `off` stay strings, unlike YAML 1.1 parsers.
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const [first] = document.errors;
  if (first !== undefined) {
    throw new InvalidPlanError(
      source,
      [{ path: ROOT, message: `not valid YAML: ${first.message.split('\n')[0]}` }],
      { cause: first },
    );
  }
  try {
    return document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // yaml refuses alias chains that expand past the cap (a "billion laughs" file) with a bare ReferenceError.
    throw new InvalidPlanError(
      source,
      [{ path: ROOT, message: `not a usable YAML document: ${(error as Error).message}` }],
      { cause: error },
    );
  }
}

function readFailure(error: unknown, path: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return `file not found (looked for ${resolve(path)})`;
    case 'EISDIR':
      return 'is a directory, expected a plan file';
    case 'EACCES':
    case 'EPERM':
      return 'cannot be read: permission denied';
    default:
      return `cannot be read: ${(error as Error).message}`;
  }
}
