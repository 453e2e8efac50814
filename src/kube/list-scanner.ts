// Finds the objects of a LIST answer in its bytes, without parsing them.
//
// Why: a snapshot copies every object of a cluster into the archive. Parsing each page (UTF-8 decode +
// JSON.parse) and serialising each object again (JSON.stringify + UTF-8 encode) was most of a snapshot's
// CPU — about twice what the bare paged LIST costs (issue #3). The archive needs each object's bytes, not
// its value, so this scanner walks the answer once, checks its JSON structure, and reports where each item
// starts and ends, the few fields a snapshot decides on (name, namespace, whether apiVersion/kind are
// present) and where metadata.managedFields sits so it can be cut out. Objects that need a closer look
// (ownerReferences of pods) are parsed one at a time by the caller.
//
// The answer must be a JSON object whose `items` member is an array of objects, as every Kubernetes List
// is. Structure (brackets, braces, colons, commas, string ends, literals) is checked as the scan goes; a
// malformed answer is refused with the byte offset of the fault. String contents are not validated beyond
// their first 64 bytes (long strings are skipped with indexOf, for speed): the API server's encoder escapes
// control characters, and the archive reader parses every object before a restore uses any.

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACKET = 0x5b;
const BACKSLASH = 0x5c;
const RBRACKET = 0x5d;
const LBRACE = 0x7b;
const RBRACE = 0x7d;

/** Where one item of a List answer is, and what the snapshot needs to know about it without parsing it. */
export interface ScannedItem {
  /** Offset of the item's `{`. */
  start: number;
  /** Offset just past the item's `}`. */
  end: number;
  /** metadata.name, when it is a plain string. */
  name?: string;
  /** metadata.namespace, when it is a plain string. */
  namespace?: string;
  hasApiVersion: boolean;
  hasKind: boolean;
  /**
   * The bytes to cut to drop metadata.managedFields and keep valid JSON: the member with one neighbouring
   * comma (the one after it, or the one before when it is the last member).
   */
  managedFields?: { start: number; end: number };
}

/** The items of a List answer and where the List's own metadata (continue, resourceVersion) is. */
export interface ScannedList {
  items: ScannedItem[];
  /** Offsets of the List's `metadata` object, if it has one. */
  metadata?: { start: number; end: number };
}

/** A List answer whose bytes are not the JSON this scanner expects; says where. */
export class ListScanError extends Error {
  constructor(
    readonly offset: number,
    reason: string,
  ) {
    super(`malformed List answer at byte ${offset}: ${reason}`);
    this.name = 'ListScanError';
  }
}

// What may come next inside the container being scanned.
const EXPECT_VALUE = 0;
const EXPECT_KEY_OR_END = 1;
const EXPECT_KEY = 2;
const EXPECT_COLON = 3;
const EXPECT_COMMA_OR_END = 4;
const EXPECT_VALUE_OR_END = 5;

// Keys the scanner acts on, by depth: 1 = the List, 3 = an item, 4 = an item's metadata.
const KEY_OTHER = 0;
const KEY_ITEMS = 1;
const KEY_LIST_METADATA = 2;
const KEY_API_VERSION = 3;
const KEY_KIND = 4;
const KEY_METADATA = 5;
const KEY_NAME = 6;
const KEY_NAMESPACE = 7;
const KEY_MANAGED_FIELDS = 8;

const OBJECT = 1;
const ARRAY = 2;
const MAX_DEPTH = 512;

