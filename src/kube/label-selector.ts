// Label and field selectors as kube-apiserver parses them (k8s.io/apimachinery/pkg/labels and
// pkg/fields), so the sandbox accepts, rejects and matches exactly what a real cluster would.

/** The operators of a label requirement; `==` parses to `Equals`, as it means the same thing. */
export type LabelOperator =
  | 'Equals'
  | 'NotEquals'
  | 'In'
  | 'NotIn'
  | 'Exists'
  | 'DoesNotExist'
  | 'GreaterThan'
  | 'LessThan';

/** One clause of a label selector; `values` is sorted, de-duplicated and empty for the unary operators. */
export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  readonly values: readonly string[];
}

/** A parsed label selector: the AND of its requirements, sorted by key. No requirements matches everything. */
export interface LabelSelector {
  readonly requirements: readonly LabelRequirement[];
}

/** One clause of a field selector. */
export interface FieldRequirement {
  readonly field: string;
  readonly operator: 'Equals' | 'NotEquals';
  readonly value: string;
}

/** A label or field selector the API server would reject with 400 Bad Request. */
export class InvalidSelectorError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidSelectorError';
  }
}

const MAX_NAME_LENGTH = 63;
const MAX_PREFIX_LENGTH = 253;
const NAME_PATTERN = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VALUE_PATTERN = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

const NAME_RULE =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

type TokenKind = 'identifier' | 'end' | '(' | ')' | ',' | '!' | '=' | '==' | '!=' | '>' | '<';

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
}

const SYMBOLS = new Set(['=', '!', '(', ')', ',', '>', '<']);
const WHITESPACE = new Set([' ', '\t', '\r', '\n']);

/** Parses `app=web,tier in (a,b),!legacy` the way the API server does; the empty string selects everything. */
export function parseLabelSelector(text: string): LabelSelector {
  const requirements = new LabelParser(text).parse();
  // Sorted by key like labels.Parse, so the same selector always renders the same way.
  requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { requirements };
}

/** True when every requirement holds; `!=` and `notin` also hold when the label is absent, as in Kubernetes. */
export function matchesLabels(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  return selector.requirements.every((requirement) => matchesRequirement(requirement, labels));
}

/** The canonical text of a selector (`a=b,c in (d,e),!f`), which parses back to the same selector. */
export function labelSelectorToString(selector: LabelSelector): string {
  return selector.requirements.map(requirementToString).join(',');
}

/**
 * Parses `metadata.name=web,status.phase!=Running` as the API server does: no whitespace trimming,
 * `\,` `\=` `\\` escapes in values, then rejects any field the resource does not support.
 */
export function parseFieldSelector(text: string, supportedFields: readonly string[]): FieldRequirement[] {
  const requirements: FieldRequirement[] = [];
  for (const term of splitFieldTerms(text).sort()) {
    if (term === '') continue;
    const split = splitFieldTerm(term);
    if (!split) throw new InvalidSelectorError(`invalid selector: '${text}'; can't understand '${term}'`);
    requirements.push({
      field: split.field,
      operator: split.operator,
      value: unescapeFieldValue(split.rawValue),
    });
  }
  // Fields are checked after the whole selector parsed, the order kube-apiserver reports errors in.
  for (const requirement of requirements) {
    if (!supportedFields.includes(requirement.field)) {
      throw new InvalidSelectorError(`field label not supported: ${requirement.field}`);
    }
  }
  return requirements;
}

/** True when every field requirement holds; a field without a value compares as the empty string. */
export function matchesFields(
  requirements: readonly FieldRequirement[],
  fieldValue: (field: string) => string | undefined,
): boolean {
  return requirements.every((requirement) => {
    const actual = fieldValue(requirement.field) ?? '';
    return requirement.operator === 'Equals' ? actual === requirement.value : actual !== requirement.value;
  });
}

function matchesRequirement(
  requirement: LabelRequirement,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  // Object.hasOwn keeps keys such as `constructor` from matching the prototype.
  const present = labels !== undefined && Object.hasOwn(labels, requirement.key);
  const value = present ? labels[requirement.key] : undefined;
  switch (requirement.operator) {
    case 'Equals':
    case 'In':
      return value !== undefined && requirement.values.includes(value);
    case 'NotEquals':
    case 'NotIn':
      return value === undefined || !requirement.values.includes(value);
    case 'Exists':
      return present;
    case 'DoesNotExist':
      return !present;
    case 'GreaterThan':
    case 'LessThan': {
      const actual = value === undefined ? undefined : parseInt64(value);
      const bound = requirement.values.length === 1 ? parseInt64(requirement.values[0] ?? '') : undefined;
      if (actual === undefined || bound === undefined) return false;
      return requirement.operator === 'GreaterThan' ? actual > bound : actual < bound;
    }
  }
}

