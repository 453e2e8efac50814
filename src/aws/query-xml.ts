// A minimal XML reader for AWS Query-protocol answers (EC2's `<XxxResponse>` bodies and `<Response><Errors>`).
// Those bodies use elements, text, the five predefined entities and character references, nothing else; a
// DOCTYPE is refused rather than half-supported, so no entity expansion can blow up the Lambda's memory.

const NAME = /[A-Za-z_:][\w.:-]*/y;
const ATTRIBUTE = /\s+[A-Za-z_:][\w.:-]*\s*=\s*(?:"[^"<]*"|'[^'<]*')/y;
const TAG_END = /\s*(\/?)>/y;
const ENTITY = /&(?:(#x[0-9A-Fa-f]+|#[0-9]+|[A-Za-z]+);)?/g;
const NAMED_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** One element: its name, child elements and the text directly inside it (entities decoded). */
export class XmlElement {
  readonly children: XmlElement[] = [];
  text = '';

  constructor(readonly name: string) {}

  /** The first child element called `name`. */
  child(name: string): XmlElement | undefined {
    return this.children.find((c) => c.name === name);
  }

  /** The text of the first child called `name`, or undefined when there is no such child. */
  textOf(name: string): string | undefined {
    return this.child(name)?.text;
  }

  /** The `<item>` elements of the list child `name` (`<snapshotSet><item>…</item></snapshotSet>`). */
  items(name: string): XmlElement[] {
    return this.child(name)?.children.filter((c) => c.name === 'item') ?? [];
  }
}

/** Malformed XML; the message says where (line and column, 1-based). */
export class XmlParseError extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    problem: string,
  ) {
    super(`XML at line ${line}, column ${column}: ${problem}`);
    this.name = 'XmlParseError';
  }
}

/** Parses a whole document into its root element; anything but one root element and comments is refused. */
export function parseXml(source: string): XmlElement {
  let at = source.charCodeAt(0) === 0xfeff ? 1 : 0;
  function fail(problem: string, where = at): never {
    const before = source.slice(0, where).split('\n');
    throw new XmlParseError(before.length, (before.at(-1)?.length ?? 0) + 1, problem);
  }
  function match(pattern: RegExp): string | undefined {
    pattern.lastIndex = at;
    const found = pattern.exec(source);
    if (found === null) return undefined;
    at = pattern.lastIndex;
    return found[1] ?? found[0];
  }
  function skipPast(terminator: string, what: string): number {
    const end = source.indexOf(terminator, at);
    if (end < 0) fail(`unterminated ${what}`);
    at = end + terminator.length;
    return end;
  }
  function decode(raw: string, where: number): string {
    if (!raw.includes('&')) return raw;
    return raw.replace(ENTITY, (whole, ref: string | undefined, offset: number) => {
      if (ref === undefined) return fail('a bare & (expected an entity such as &amp;)', where + offset);
      const named = NAMED_ENTITIES[ref];
      if (named !== undefined) return named;
      const code = ref.startsWith('#x')
        ? Number.parseInt(ref.slice(2), 16)
        : Number.parseInt(ref.slice(1), 10);
      if (!ref.startsWith('#') || !(code <= 0x10ffff)) fail(`unknown entity ${whole}`, where + offset);
      return String.fromCodePoint(code);
    });
  }

  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (at < source.length) {
    const open = stack.at(-1);
    const lt = source.indexOf('<', at);
    const textEnd = lt < 0 ? source.length : lt;
    if (textEnd > at) {
      const raw = source.slice(at, textEnd);
      if (open !== undefined) open.text += decode(raw, at);
      else if (raw.trim() !== '') fail('text outside the root element');
      at = textEnd;
    } else if (source.startsWith('<?', at)) {
      skipPast('?>', 'processing instruction');
    } else if (source.startsWith('<!--', at)) {
      skipPast('-->', 'comment');
    } else if (source.startsWith('<![CDATA[', at)) {
      if (open === undefined) fail('CDATA outside the root element');
      at += 9;
      const start = at;
      open.text += source.slice(start, skipPast(']]>', 'CDATA section'));
    } else if (source.startsWith('<!', at)) {
      fail('DOCTYPE and other declarations are not supported');
    } else if (source.startsWith('</', at)) {
      const tagStart = at;
      at += 2;
      const name = match(NAME);
      if (open === undefined || name !== open.name) {
        fail(open === undefined ? 'a closing tag outside any element' : `expected </${open.name}>`, tagStart);
      }
      stack.pop();
      if (match(/\s*>/y) === undefined) fail(`expected > to close </${name}>`);
    } else {
      at += 1;
      const name = match(NAME);
      if (name === undefined) fail('expected an element name after <');
      if (open === undefined && root !== undefined)
        fail(`a second root element <${name}>`, at - name.length - 1);
      while (match(ATTRIBUTE) !== undefined);
      const end = match(TAG_END);
      if (end === undefined) fail(`a malformed attribute or unterminated tag in <${name}>`);
      const element = new XmlElement(name);
      if (open === undefined) root = element;
      else open.children.push(element);
      if (end !== '/') stack.push(element);
    }
  }
  const unclosed = stack.at(-1);
  if (unclosed !== undefined) fail(`unexpected end of input inside <${unclosed.name}>`);
  if (root === undefined) fail('no root element');
  return root;
}