/** Scans a List answer; throws ListScanError naming the offset when it is not a well-formed List. */
export function scanList(body: Uint8Array): ScannedList {
  const items: ScannedItem[] = [];
  let listMetadata: { start: number; end: number } | undefined;
  const kinds = new Uint8Array(MAX_DEPTH + 1);
  let depth = 0;
  let expect = EXPECT_VALUE;
  // The key whose value comes next, at the depths that matter.
  let pendingKey = KEY_OTHER;
  // Depth 2 is the items array; depth 4 the current item's metadata.
  let inItems = false;
  let inItemMetadata = false;
  let listMetadataStart = -1;
  let item: ScannedItem | undefined;
  let managedFieldsStart = -1;
  const length = body.length;
  let p = 0;
  while (p < length && isSpace(body[p] as number)) p++;
  if (body[p] !== LBRACE) throw new ListScanError(p, 'expected a JSON object');

  while (p < length) {
    const c = body[p] as number;
    if (c === SPACE || c === LF || c === CR || c === TAB) {
      p++;
      continue;
    }
    if (depth === 0 && expect === EXPECT_COMMA_OR_END) throw new ListScanError(p, 'content after the end');
    if (expect === EXPECT_VALUE || expect === EXPECT_VALUE_OR_END) {
      if (c === RBRACKET && expect === EXPECT_VALUE_OR_END) {
        p = closeContainer(ARRAY, p);
        continue;
      }
      const valueKey = pendingKey;
      pendingKey = KEY_OTHER;
      if (depth === 2 && inItems && c !== LBRACE) {
        throw new ListScanError(p, 'an element of "items" is not an object');
      }
      // `"items": null` is an empty List, as JSON.parse-based readers take it; anything else must be an array.
      if (depth === 1 && valueKey === KEY_ITEMS && c !== LBRACKET && !startsWithNull(body, p)) {
        throw new ListScanError(p, '"items" is not an array');
      }
      if (c === LBRACE || c === LBRACKET) {
        if (depth === MAX_DEPTH) throw new ListScanError(p, `nested deeper than ${MAX_DEPTH}`);
        depth++;
        kinds[depth] = c === LBRACE ? OBJECT : ARRAY;
        // The value checks above already refused an "items" that is not an array and an element of it
        // that is not an object.
        if (depth === 2 && valueKey === KEY_ITEMS) {
          inItems = true;
        } else if (depth === 2 && valueKey === KEY_LIST_METADATA && c === LBRACE) {
          listMetadataStart = p;
        } else if (depth === 3 && inItems) {
          item = { start: p, end: -1, hasApiVersion: false, hasKind: false };
        } else if (depth === 4 && item !== undefined && valueKey === KEY_METADATA && c === LBRACE) {
          inItemMetadata = true;
        }
        expect = c === LBRACE ? EXPECT_KEY_OR_END : EXPECT_VALUE_OR_END;
        p++;
        continue;
      }
      if (c === QUOTE) {
        const end = skipString(body, p);
        if (valueKey === KEY_NAME && item !== undefined) item.name = plainString(body, p, end);
        else if (valueKey === KEY_NAMESPACE && item !== undefined) item.namespace = plainString(body, p, end);
        p = end;
      } else {
        p = skipLiteral(body, p);
      }
      afterValue(p, valueKey);
      continue;
    }
    if (expect === EXPECT_KEY_OR_END || expect === EXPECT_KEY) {
      if (c === RBRACE && expect === EXPECT_KEY_OR_END) {
        p = closeContainer(OBJECT, p);
        continue;
      }
      if (c !== QUOTE) throw new ListScanError(p, 'expected a member name in double quotes');
      const end = skipString(body, p);
      pendingKey = keyAt(body, p, end, depth, inItems, inItemMetadata);
      if (pendingKey === KEY_MANAGED_FIELDS) managedFieldsStart = p;
      expect = EXPECT_COLON;
      p = end;
      continue;
    }
    if (expect === EXPECT_COLON) {
      if (c !== COLON) throw new ListScanError(p, 'expected ":" after a member name');
      expect = EXPECT_VALUE;
      p++;
      continue;
    }
    // EXPECT_COMMA_OR_END
    if (c === COMMA) {
      expect = kinds[depth] === OBJECT ? EXPECT_KEY : EXPECT_VALUE;
      p++;
      continue;
    }
    if (c === RBRACE || c === RBRACKET) {
      p = closeContainer(c === RBRACE ? OBJECT : ARRAY, p);
      continue;
    }
    throw new ListScanError(
      p,
      `expected "," or the end of ${kinds[depth] === OBJECT ? 'an object' : 'an array'}`,
    );
  }
  if (depth !== 0 || expect !== EXPECT_COMMA_OR_END) throw new ListScanError(length, 'the answer ends early');
  return listMetadata === undefined ? { items } : { items, metadata: listMetadata };

  // Closes the container at `depth` (its closing byte is at `at`) and returns the offset after it.
  function closeContainer(kind: number, at: number): number {
    if (depth === 0 || kinds[depth] !== kind) throw new ListScanError(at, 'unbalanced brackets');
    const closedDepth = depth;
    depth--;
    const end = at + 1;
    if (closedDepth === 3 && item !== undefined) {
      item.end = end;
      items.push(item);
      item = undefined;
    } else if (closedDepth === 4 && inItemMetadata) {
      inItemMetadata = false;
    } else if (closedDepth === 2 && inItems && kind === ARRAY) {
      inItems = false;
    } else if (closedDepth === 2 && listMetadataStart >= 0) {
      listMetadata = { start: listMetadataStart, end };
      listMetadataStart = -1;
    }
    if (depth === 0) {
      expect = EXPECT_COMMA_OR_END;
      return end;
    }
    afterValue(end, closedDepth === 5 && inItemMetadata && managedFieldsStart >= 0 ? KEY_MANAGED_FIELDS : -1);
    return end;
  }

  // A member's value ended at `end`: note what the snapshot needs, then expect "," or the container's end.
  function afterValue(end: number, valueKey: number): void {
    if (item !== undefined) {
      if (valueKey === KEY_MANAGED_FIELDS && managedFieldsStart >= 0) {
        item.managedFields = cutRange(body, managedFieldsStart, end);
        managedFieldsStart = -1;
      } else if (valueKey === KEY_API_VERSION) item.hasApiVersion = true;
      else if (valueKey === KEY_KIND) item.hasKind = true;
    }
    expect = EXPECT_COMMA_OR_END;
  }
}