function requirementToString(requirement: LabelRequirement): string {
  const { key, values } = requirement;
  switch (requirement.operator) {
    case 'Exists':
      return key;
    case 'DoesNotExist':
      return `!${key}`;
    case 'Equals':
      return `${key}=${values.join(',')}`;
    case 'NotEquals':
      return `${key}!=${values.join(',')}`;
    case 'GreaterThan':
      return `${key}>${values.join(',')}`;
    case 'LessThan':
      return `${key}<${values.join(',')}`;
    case 'In':
      return `${key} in (${values.join(',')})`;
    case 'NotIn':
      return `${key} notin (${values.join(',')})`;
  }
}

/** Tokens as the labels lexer cuts them: symbols, and identifiers running up to a symbol or whitespace. */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  while (position < text.length) {
    const char = text.charAt(position);
    if (WHITESPACE.has(char)) {
      position += 1;
    } else if (SYMBOLS.has(char)) {
      const pair = text.slice(position, position + 2);
      const symbol = pair === '!=' || pair === '==' ? pair : char;
      tokens.push({ kind: symbol as TokenKind, text: symbol });
      position += symbol.length;
    } else {
      let end = position;
      while (end < text.length && !WHITESPACE.has(text.charAt(end)) && !SYMBOLS.has(text.charAt(end)))
        end += 1;
      tokens.push({ kind: 'identifier', text: text.slice(position, end) });
      position = end;
    }
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}

class LabelParser {
  private readonly tokens: Token[];
  private position = 0;

  constructor(private readonly text: string) {
    this.tokens = tokenize(text);
  }

  parse(): LabelRequirement[] {
    const requirements: LabelRequirement[] = [];
    if (this.peek().kind === 'end') return requirements;
    for (;;) {
      const start = this.peek();
      if (start.kind !== 'identifier' && start.kind !== '!') {
        const where = requirements.length === 0 ? '' : ' after ","';
        this.fail(`expected a label key or "!"${where}, found ${describe(start)}`);
      }
      const requirement = this.parseRequirement();
      requirements.push(requirement);
      const next = this.next();
      if (next.kind === 'end') return requirements;
      if (next.kind !== ',') {
        this.fail(
          `expected "," or end of selector after "${requirementToString(requirement)}", found ${describe(next)}`,
        );
      }
    }
  }

  private parseRequirement(): LabelRequirement {
    const negated = this.peek().kind === '!';
    if (negated) this.next();
    const keyToken = this.next();
    if (keyToken.kind !== 'identifier') {
      this.fail(`expected a label key${negated ? ' after "!"' : ''}, found ${describe(keyToken)}`);
    }
    const key = keyToken.text;
    this.validateKey(key);
    const following = this.peek().kind;
    if (negated) return { key, operator: 'DoesNotExist', values: [] };
    if (following === 'end' || following === ',') return { key, operator: 'Exists', values: [] };

    const operatorToken = this.next();
    const operator = operatorOf(operatorToken);
    if (!operator) {
      this.fail(
        `expected an operator (=, ==, !=, in, notin, >, <) after "${key}", found ${describe(operatorToken)}`,
      );
    }
    const values =
      operator === 'In' || operator === 'NotIn'
        ? this.parseValueSet(key, operatorToken.text)
        : [this.parseExactValue(key, operatorToken.text)];
    for (const value of values) this.validateValue(key, value);
    if (operator === 'GreaterThan' || operator === 'LessThan') {
      const [bound = ''] = values;
      if (parseInt64(bound) === undefined) {
        this.fail(`value "${bound}" for "${key}${operatorToken.text}" must be an integer`);
      }
    }
    return { key, operator, values: [...new Set(values)].sort() };
  }

  /** `(a,b)`; an empty slot such as `()` or `(a,)` is the empty value, as in Kubernetes. */
  private parseValueSet(key: string, keyword: string): string[] {
    if (this.next().kind !== '(') this.fail(`expected "(" after "${keyword}"`);
    const values: string[] = [];
    for (;;) {
      const candidate = this.peek();
      values.push(candidate.kind === 'identifier' ? this.next().text : '');
      const separator = this.next();
      if (separator.kind === ')') return values;
      if (separator.kind === 'end') this.fail(`missing ")" after the values of "${key} ${keyword}"`);
      if (separator.kind !== ',') {
        this.fail(`expected "," or ")" in the values of "${key} ${keyword}", found ${describe(separator)}`);
      }
    }
  }

  /** The value after `=`, `!=`, `>` or `<`; nothing before a comma or the end is the empty value. */
  private parseExactValue(key: string, symbol: string): string {
    const candidate = this.peek();
    if (candidate.kind === 'end' || candidate.kind === ',') return '';
    const token = this.next();
    if (token.kind !== 'identifier')
      this.fail(`expected a value after "${key}${symbol}", found ${describe(token)}`);
    return token.text;
  }

