// JSON merge patch (RFC 7386) and JSON patch (RFC 6902) for the simulated API server's PATCH verb.
// Both return a fresh document and never share structure with their inputs, so the caller may
// mutate the result (set resourceVersion, managedFields, ...) without touching stored objects.

import { isRecord } from '../../src/util/is-record.ts';

/** A JSON patch that is malformed, addresses a missing location, or whose `test` operation failed. */
export class JsonPatchError extends Error {
  /** Zero-based index of the failing operation, when one operation is to blame. */
  readonly operationIndex: number | undefined;

  constructor(message: string, options?: { cause?: unknown; operationIndex?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'JsonPatchError';
    this.operationIndex = options?.operationIndex;
  }
}

type JsonObject = Record<string, unknown>;

/** Applies an RFC 7386 merge patch: null deletes, objects merge recursively, anything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  return mergeInto(cloneJson(target), patch);
}

/** The merge itself, on a target this module already owns, so each level is copied only once. */
function mergeInto(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return cloneJson(patch);
  const result: JsonObject = isRecord(target) ? target : {};
  for (const [name, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) {
      delete result[name];
    } else {
      const current = Object.hasOwn(result, name) ? result[name] : undefined;
      setMember(result, name, mergeInto(current, value));
    }
  }
  return result;
}

const OPERATIONS = ['add', 'remove', 'replace', 'move', 'copy', 'test'] as const;
type OperationName = (typeof OPERATIONS)[number];

interface Pointer {
  readonly text: string;
  readonly tokens: readonly string[];
}

interface Operation {
  readonly index: number;
  readonly op: OperationName;
  readonly path: Pointer;
  readonly from?: Pointer;
  readonly value?: unknown;
}

/**
 * Applies an RFC 6902 JSON patch atomically: every operation is validated before any runs, and the
 * input is left untouched whether the patch succeeds or throws JsonPatchError.
 */
export function applyJsonPatch(document: unknown, operations: unknown): unknown {
  const parsed = parseOperations(operations);
  let result = cloneJson(document);
  for (const operation of parsed) {
    try {
      result = applyOperation(result, operation);
    } catch (error) {
      if (!(error instanceof PointerError)) throw error;
      throw new JsonPatchError(`${describeOperation(operation)}: ${error.message}`, {
        operationIndex: operation.index,
      });
    }
  }
  return result;
}

/** Thrown inside one operation; applyJsonPatch names the operation around the message. */
class PointerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PointerError';
  }
}

function parseOperations(operations: unknown): Operation[] {
  if (!Array.isArray(operations)) {
    throw new JsonPatchError(`json patch must be an array of operations, got ${typeName(operations)}`);
  }
  return operations.map((raw: unknown, index): Operation => {
    const fail = (where: string, detail: string): never => {
      throw new JsonPatchError(`json patch operation ${index}${where}: ${detail}`, { operationIndex: index });
    };
    if (!isRecord(raw)) return fail('', `must be an object, got ${typeName(raw)}`);
    const op = raw.op;
    if (typeof op !== 'string' || !(OPERATIONS as readonly string[]).includes(op)) {
      return fail('', `"op" must be one of ${OPERATIONS.join(', ')}, got ${JSON.stringify(op) ?? 'nothing'}`);
    }
    const name = op as OperationName;
    if (typeof raw.path !== 'string') return fail(` (${name})`, '"path" must be a string');
    const where = ` (${name} ${renderPointer(raw.path)})`;
    const path = parsePointer(raw.path, '"path"', (detail) => fail(where, detail));
    if (name === 'move' || name === 'copy') {
      if (typeof raw.from !== 'string') return fail(where, '"from" must be a string');
      const from = parsePointer(raw.from, '"from"', (detail) => fail(where, detail));
      return { index, op: name, path, from };
    }
    if (name === 'remove') return { index, op: name, path };
    // A null value is legitimate; only a missing member (undefined after JSON.parse) is not.
    if (raw.value === undefined) return fail(where, '"value" is required');
    return { index, op: name, path, value: raw.value };
  });
}

/** RFC 6901: `""` is the whole document, otherwise `/`-separated tokens with `~1` for `/` and `~0` for `~`. */
function parsePointer(text: string, member: string, fail: (detail: string) => never): Pointer {
  if (text === '') return { text, tokens: [] };
  if (!text.startsWith('/'))
    return fail(`${member} ${JSON.stringify(text)} is not a JSON pointer: must start with "/"`);
  if (/~(?![01])/.test(text)) {
    return fail(
      `${member} ${JSON.stringify(text)} is not a JSON pointer: "~" must be followed by "0" or "1"`,
    );
  }
  // ~1 before ~0, so that "~01" decodes to "~1" rather than "/".
  const tokens = text
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
  return { text, tokens };
}