// The member `"managedFields": [...]` spans [start, end); it is cut with the comma after it or, when it
// is the last member, with the comma before it, so that what remains is still valid JSON.
function cutRange(body: Uint8Array, start: number, end: number): { start: number; end: number } {
  let after = end;
  while (after < body.length && isSpace(body[after] as number)) after++;
  if (body[after] === COMMA) return { start, end: after + 1 };
  let before = start - 1;
  while (before > 0 && isSpace(body[before] as number)) before--;
  return body[before] === COMMA ? { start: before, end } : { start, end };
}

function startsWithNull(body: Uint8Array, at: number): boolean {
  return body[at] === 0x6e && body[at + 1] === 0x75 && body[at + 2] === 0x6c && body[at + 3] === 0x6c;
}

function isSpace(c: number): boolean {
  return c === SPACE || c === LF || c === CR || c === TAB;
}

// Returns the offset just past the string that opens at `at` (a double quote).
function skipString(body: Uint8Array, at: number): number {
  let p = at + 1;
  const length = body.length;
  for (;;) {
    // Most strings in Kubernetes objects are short; long ones (certificates, secrets) go to indexOf.
    const stop = Math.min(length, p + 64);
    while (p < stop) {
      const c = body[p] as number;
      if (c === QUOTE) return p + 1;
      if (c === BACKSLASH) {
        p += 2;
        continue;
      }
      if (c < SPACE) throw new ListScanError(p, 'control character inside a string');
      p++;
    }
    if (p >= length) throw new ListScanError(at, 'string is not closed');
    // A quote ends the string unless an odd run of backslashes escapes it.
    const quote = body.indexOf(QUOTE, p);
    if (quote < 0) throw new ListScanError(at, 'string is not closed');
    let run = 0;
    while (quote - 1 - run > at && body[quote - 1 - run] === BACKSLASH) run++;
    if (run % 2 === 0) return quote + 1;
    p = quote + 1;
  }
}

// true, false, null or a number: the bytes a literal may hold, up to the next structural byte.
function skipLiteral(body: Uint8Array, at: number): number {
  let p = at;
  const length = body.length;
  while (p < length) {
    const c = body[p] as number;
    const literal =
      (c >= 0x30 && c <= 0x39) || // 0-9
      c === 0x2d || // -
      c === 0x2b || // +
      c === 0x2e || // .
      c === 0x45 || // E
      (c >= 0x61 && c <= 0x7a); // a-z (true, false, null, e)
    if (!literal) break;
    p++;
  }
  if (p === at) throw new ListScanError(at, `unexpected byte 0x${(body[at] ?? 0).toString(16)}`);
  const first = body[at] as number;
  if (first >= 0x61 && first <= 0x7a) {
    const word = String.fromCharCode(...body.subarray(at, Math.min(p, at + 6)));
    if (word !== 'true' && word !== 'false' && word !== 'null')
      throw new ListScanError(at, `unknown literal "${word}"`);
  }
  return p;
}

// Names are DNS labels/subdomains, so a plain (escape-free) string is the rule; an escaped one is decoded.
function plainString(body: Uint8Array, start: number, end: number): string {
  const text = Buffer.from(body.buffer, body.byteOffset + start + 1, end - start - 2).toString('utf8');
  return text.includes('\\') ? (JSON.parse(`"${text}"`) as string) : text;
}

function keyAt(
  body: Uint8Array,
  start: number,
  end: number,
  depth: number,
  inItems: boolean,
  inItemMetadata: boolean,
): number {
  const length = end - start - 2;
  if (depth === 1) {
    if (matches(body, start, length, ITEMS)) return KEY_ITEMS;
    if (matches(body, start, length, METADATA)) return KEY_LIST_METADATA;
  } else if (depth === 3 && inItems) {
    if (matches(body, start, length, API_VERSION)) return KEY_API_VERSION;
    if (matches(body, start, length, KIND)) return KEY_KIND;
    if (matches(body, start, length, METADATA)) return KEY_METADATA;
  } else if (depth === 4 && inItemMetadata) {
    if (matches(body, start, length, NAME)) return KEY_NAME;
    if (matches(body, start, length, NAMESPACE)) return KEY_NAMESPACE;
    if (matches(body, start, length, MANAGED_FIELDS)) return KEY_MANAGED_FIELDS;
  }
  return KEY_OTHER;
}

const bytesOf = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));
const ITEMS = bytesOf('items');
const METADATA = bytesOf('metadata');
const API_VERSION = bytesOf('apiVersion');
const KIND = bytesOf('kind');
const NAME = bytesOf('name');
const NAMESPACE = bytesOf('namespace');
const MANAGED_FIELDS = bytesOf('managedFields');

function matches(body: Uint8Array, quote: number, length: number, key: Uint8Array): boolean {
  if (length !== key.length) return false;
  for (let i = 0; i < length; i++) if (body[quote + 1 + i] !== key[i]) return false;
  return true;
}
