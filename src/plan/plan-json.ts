// The plan as JSON text and back, without the schema: the deployed functions read their plan through these
// (./deployed-plan.ts), so their bundles need not build the plan schema at every cold start.

import { InvalidPlanError, ROOT } from './errors.ts';
import type { DrPlan } from './plan-schema.ts';

/** The plan as compact JSON, the form planFromEnvironment and deployedPlan read back. */
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
