// EventBridge schedule expressions, validated the way EventBridge does at PutRule time, so a bad schedule
// fails `cdk synth` with the field named instead of failing the deployment half-way.

/** A validated schedule expression and, when it can be known, the longest gap between two runs. */
export interface Schedule {
  readonly kind: 'rate' | 'cron';
  readonly expression: string;
  /** Longest time between two runs: exact for `rate(...)` and for crons that repeat daily, else undefined. */
  readonly intervalMinutes: number | undefined;
}

/** A schedule expression EventBridge would reject. */
export class InvalidScheduleError extends Error {
  constructor(
    readonly expression: string,
    reason: string,
    options: { cause?: unknown } = {},
  ) {
    super(`schedule ${JSON.stringify(expression)}: ${reason}`, options);
    this.name = 'InvalidScheduleError';
  }
}

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  readonly question?: boolean;
  readonly step?: boolean;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

// Fields, ranges and wildcards from the EventBridge cron reference (minutes hours day-of-month month
// day-of-week year); `L`, `W` and `#` are handled per field below.
const FIELDS: readonly FieldSpec[] = [
  { name: 'minutes', min: 0, max: 59, step: true },
  { name: 'hours', min: 0, max: 23, step: true },
  { name: 'day-of-month', min: 1, max: 31, question: true, step: true },
  { name: 'month', min: 1, max: 12, names: MONTHS, step: true },
  { name: 'day-of-week', min: 1, max: 7, names: DAYS, question: true },
  { name: 'year', min: 1970, max: 2199, step: true },
];

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_MINUTES: Record<string, number> = { minute: 1, hour: 60, day: 1440 };
const MINUTES_PER_DAY = 1440;

/** Parses `rate(1 hour)` or `cron(0 * * * ? *)` exactly as EventBridge accepts them. */
export function parseSchedule(expression: string): Schedule {
  if (expression.startsWith('rate(')) return parseRate(expression);
  if (expression.startsWith('cron(')) return parseCron(expression);
  throw new InvalidScheduleError(expression, 'expected rate(<value> <unit>) or cron(<six fields>)');
}

function parseRate(expression: string): Schedule {
  const match = RATE.exec(expression);
  if (!match) {
    throw new InvalidScheduleError(
      expression,
      'expected rate(<value> <unit>) with unit minute(s), hour(s) or day(s), e.g. rate(1 hour)',
    );
  }
  const value = Number(match[1]);
  const unit = match[2] ?? '';
  if (value < 1) throw new InvalidScheduleError(expression, 'the rate value must be a positive integer');
  const singular = unit.replace(/s$/, '');
  // EventBridge refuses "rate(1 hours)" and "rate(5 minute)".
  if (value === 1 && unit !== singular) {
    throw new InvalidScheduleError(expression, `a value of 1 takes the singular unit: rate(1 ${singular})`);
  }
  if (value > 1 && unit === singular) {
    throw new InvalidScheduleError(
      expression,
      `a value above 1 takes the plural unit: rate(${value} ${unit}s)`,
    );
  }
  return { kind: 'rate', expression, intervalMinutes: value * (UNIT_MINUTES[singular] ?? 1) };
}

function parseCron(expression: string): Schedule {
  if (!expression.endsWith(')')) throw new InvalidScheduleError(expression, 'missing ")"');
  const fields = expression.slice('cron('.length, -1).trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new InvalidScheduleError(
      expression,
      `expected 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`,
    );
  }
  FIELDS.forEach((spec, index) => {
    checkField(expression, spec, fields[index] ?? '');
  });
  const [minutes = '', hours = '', dayOfMonth = '', month = '', dayOfWeek = '', year = ''] = fields;
  // One of the two day fields must be "?": EventBridge cannot AND or OR them.
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    throw new InvalidScheduleError(
      expression,
      'exactly one of day-of-month and day-of-week must be "?", e.g. cron(0 * * * ? *)',
    );
  }
  const daily = [dayOfMonth, dayOfWeek].every((f) => f === '*' || f === '?') && month === '*' && year === '*';
  return { kind: 'cron', expression, intervalMinutes: daily ? dailyInterval(minutes, hours) : undefined };
}