function applyOperation(document: unknown, operation: Operation): unknown {
  const { path } = operation;
  switch (operation.op) {
    case 'add':
      return add(document, path.tokens, cloneJson(operation.value));
    case 'remove':
      return remove(document, path.tokens);
    case 'replace':
      return replace(document, path.tokens, cloneJson(operation.value));
    case 'move': {
      const from = operation.from as Pointer;
      const value = valueAt(document, from, 'from');
      if (isSameOrAncestor(from.tokens, path.tokens)) {
        if (from.tokens.length === path.tokens.length) return document;
        throw new PointerError(`cannot move ${renderPointer(from.text)} into one of its own children`);
      }
      return add(remove(document, from.tokens), path.tokens, value);
    }
    case 'copy': {
      const from = operation.from as Pointer;
      return add(document, path.tokens, cloneJson(valueAt(document, from, 'from')));
    }
    case 'test': {
      const actual = valueAt(document, path, 'path');
      if (!jsonEqual(actual, operation.value)) {
        throw new PointerError(
          `test failed: expected ${abbreviate(operation.value)}, found ${abbreviate(actual)}`,
        );
      }
      return document;
    }
  }
}

/** The value at a pointer; `-` names no element, so it never resolves. */
function valueAt(document: unknown, pointer: Pointer, member: 'path' | 'from'): unknown {
  let current = document;
  for (const token of pointer.tokens) {
    const next = child(current, token);
    if (!next.found) {
      throw new PointerError(
        member === 'path' ? 'path does not exist' : `"from" path ${pointer.text} does not exist`,
      );
    }
    current = next.value;
  }
  return current;
}

function child(container: unknown, token: string): { found: boolean; value?: unknown } {
  if (Array.isArray(container)) {
    const index = arrayIndex(token);
    return index !== undefined && index < container.length
      ? { found: true, value: container[index] }
      : { found: false };
  }
  if (isRecord(container) && Object.hasOwn(container, token)) return { found: true, value: container[token] };
  return { found: false };
}

/** The container holding the last token, which must already exist (RFC 6902 4.1). */
function parentOf(
  document: unknown,
  tokens: readonly string[],
): { parent: JsonObject | unknown[]; last: string } {
  let parent = document;
  for (const token of tokens.slice(0, -1)) {
    const next = child(parent, token);
    if (!next.found) throw new PointerError('path does not exist');
    parent = next.value;
  }
  if (!Array.isArray(parent) && !isRecord(parent)) {
    throw new PointerError(`path does not exist: parent is ${typeName(parent)}, not an object or array`);
  }
  return { parent, last: tokens[tokens.length - 1] as string };
}

function add(document: unknown, tokens: readonly string[], value: unknown): unknown {
  if (tokens.length === 0) return value;
  const { parent, last } = parentOf(document, tokens);
  if (!Array.isArray(parent)) {
    setMember(parent, last, value);
    return document;
  }
  if (last === '-') {
    parent.push(value);
    return document;
  }
  const index = requireIndex(last);
  if (index > parent.length) {
    throw new PointerError(`array index ${index} is out of bounds (array length ${parent.length})`);
  }
  parent.splice(index, 0, value);
  return document;
}

function remove(document: unknown, tokens: readonly string[]): unknown {
  if (tokens.length === 0) throw new PointerError('cannot remove the whole document');
  const { parent, last } = parentOf(document, tokens);
  if (Array.isArray(parent)) {
    const index = requireIndex(last);
    if (index >= parent.length) throw new PointerError('path does not exist');
    parent.splice(index, 1);
  } else {
    if (!Object.hasOwn(parent, last)) throw new PointerError('path does not exist');
    delete parent[last];
  }
  return document;
}

function replace(document: unknown, tokens: readonly string[], value: unknown): unknown {
  if (tokens.length === 0) return value;
  const { parent, last } = parentOf(document, tokens);
  if (Array.isArray(parent)) {
    const index = requireIndex(last);
    if (index >= parent.length) throw new PointerError('path does not exist');
    parent[index] = value;
  } else {
    if (!Object.hasOwn(parent, last)) throw new PointerError('path does not exist');
    setMember(parent, last, value);
  }
  return document;
}

/** RFC 6901 array indexes: `0` or digits without a leading zero. */
function arrayIndex(token: string): number | undefined {
  return /^(0|[1-9]\d*)$/.test(token) ? Number(token) : undefined;
}

function requireIndex(token: string): number {
  const index = arrayIndex(token);
  if (index === undefined) throw new PointerError(`${JSON.stringify(token)} is not a valid array index`);
  return index;
}

function isSameOrAncestor(ancestor: readonly string[], tokens: readonly string[]): boolean {
  return ancestor.length <= tokens.length && ancestor.every((token, i) => token === tokens[i]);
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isRecord(a)) {
    if (!isRecord(b)) return false;
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]))
    );
  }
  return a === b;
}

/** A deep copy of a JSON value, so results never alias a caller's document or patch. */
function cloneJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cloneJson);
  if (!isRecord(value)) return value;
  const copy: JsonObject = {};
  for (const [key, item] of Object.entries(value)) setMember(copy, key, cloneJson(item));
  return copy;
}

/** Sets an own member; `__proto__` from JSON.parse is a key like any other, not the prototype. */
function setMember(object: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    object[key] = value;
  }
}

function describeOperation(operation: Operation): string {
  return `json patch operation ${operation.index} (${operation.op} ${renderPointer(operation.path.text)})`;
}

/** The root pointer is the empty string, which would vanish from a message. */
function renderPointer(text: string): string {
  return text === '' ? '""' : text;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

function abbreviate(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
