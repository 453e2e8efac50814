// Step Functions Retry/Catch and `cdk synth` output match on these `name`s: keep them stable.
import type * as z from '../util/zod.ts';

/** The path of an issue about the document as a whole. */
export const ROOT = '(root)';

/** One problem found in a plan or an execution input: the field path and what is wrong with it. */
export interface PlanIssue {
  /** Dotted path with array indices, e.g. `dns.records[0].type`; `(root)` for the whole document. */
  readonly path: string;
  readonly message: string;
}

/** A DR plan (config file, environment variable or object) that does not match the plan schema. */
export class InvalidPlanError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly PlanIssue[],
    options: { cause?: unknown } = {},
  ) {
    super(formatIssues(source, issues), options);
    this.name = 'InvalidPlanError';
  }
}

/** A plan file that cannot be read at all: missing, unreadable, or of a type we cannot parse. */
export class PlanFileError extends Error {
  constructor(
    readonly file: string,
    reason: string,
    options: { cause?: unknown } = {},
  ) {
    super(`${file}: ${reason}`, options);
    this.name = 'PlanFileError';
  }
}

/** A recovery execution input (Step Functions console or trigger) that the plan cannot accept. */
export class InvalidExecutionInputError extends Error {
  constructor(
    readonly issues: readonly PlanIssue[],
    options: { cause?: unknown } = {},
  ) {
    super(formatIssues('execution input', issues), options);
    this.name = 'InvalidExecutionInputError';
  }
}

/** Every issue on its own line, each prefixed with its source, as compilers report: grep-able and complete. */
function formatIssues(source: string, issues: readonly PlanIssue[]): string {
  if (issues.length === 0) return `${source}: invalid`;
  return issues
    .map((issue) =>
      issue.path === ROOT ? `${source}: ${issue.message}` : `${source}: ${issue.path}: ${issue.message}`,
    )
    .join('\n');
}

/** Renders a zod path as `dns.records[0].type`; keys that are not plain words are quoted, `a["b/c"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z0-9_$-]+$/.test(segment)) {
      text += text === '' ? segment : `.${segment}`;
    } else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text === '' ? ROOT : text;
}

/** Turns zod's issues into plan issues with paths and messages meant for the person editing the file. */
export function toPlanIssues(error: z.core.$ZodError): PlanIssue[] {
  const issues: PlanIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      // One line per unknown key, so a typo such as `autoFailOver` points at itself.
      for (const key of issue.keys)
        issues.push({ path: formatPath([...issue.path, key]), message: 'unknown field' });
    } else {
      issues.push({ path: formatPath(issue.path), message: messageOf(issue) });
    }
  }
  return issues;
}

const EXPECTED: Record<string, string> = {
  object: 'an object',
  record: 'an object',
  array: 'an array',
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
};

function messageOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      // Parsed with reportInput, so a missing field is told apart from a wrongly typed one.
      if (issue.input === undefined) return 'is required';
      // A message set in the schema (e.g. on z.int()) says more than the generic one.
      if (!issue.message.startsWith('Invalid input')) return issue.message;
      return `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${describeValue(issue.input)}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map(String).join('|')}, got ${describeValue(issue.input)}`;
    case 'invalid_key':
      return `key: ${issue.issues.map((inner) => messageOf(inner)).join('; ')}`;
    default:
      return issue.message.replace(/^Invalid input: /, '');
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return `${typeof value} ${String(value)}`;
}