function checkField(expression: string, spec: FieldSpec, field: string): void {
  const fail = (reason: string): never => {
    throw new InvalidScheduleError(expression, `${spec.name} field ${JSON.stringify(field)}: ${reason}`);
  };
  if (field === '?') {
    if (!spec.question) fail('"?" is only allowed in day-of-month and day-of-week');
    return;
  }
  for (const element of field.split(',')) {
    if (element === '') fail('empty list element');
    if (isSpecial(spec, element)) continue;
    const [range = '', step, ...extra] = element.split('/');
    if (extra.length > 0) fail(`more than one "/" in ${JSON.stringify(element)}`);
    if (step !== undefined) {
      if (!spec.step) fail('"/" is not allowed in this field');
      if (!/^\d+$/.test(step) || Number(step) < 1)
        fail(`step ${JSON.stringify(step)} must be a positive integer`);
    }
    if (range === '*') continue;
    const bounds = range.split('-');
    if (bounds.length > 2) fail(`bad range ${JSON.stringify(range)}`);
    for (const bound of bounds) {
      if (fieldValue(spec, bound) === undefined) {
        const names = spec.names ? ` or ${spec.names[0]}-${spec.names[spec.names.length - 1]}` : '';
        fail(`${JSON.stringify(bound)} is not a value from ${spec.min} to ${spec.max}${names}`);
      }
    }
  }
}

/** `L`, `LW`, `15W` in day-of-month; `L`, `6L`, `FRI#2` in day-of-week. */
function isSpecial(spec: FieldSpec, element: string): boolean {
  if (spec.name === 'day-of-month') {
    if (element === 'L' || element === 'LW') return true;
    const weekday = /^(\d{1,2})W$/.exec(element);
    return weekday !== null && fieldValue(spec, weekday[1] ?? '') !== undefined;
  }
  if (spec.name === 'day-of-week') {
    if (element === 'L') return true;
    const last = /^(\w+)L$/.exec(element);
    if (last) return fieldValue(spec, last[1] ?? '') !== undefined;
    const nth = /^(\w+)#([1-5])$/.exec(element);
    return nth !== null && fieldValue(spec, nth[1] ?? '') !== undefined;
  }
  return false;
}

function fieldValue(spec: FieldSpec, text: string): number | undefined {
  const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return spec.min + named;
  if (!/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value >= spec.min && value <= spec.max ? value : undefined;
}

/** Expands a validated minutes or hours field into its values. */
function expand(field: string, min: number, max: number): number[] {
  const values = new Set<number>();
  for (const element of field.split(',')) {
    const [range = '*', stepText] = element.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    const [lowText, highText] = range === '*' ? [String(min), String(max)] : range.split('-');
    const low = Number(lowText);
    // "5/15" means from 5 to the end of the range in steps of 15.
    const high = highText !== undefined ? Number(highText) : stepText !== undefined ? max : low;
    for (let value = low; value <= high; value += step) values.add(value);
  }
  return [...values].sort((a, b) => a - b);
}

/** The longest gap between runs of a cron that fires the same minutes every day, wrapping past midnight. */
function dailyInterval(minutes: string, hours: string): number | undefined {
  const times = expand(hours, 0, 23).flatMap((hour) =>
    expand(minutes, 0, 59).map((minute) => hour * 60 + minute),
  );
  times.sort((a, b) => a - b);
  // A wrapped range such as 50-10 expands to nothing here; then the interval is simply not known.
  if (times.length === 0) return undefined;
  let longest = 0;
  times.forEach((time, index) => {
    const next = times[index + 1] ?? (times[0] ?? time) + MINUTES_PER_DAY;
    longest = Math.max(longest, next - time);
  });
  return longest;
}
