import { describe, expect, it } from 'vitest';
import {
  InvalidSelectorError,
  labelSelectorToString,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
} from '../../src/kube/label-selector.ts';

function matches(selector: string, labels: Record<string, string> | undefined): boolean {
  return matchesLabels(parseLabelSelector(selector), labels);
}

function parseError(selector: string): unknown {
  try {
    parseLabelSelector(selector);
  } catch (error) {
    return error;
  }
  throw new Error(`expected ${JSON.stringify(selector)} to be rejected`);
}

describe('parseLabelSelector', () => {
  it('parses every operator into requirements sorted by key', () => {
    // Arrange
    const text = 'z=1,y==2,x!=3,w in (b,a),v notin (c),u,!t,s>4,r<5';

    // Act
    const selector = parseLabelSelector(text);

    // Assert
    expect(selector.requirements).toEqual([
      { key: 'r', operator: 'LessThan', values: ['5'] },
      { key: 's', operator: 'GreaterThan', values: ['4'] },
      { key: 't', operator: 'DoesNotExist', values: [] },
      { key: 'u', operator: 'Exists', values: [] },
      { key: 'v', operator: 'NotIn', values: ['c'] },
      { key: 'w', operator: 'In', values: ['a', 'b'] },
      { key: 'x', operator: 'NotEquals', values: ['3'] },
      { key: 'y', operator: 'Equals', values: ['2'] },
      { key: 'z', operator: 'Equals', values: ['1'] },
    ]);
  });

  it.each(['', '   ', '\t\n'])('treats %j as the selector that matches everything', (text) => {
    // Arrange
    const labels = { app: 'web' };

    // Act
    const selector = parseLabelSelector(text);

    // Assert
    expect(selector.requirements).toEqual([]);
    expect(matchesLabels(selector, labels)).toBe(true);
    expect(matchesLabels(selector, undefined)).toBe(true);
  });

  it('tolerates whitespace around keys, operators, values and commas', () => {
    // Arrange
    const spaced = '  app = web ,  tier  in ( a , b ) , ! legacy , env!=prod  ';

    // Act
    const selector = parseLabelSelector(spaced);

    // Assert
    expect(selector).toEqual(parseLabelSelector('app=web,tier in (a,b),!legacy,env!=prod'));
  });

  it('keeps commas inside parentheses in the value set', () => {
    // Arrange
    const text = 'a in (x,y,z),b';

    // Act
    const selector = parseLabelSelector(text);

    // Assert
    expect(selector.requirements).toEqual([
      { key: 'a', operator: 'In', values: ['x', 'y', 'z'] },
      { key: 'b', operator: 'Exists', values: [] },
    ]);
  });

  it('reads empty slots in a set and a missing exact value as the empty value, as Kubernetes does', () => {
    // Arrange
    const text = 'a in (),b notin (x,,y),c=,d!=';

    // Act
    const selector = parseLabelSelector(text);

    // Assert
    expect(selector.requirements).toEqual([
      { key: 'a', operator: 'In', values: [''] },
      { key: 'b', operator: 'NotIn', values: ['', 'x', 'y'] },
      { key: 'c', operator: 'Equals', values: [''] },
      { key: 'd', operator: 'NotEquals', values: [''] },
    ]);
  });

  it('reads in and notin as identifiers where a key or value is expected', () => {
    // Arrange
    const text = 'in in (in,notin),notin=in';

    // Act
    const selector = parseLabelSelector(text);

    // Assert
    expect(selector.requirements).toEqual([
      { key: 'in', operator: 'In', values: ['in', 'notin'] },
      { key: 'notin', operator: 'Equals', values: ['in'] },
    ]);
  });

  it('accepts prefixed keys and values at the 63 character limit', () => {
    // Arrange
    const name = 'a'.repeat(63);
    const text = `app.kubernetes.io/${name}=${name}`;

    // Act
    const selector = parseLabelSelector(text);

    // Assert
    expect(selector.requirements).toEqual([
      { key: `app.kubernetes.io/${name}`, operator: 'Equals', values: [name] },
    ]);
  });

  it.each([
    ['a in b', 'expected "(" after "in"'],
    ['a notin', 'expected "(" after "notin"'],
    ['a in (b', 'missing ")" after the values of "a in"'],
    ['a in (b c)', 'expected "," or ")" in the values of "a in", found "c"'],
    ['a in (=)', 'expected "," or ")" in the values of "a in", found "="'],
    ['a b', 'expected an operator (=, ==, !=, in, notin, >, <) after "a", found "b"'],
    ['a=b c', 'expected "," or end of selector after "a=b", found "c"'],
    ['a=(b)', 'expected a value after "a=", found "("'],
    ['a=b=c', 'expected "," or end of selector after "a=b", found "="'],
    ['!a=b', 'expected "," or end of selector after "!a", found "="'],
    ['!', 'expected a label key after "!", found end of selector'],
    [',a', 'expected a label key or "!", found ","'],
    ['a,', 'expected a label key or "!" after ",", found end of selector'],
    ['a,,b', 'expected a label key or "!" after ",", found ","'],
    ['=b', 'expected a label key or "!", found "="'],
    ['a>b', 'value "b" for "a>" must be an integer'],
    ['a<99999999999999999999', 'value "99999999999999999999" for "a<" must be an integer'],
  ])('rejects %j: %s', (text, detail) => {
    // Arrange
    const expected = `invalid label selector ${JSON.stringify(text)}: ${detail}`;

    // Act
    const error = parseError(text);

    // Assert
    expect(error).toBeInstanceOf(InvalidSelectorError);
    expect(error).toHaveProperty('name', 'InvalidSelectorError');
    expect(error).toHaveProperty('message', expected);
  });

  it.each([
    ['-app=web', 'invalid label key "-app"'],
    [
      'Example.com/app=web',
      'invalid label key "Example.com/app": prefix part a lowercase RFC 1123 subdomain',
    ],
    ['/app=web', 'invalid label key "/app": prefix part must be non-empty'],
    ['example.com/=web', 'invalid label key "example.com/": name part must be non-empty'],
    ['a/b/c=web', 'invalid label key "a/b/c": a qualified name must consist of'],
    [`${'k'.repeat(64)}=v`, 'name part must be no more than 63 characters'],
    ['app=-web', 'invalid value "-web" for label "app": a valid label value must be an empty string or'],
    [`app=${'v'.repeat(64)}`, 'must be no more than 63 characters'],
    ['app in (ok,bad!)', 'expected "," or ")" in the values of "app in", found "!"'],
    ['app in (ok,bad_)', 'invalid value "bad_" for label "app"'],
    ['caf\u00e9=1', 'invalid label key "caf\u00e9"'],
  ])('validates keys and values: %j', (text, fragment) => {
    // Arrange
    const prefix = `invalid label selector ${JSON.stringify(text)}: `;

    // Act
    const error = parseError(text);

    // Assert
    expect(error).toBeInstanceOf(InvalidSelectorError);
    expect((error as Error).message.startsWith(prefix)).toBe(true);
    expect((error as Error).message).toContain(fragment);
  });
});

