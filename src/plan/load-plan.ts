// Loading a DR plan from JSON: an environment variable (Lambda functions) or an already-parsed object.
// Every path ends in drPlanSchema, and every error names its source. Files, and YAML, are load-plan-file.ts.
import { InvalidPlanError, ROOT, toPlanIssues } from './errors.ts';
import { type DrPlan, drPlanSchema } from './plan-schema.ts';

/** Validates a parsed plan; `source` (file name, env var) starts every line of the error. */
export function parsePlan(json: unknown, source: string): DrPlan {
  const result = drPlanSchema.safeParse(json, { reportInput: true });
  if (!result.success)
    throw new InvalidPlanError(source, toPlanIssues(result.error), { cause: result.error });
  return result.data;
}

/** Validates the plan JSON a function receives in environment variable `name` (passed in, never read here). */
export function planFromEnvironment(value: string | undefined, name: string): DrPlan {
  const source = `environment variable ${name}`;
  if (value === undefined || value.trim() === '') {
    throw new InvalidPlanError(source, [
      { path: ROOT, message: 'is not set; it must hold the plan as JSON' },
    ]);
  }
  return parsePlan(parseJsonPlan(value, source), source);
}

/** The plan as compact JSON, the form planFromEnvironment reads back. */
export function serializePlan(plan: DrPlan): string {
  return JSON.stringify(plan);
}

/** Parses plan JSON; a syntax error becomes an InvalidPlanError with the line and column. */
export function parseJsonPlan(text: string, source: string): unknown {
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
