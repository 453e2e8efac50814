// What every workflow Task sends its function (statemachines/README.md): the execution's name and start,
// its input, the results of the steps so far, and the fields the step adds. Parsed here with zod, so a
// malformed payload fails with the field at fault before anything changes.

import { isRecord } from '../../src/util/is-record.ts';
import * as z from '../../src/util/zod.ts';

/** Which side of the plan a step acts on. */
export const sideSchema = z.enum(['primary', 'dr']);
/** `primary` or `dr`. */
export type Side = z.output<typeof sideSchema>;

/** The fields every Task payload carries. */
export const envelopeSchema = z.object({
  executionName: z.string().check(z.minLength(1, 'must not be empty')),
  executionStartTime: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time' }),
  input: z.unknown(),
  steps: z._default(z.record(z.string(), z.unknown()), {}),
});
/** A parsed envelope. */
export type Envelope = z.output<typeof envelopeSchema>;

/** A function's payload does not match what the workflow should send. */
export class InvalidFunctionInputError extends Error {
  constructor(
    readonly functionName: string,
    readonly field: string,
    detail: string,
    options: { cause?: unknown } = {},
  ) {
    super(`${functionName} input field ${field}: ${detail}`, options);
    this.name = 'InvalidFunctionInputError';
  }
}

/** Parses a payload; InvalidFunctionInputError names the first field at fault (`side`, `backup.name`). */
export function parseInput<T extends z.ZodMiniType>(
  functionName: string,
  schema: T,
  payload: unknown,
): z.output<T> {
  const result = schema.safeParse(payload);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
  throw new InvalidFunctionInputError(
    functionName,
    field,
    (issue?.message ?? 'invalid').replace(/^Invalid input: /, ''),
    { cause: result.error },
  );
}

/** `steps.<key>.result` as an object, or undefined when the step has not run. */
export function stepResult(
  steps: Readonly<Record<string, unknown>>,
  key: string,
): Record<string, unknown> | undefined {
  const step = steps[key];
  if (!isRecord(step) || !isRecord(step.result)) return undefined;
  return step.result;
}

/** The keys every log line of a run carries: never the input itself, which may hold a task token. */
export function runKeys(envelope: Pick<Envelope, 'executionName'>, planName: string): Record<string, string> {
  return { executionName: envelope.executionName, plan: planName };
}

/** The backup a step works on, as the previous step described it (`name` at least). */
export const backupRefSchema = z.looseObject({ name: z.string().check(z.minLength(1, 'must not be empty')) });