describe('matchesLabels', () => {
  const web = { app: 'web', tier: 'frontend', replicas: '3' };

  it.each([
    ['app=web', true],
    ['app==web', true],
    ['app=api', false],
    ['app!=api', true],
    ['app!=web', false],
    ['app in (api,web)', true],
    ['app in (api,db)', false],
    ['app notin (api,db)', true],
    ['app notin (web)', false],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['replicas>2', true],
    ['replicas>3', false],
    ['replicas<4', true],
    ['replicas<3', false],
    ['app>1', false],
    ['app=web,tier=frontend', true],
    ['app=web,tier=backend', false],
  ])('%s on app=web,tier=frontend,replicas=3 is %s', (selector, expected) => {
    // Arrange
    const parsed = parseLabelSelector(selector);

    // Act
    const result = matchesLabels(parsed, web);

    // Assert
    expect(result).toBe(expected);
  });

  it.each([
    ['app!=web', true],
    ['app notin (web)', true],
    ['!app', true],
    ['app=web', false],
    ['app in (web)', false],
    ['app', false],
    ['app>1', false],
    ['app<1', false],
  ])('%s on an object without the label is %s, as in Kubernetes', (selector, expected) => {
    // Arrange
    const withoutApp = { tier: 'frontend' };

    // Act
    const onOther = matches(selector, withoutApp);
    const onNone = matches(selector, undefined);

    // Assert
    expect(onOther).toBe(expected);
    expect(onNone).toBe(expected);
  });

  it('matches an empty value only against a label that is present and empty', () => {
    // Arrange
    const selector = parseLabelSelector('app=');

    // Act
    const results = [matchesLabels(selector, { app: '' }), matchesLabels(selector, {})];

    // Assert
    expect(results).toEqual([true, false]);
  });

  it('does not see Object.prototype members as labels', () => {
    // Arrange
    const labels = { app: 'web' };

    // Act
    const results = [
      matches('constructor', labels),
      matches('!toString', labels),
      matches('hasOwnProperty!=x', labels),
    ];

    // Assert
    expect(results).toEqual([false, true, true]);
  });
});