  private validateKey(key: string): void {
    const problems = labelKeyProblems(key);
    if (problems.length > 0) this.fail(`invalid label key "${key}": ${problems.join('; ')}`);
  }

  private validateValue(key: string, value: string): void {
    const problems: string[] = [];
    if (value.length > MAX_NAME_LENGTH) problems.push(`must be no more than ${MAX_NAME_LENGTH} characters`);
    if (!VALUE_PATTERN.test(value))
      problems.push(`a valid label value must be an empty string or ${NAME_RULE}`);
    if (problems.length > 0) this.fail(`invalid value "${value}" for label "${key}": ${problems.join('; ')}`);
  }

  private peek(): Token {
    // The lexer always ends with an `end` token and nothing consumes past it.
    return this.tokens[Math.min(this.position, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.position += 1;
    return token;
  }

  private fail(detail: string): never {
    throw new InvalidSelectorError(`invalid label selector ${JSON.stringify(this.text)}: ${detail}`);
  }
}

function operatorOf(token: Token): LabelOperator | undefined {
  switch (token.kind) {
    case '=':
    case '==':
      return 'Equals';
    case '!=':
      return 'NotEquals';
    case '>':
      return 'GreaterThan';
    case '<':
      return 'LessThan';
    case 'identifier':
      // `in` and `notin` are keywords only here; as keys or values they are plain identifiers.
      if (token.text === 'in') return 'In';
      if (token.text === 'notin') return 'NotIn';
      return undefined;
    default:
      return undefined;
  }
}

function describe(token: Token): string {
  return token.kind === 'end' ? 'end of selector' : JSON.stringify(token.text);
}

/** What is wrong with a label key, in the words of validation.IsQualifiedName; empty when it is valid. */
function labelKeyProblems(key: string): string[] {
  const parts = key.split('/');
  if (parts.length > 2) {
    return [
      `a qualified name ${NAME_RULE}, with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  const problems: string[] = [];
  const name = parts.length === 2 ? (parts[1] ?? '') : key;
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    if (prefix === '') problems.push('prefix part must be non-empty');
    else {
      if (prefix.length > MAX_PREFIX_LENGTH) {
        problems.push(`prefix part must be no more than ${MAX_PREFIX_LENGTH} characters`);
      }
      if (!DNS_SUBDOMAIN_PATTERN.test(prefix)) {
        problems.push(
          "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        );
      }
    }
  }
  if (name === '') problems.push('name part must be non-empty');
  else if (name.length > MAX_NAME_LENGTH)
    problems.push(`name part must be no more than ${MAX_NAME_LENGTH} characters`);
  if (!NAME_PATTERN.test(name)) problems.push(`name part ${NAME_RULE}`);
  return problems;
}

/** A base-10 int64 as strconv.ParseInt reads it, or undefined. */
function parseInt64(text: string): bigint | undefined {
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const value = BigInt(text);
  return value > INT64_MAX || value < INT64_MIN ? undefined : value;
}

/** Splits on commas that are not backslash-escaped, keeping the escapes for unescapeFieldValue. */
function splitFieldTerms(text: string): string[] {
  if (text === '') return [];
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charAt(index);
    if (escaped) escaped = false;
    else if (char === '\\') escaped = true;
    else if (char === ',') {
      terms.push(text.slice(start, index));
      start = index + 1;
    }
  }
  terms.push(text.slice(start));
  return terms;
}

const FIELD_OPERATORS = [
  ['!=', 'NotEquals'],
  ['==', 'Equals'],
  ['=', 'Equals'],
] as const;

/** Splits at the first operator; field names cannot be escaped, so the first `!=`, `==` or `=` wins. */
function splitFieldTerm(term: string): (Omit<FieldRequirement, 'value'> & { rawValue: string }) | undefined {
  for (let index = 0; index < term.length; index += 1) {
    for (const [symbol, operator] of FIELD_OPERATORS) {
      if (term.startsWith(symbol, index)) {
        return { field: term.slice(0, index), operator, rawValue: term.slice(index + symbol.length) };
      }
    }
  }
  return undefined;
}

function unescapeFieldValue(value: string): string {
  let result = '';
  let escaped = false;
  for (const char of value) {
    if (escaped) {
      if (char !== '\\' && char !== ',' && char !== '=') {
        throw new InvalidSelectorError(`invalid field selector: invalid escape sequence: \\${char}`);
      }
      result += char;
      escaped = false;
    } else if (char === '\\') {
      escaped = true;
    } else if (char === ',' || char === '=') {
      throw new InvalidSelectorError(`invalid field selector: unescaped character in value: ${char}`);
    } else {
      result += char;
    }
  }
  if (escaped) throw new InvalidSelectorError('invalid field selector: invalid escape sequence: \\');
  return result;
}
