// Loading a DR plan from where it lives: a config file (CDK app, CLI), an environment variable (Lambda
// functions) or an already-parsed object. Every path ends in drPlanSchema, and every error names its source.
import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { InvalidPlanError, PlanFileError, ROOT, toPlanIssues } from './errors.ts';
import { type DrPlan, drPlanSchema } from './plan-schema.ts';

/** The text formats a plan file may be written in, chosen by its extension. */
export type PlanFormat = 'json' | 'yaml';

const FORMATS: Record<string, PlanFormat> = { '.json': 'json', '.yaml': 'yaml', '.yml': 'yaml' };

/** Validates a parsed plan; `source` (file name, env var) starts every line of the error. */
export function parsePlan(json: unknown, source: string): DrPlan {
  const result = drPlanSchema.safeParse(json, { reportInput: true });
  if (!result.success)
    throw new InvalidPlanError(source, toPlanIssues(result.error), { cause: result.error });
  return result.data;
}

/** Parses plan text as JSON or YAML and validates it; syntax errors carry the line and column. */
export function parsePlanText(text: string, source: string, format: PlanFormat): DrPlan {
  if (text.trim() === '') throw new InvalidPlanError(source, [{ path: ROOT, message: 'is empty' }]);
  return parsePlan(format === 'json' ? parseJson(text, source) : parseYaml(text, source), source);
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

/** Validates the plan JSON a function receives in environment variable `name` (passed in, never read here). */
export function planFromEnvironment(value: string | undefined, name: string): DrPlan {
  const source = `environment variable ${name}`;
  if (value === undefined || value.trim() === '') {
    throw new InvalidPlanError(source, [
      { path: ROOT, message: 'is not set; it must hold the plan as JSON' },
    ]);
  }
  return parsePlanText(value, source, 'json');
}

/** The plan as compact JSON, the form planFromEnvironment reads back. */
export function serializePlan(plan: DrPlan): string {
  return JSON.stringify(plan);
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    // One line per issue: V8 quotes the offending snippet, newlines included.
    const message = (error as Error).message.replace(/\s+/g, ' ');
    throw new InvalidPlanError(
      source,
      [{ path: ROOT, message: `not valid JSON: ${withLine(message, text)}` }],
      {
        cause: error,
      },
    );
  }
}

/** Some V8 versions report only "at position N"; people editing a file want the line and column. */
function withLine(message: string, text: string): string {
  const position = /at position (\d+)/.exec(message);
  if (!position || /line \d+/.test(message)) return message;
  const before = text.slice(0, Number(position[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `${message} (line ${line} column ${column})`;
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
  return document.toJS({ maxAliasCount: 100 });
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