describe('labelSelectorToString', () => {
  it('renders the canonical form: sorted keys, sorted unique values, == as =', () => {
    // Arrange
    const selector = parseLabelSelector(
      ' tier in (b, a, b) , !legacy, app==web , env!=prod, n>3, x notin (z), has ',
    );

    // Act
    const text = labelSelectorToString(selector);

    // Assert
    expect(text).toBe('app=web,env!=prod,has,!legacy,n>3,tier in (a,b),x notin (z)');
  });

  it('round-trips through parseLabelSelector', () => {
    // Arrange
    const original = parseLabelSelector('a in (,x),b=,c notin (y),!d,e');

    // Act
    const reparsed = parseLabelSelector(labelSelectorToString(original));

    // Assert
    expect(reparsed).toEqual(original);
  });

  it('renders the empty selector as the empty string', () => {
    // Arrange
    const selector = parseLabelSelector('');

    // Act
    const text = labelSelectorToString(selector);

    // Assert
    expect(text).toBe('');
  });
});

describe('parseFieldSelector', () => {
  const podFields = ['metadata.name', 'metadata.namespace', 'status.phase', 'spec.nodeName'];

  it('parses =, == and != terms', () => {
    // Arrange
    const text = 'status.phase!=Failed,metadata.name==web-0,spec.nodeName=node-a';

    // Act
    const requirements = parseFieldSelector(text, podFields);

    // Assert
    expect(requirements).toEqual([
      { field: 'metadata.name', operator: 'Equals', value: 'web-0' },
      { field: 'spec.nodeName', operator: 'Equals', value: 'node-a' },
      { field: 'status.phase', operator: 'NotEquals', value: 'Failed' },
    ]);
  });

  it('returns no requirements for the empty selector and skips empty terms', () => {
    // Arrange
    const texts = ['', ',', 'metadata.name=a,,'];

    // Act
    const parsed = texts.map((text) => parseFieldSelector(text, podFields));

    // Assert
    expect(parsed).toEqual([[], [], [{ field: 'metadata.name', operator: 'Equals', value: 'a' }]]);
  });

  it('allows an empty value and unescapes \\, \\= and \\\\ in values', () => {
    // Arrange
    const text = 'spec.nodeName=,metadata.name=a\\,b\\=c\\\\d';

    // Act
    const requirements = parseFieldSelector(text, podFields);

    // Assert
    expect(requirements).toEqual([
      { field: 'metadata.name', operator: 'Equals', value: 'a,b=c\\d' },
      { field: 'spec.nodeName', operator: 'Equals', value: '' },
    ]);
  });

  it('rejects an unsupported field with the API server message', () => {
    // Arrange
    const text = 'metadata.name=web,spec.replicas=3';

    // Act
    const parse = () => parseFieldSelector(text, podFields);

    // Assert
    expect(parse).toThrow(InvalidSelectorError);
    expect(parse).toThrow(/^field label not supported: spec\.replicas$/);
  });

  it('does not trim whitespace, like the API server', () => {
    // Arrange
    const text = 'metadata.name = web';

    // Act
    const parse = () => parseFieldSelector(text, podFields);

    // Assert
    expect(parse).toThrow('field label not supported: metadata.name ');
  });

  it.each([
    ['metadata.name', "invalid selector: 'metadata.name'; can't understand 'metadata.name'"],
    ['metadata.name=a=b', 'invalid field selector: unescaped character in value: ='],
    ['metadata.name=a\\b', 'invalid field selector: invalid escape sequence: \\b'],
    ['metadata.name=a\\', 'invalid field selector: invalid escape sequence: \\'],
  ])('rejects %j', (text, message) => {
    // Arrange
    const fields = podFields;

    // Act
    const parse = () => parseFieldSelector(text, fields);

    // Assert
    expect(parse).toThrow(InvalidSelectorError);
    expect(parse).toThrow(message);
  });
});

describe('matchesFields', () => {
  const pod: Record<string, string> = { 'metadata.name': 'web-0', 'status.phase': 'Running' };
  const podField = (field: string) => pod[field];
  const fields = ['metadata.name', 'status.phase', 'spec.nodeName'];

  it.each([
    ['metadata.name=web-0', true],
    ['metadata.name==web-1', false],
    ['status.phase!=Running', false],
    ['status.phase!=Failed', true],
    ['metadata.name=web-0,status.phase=Running', true],
    ['metadata.name=web-0,status.phase=Pending', false],
    ['spec.nodeName=', true],
    ['spec.nodeName!=', false],
    ['spec.nodeName!=node-a', true],
    ['', true],
  ])('%j is %s for a pod web-0 Running with no node', (selector, expected) => {
    // Arrange
    const requirements = parseFieldSelector(selector, fields);

    // Act
    const result = matchesFields(requirements, podField);

    // Assert
    expect(result).toBe(expected);
  });
});
