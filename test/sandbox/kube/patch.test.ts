import { describe, expect, it } from 'vitest';
import { applyJsonPatch, applyMergePatch, JsonPatchError } from '../../../sandbox/kube/patch.ts';

function patchError(document: unknown, operations: unknown): JsonPatchError {
  try {
    applyJsonPatch(document, operations);
  } catch (error) {
    if (error instanceof JsonPatchError) return error;
    throw error;
  }
  throw new Error('expected the patch to fail');
}

describe('applyMergePatch', () => {
  it('applies the RFC 7386 section 3 example', () => {
    // Arrange
    const target = {
      title: 'Goodbye!',
      author: { givenName: 'John', familyName: 'Doe' },
      tags: ['example', 'sample'],
      content: 'This will be unchanged',
    };
    const patch = {
      title: 'Hello!',
      phoneNumber: '+01-123-456-7890',
      author: { familyName: null },
      tags: ['example'],
    };

    // Act
    const result = applyMergePatch(target, patch);

    // Assert
    expect(result).toEqual({
      title: 'Hello!',
      author: { givenName: 'John' },
      tags: ['example'],
      content: 'This will be unchanged',
      phoneNumber: '+01-123-456-7890',
    });
  });

  // RFC 7386 Appendix A, row by row.
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('appendix A: %j patched with %j is %j', (target, patch, expected) => {
    // Arrange
    const before = structuredClone({ target, patch });

    // Act
    const result = applyMergePatch(target, patch);

    // Assert
    expect(result).toEqual(expected);
    expect({ target, patch }).toEqual(before);
  });

  it('creates the target when there is none', () => {
    // Arrange
    const patch = { metadata: { labels: { app: 'web' } } };

    // Act
    const result = applyMergePatch(undefined, patch);

    // Assert
    expect(result).toEqual({ metadata: { labels: { app: 'web' } } });
  });

  it('neither mutates nor aliases its inputs', () => {
    // Arrange
    const target = { spec: { replicas: 1, template: { labels: { app: 'web' } } }, status: { ready: 1 } };
    const patch = { spec: { replicas: 3, selector: { matchLabels: { app: 'web' } } }, status: null };
    const before = structuredClone({ target, patch });

    // Act
    const result = applyMergePatch(target, patch) as {
      spec: {
        template: { labels: Record<string, string> };
        selector: { matchLabels: Record<string, string> };
      };
    };
    result.spec.template.labels.app = 'changed';
    result.spec.selector.matchLabels.app = 'changed';

    // Assert
    expect({ target, patch }).toEqual(before);
  });

  it('treats a __proto__ member as data, not as the prototype', () => {
    // Arrange
    const patch = JSON.parse('{"__proto__": {"polluted": true}}') as unknown;

    // Act
    const result = applyMergePatch({}, patch) as Record<string, unknown>;

    // Assert
    expect(Object.hasOwn(result, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('applyJsonPatch', () => {
  // RFC 6902 Appendix A examples that succeed.
  it.each([
    [
      'A.1 adding an object member',
      { foo: 'bar' },
      [{ op: 'add', path: '/baz', value: 'qux' }],
      { baz: 'qux', foo: 'bar' },
    ],
    [
      'A.2 adding an array element',
      { foo: ['bar', 'baz'] },
      [{ op: 'add', path: '/foo/1', value: 'qux' }],
      { foo: ['bar', 'qux', 'baz'] },
    ],
    [
      'A.3 removing an object member',
      { baz: 'qux', foo: 'bar' },
      [{ op: 'remove', path: '/baz' }],
      { foo: 'bar' },
    ],
    [
      'A.4 removing an array element',
      { foo: ['bar', 'qux', 'baz'] },
      [{ op: 'remove', path: '/foo/1' }],
      { foo: ['bar', 'baz'] },
    ],
    [
      'A.5 replacing a value',
      { baz: 'qux', foo: 'bar' },
      [{ op: 'replace', path: '/baz', value: 'boo' }],
      { baz: 'boo', foo: 'bar' },
    ],
    [
      'A.6 moving a value',
      { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
      { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    ],
    [
      'A.7 moving an array element',
      { foo: ['all', 'grass', 'cows', 'eat'] },
      [{ op: 'move', from: '/foo/1', path: '/foo/3' }],
      { foo: ['all', 'cows', 'eat', 'grass'] },
    ],
    [
      'A.8 testing a value: success',
      { baz: 'qux', foo: ['a', 2, 'c'] },
      [
        { op: 'test', path: '/baz', value: 'qux' },
        { op: 'test', path: '/foo/1', value: 2 },
      ],
      { baz: 'qux', foo: ['a', 2, 'c'] },
    ],
    [
      'A.10 adding a nested member object',
      { foo: 'bar' },
      [{ op: 'add', path: '/child', value: { grandchild: {} } }],
      { foo: 'bar', child: { grandchild: {} } },
    ],
    [
      'A.11 ignoring unrecognized elements',
      { foo: 'bar' },
      [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }],
      { foo: 'bar', baz: 'qux' },
    ],
    [
      'A.14 ~ escape ordering',
      { '/': 9, '~1': 10 },
      [{ op: 'test', path: '/~01', value: 10 }],
      { '/': 9, '~1': 10 },
    ],
    [
      'A.16 adding an array value',
      { foo: ['bar'] },
      [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }],
      { foo: ['bar', ['abc', 'def']] },
    ],
  ])('%s', (_name, document, operations, expected) => {
    // Arrange
    const before = structuredClone({ document, operations });

    // Act
    const result = applyJsonPatch(document, operations);

    // Assert
    expect(result).toEqual(expected);
    expect({ document, operations }).toEqual(before);
  });

  it.each([
    [
      'A.9 testing a value: error',
      { baz: 'qux' },
      [{ op: 'test', path: '/baz', value: 'bar' }],
      'json patch operation 0 (test /baz): test failed: expected "bar", found "qux"',
    ],
    [
      'A.12 adding to a nonexistent target',
      { foo: 'bar' },
      [{ op: 'add', path: '/baz/bat', value: 'qux' }],
      'json patch operation 0 (add /baz/bat): path does not exist',
    ],
    [
      'A.13 invalid JSON patch document (the op that survives parsing lacks a value)',
      { foo: 'bar' },
      [{ op: 'replace', path: '/baz' }],
      'json patch operation 0 (replace /baz): "value" is required',
    ],
    [
      'A.15 comparing strings and numbers',
      { '/': 9, '~1': 10 },
      [{ op: 'test', path: '/~01', value: '10' }],
      'json patch operation 0 (test /~01): test failed: expected "10", found 10',
    ],
  ])('%s', (_name, document, operations, message) => {
    // Arrange
    const before = structuredClone(document);

    // Act
    const error = patchError(document, operations);

    // Assert
    expect(error.name).toBe('JsonPatchError');
    expect(error.message).toBe(message);
    expect(error.operationIndex).toBe(0);
    expect(document).toEqual(before);
  });

  it('names the failing operation index, op and path', () => {
    // Arrange
    const deployment = { metadata: { name: 'web' }, spec: {} };
    const operations = [
      { op: 'add', path: '/metadata/labels', value: {} },
      { op: 'add', path: '/metadata/labels/app', value: 'web' },
      { op: 'replace', path: '/spec/replicas', value: 3 },
    ];

    // Act
    const error = patchError(deployment, operations);

    // Assert
    expect(error.message).toBe('json patch operation 2 (replace /spec/replicas): path does not exist');
    expect(error.operationIndex).toBe(2);
  });

  it('is atomic: a failure late in the patch leaves the input untouched', () => {
    // Arrange
    const document = { spec: { replicas: 1, containers: [{ name: 'app' }] } };
    const before = structuredClone(document);
    const operations = [
      { op: 'replace', path: '/spec/replicas', value: 5 },
      { op: 'remove', path: '/spec/containers/0' },
      { op: 'test', path: '/spec/replicas', value: 1 },
    ];

    // Act
    const error = patchError(document, operations);

    // Assert
    expect(error.message).toBe(
      'json patch operation 2 (test /spec/replicas): test failed: expected 1, found 5',
    );
    expect(document).toEqual(before);
  });

  it('neither mutates nor aliases the document or the operation values', () => {
    // Arrange
    const document = { spec: { template: { labels: { app: 'web' } } } };
    const value = { tier: 'frontend' };
    const operations = [
      { op: 'add', path: '/metadata', value: { labels: value } },
      { op: 'copy', from: '/spec/template', path: '/copy' },
    ];
    const before = structuredClone({ document, operations });

    // Act
    const result = applyJsonPatch(document, operations) as {
      metadata: { labels: Record<string, string> };
      copy: { labels: Record<string, string> };
      spec: { template: { labels: Record<string, string> } };
    };
    result.metadata.labels.tier = 'changed';
    result.copy.labels.app = 'changed';
    result.spec.template.labels.app = 'changed-too';

    // Assert
    expect({ document, operations }).toEqual(before);
  });

  it('adds, replaces and tests at the root', () => {
    // Arrange
    const document = { a: 1 };

    // Act
    const added = applyJsonPatch(document, [{ op: 'add', path: '', value: [1] }]);
    const replaced = applyJsonPatch(document, [
      { op: 'test', path: '', value: { a: 1 } },
      { op: 'replace', path: '', value: null },
    ]);

    // Assert
    expect(added).toEqual([1]);
    expect(replaced).toBeNull();
  });

  it('adds to an object member that exists by replacing it, and at the end of an array by index', () => {
    // Arrange
    const document = { a: 1, list: [1, 2] };

    // Act
    const result = applyJsonPatch(document, [
      { op: 'add', path: '/a', value: 2 },
      { op: 'add', path: '/list/2', value: 3 },
    ]);

    // Assert
    expect(result).toEqual({ a: 2, list: [1, 2, 3] });
  });

  it('copies values, including into arrays', () => {
    // Arrange
    const document = { a: { b: [1, 2] }, list: ['x'] };

    // Act
    const result = applyJsonPatch(document, [
      { op: 'copy', from: '/a/b', path: '/c' },
      { op: 'copy', from: '/a/b/1', path: '/list/0' },
    ]);

    // Assert
    expect(result).toEqual({ a: { b: [1, 2] }, c: [1, 2], list: [2, 'x'] });
  });

  it('treats a move onto itself as a no-op', () => {
    // Arrange
    const document = { a: { b: 1 } };

    // Act
    const result = applyJsonPatch(document, [{ op: 'move', from: '/a', path: '/a' }]);

    // Assert
    expect(result).toEqual({ a: { b: 1 } });
  });

  it('resolves ~0 and ~1 in pointers, and the empty member name', () => {
    // Arrange
    const document = { 'a/b': 1, 'm~n': 2, '': 3 };

    // Act
    const result = applyJsonPatch(document, [
      { op: 'replace', path: '/a~1b', value: 10 },
      { op: 'remove', path: '/m~0n' },
      { op: 'replace', path: '/', value: 30 },
    ]);

    // Assert
    expect(result).toEqual({ 'a/b': 10, '': 30 });
  });

  it('compares objects in test regardless of member order but arrays in order', () => {
    // Arrange
    const document = { o: { a: 1, b: [1, 2] } };

    // Act
    const equal = () => applyJsonPatch(document, [{ op: 'test', path: '/o', value: { b: [1, 2], a: 1 } }]);
    const reordered = () => applyJsonPatch(document, [{ op: 'test', path: '/o/b', value: [2, 1] }]);

    // Assert
    expect(equal).not.toThrow();
    expect(reordered).toThrow(JsonPatchError);
  });

  it.each([
    [
      { a: [1] },
      [{ op: 'add', path: '/a/2', value: 9 }],
      '(add /a/2): array index 2 is out of bounds (array length 1)',
    ],
    [{ a: [1] }, [{ op: 'add', path: '/a/01', value: 9 }], '(add /a/01): "01" is not a valid array index'],
    [{ a: [1] }, [{ op: 'remove', path: '/a/1' }], '(remove /a/1): path does not exist'],
    [{ a: [1] }, [{ op: 'remove', path: '/a/-' }], '(remove /a/-): "-" is not a valid array index'],
    [
      { a: [1] },
      [{ op: 'replace', path: '/a/-', value: 2 }],
      '(replace /a/-): "-" is not a valid array index',
    ],
    [{ a: [1] }, [{ op: 'test', path: '/a/-', value: 1 }], '(test /a/-): path does not exist'],
    [{ a: 1 }, [{ op: 'remove', path: '/b' }], '(remove /b): path does not exist'],
    [{ a: 1 }, [{ op: 'remove', path: '' }], '(remove ""): cannot remove the whole document'],
    [{ a: 1 }, [{ op: 'add', path: '/a/b', value: 2 }], '(add /a/b): path does not exist: parent is number'],
    [{ a: 1 }, [{ op: 'move', from: '/b', path: '/c' }], '(move /c): "from" path /b does not exist'],
    [{ a: 1 }, [{ op: 'copy', from: '/b', path: '/c' }], '(copy /c): "from" path /b does not exist'],
    [
      { a: { b: 1 } },
      [{ op: 'move', from: '/a', path: '/a/b/c' }],
      '(move /a/b/c): cannot move /a into one of its own',
    ],
    [{ a: { b: 1 } }, [{ op: 'test', path: '/a/c', value: 1 }], '(test /a/c): path does not exist'],
    [
      { constructor: 1 },
      [{ op: 'test', path: '/toString', value: 1 }],
      '(test /toString): path does not exist',
    ],
  ])('rejects operations on missing or invalid locations: %j %j', (document, operations, fragment) => {
    // Arrange
    const expected = `json patch operation 0 ${fragment}`;

    // Act
    const error = patchError(document, operations);

    // Assert
    expect(error.message.startsWith(expected)).toBe(true);
  });

  it.each([
    [{ op: 'add', path: '/a' } as unknown, 'json patch operation 1 (add /a): "value" is required'],
    [{ op: 'test', path: '/a' }, 'json patch operation 1 (test /a): "value" is required'],
    [{ op: 'move', path: '/a' }, 'json patch operation 1 (move /a): "from" must be a string'],
    [
      { op: 'copy', path: '/a', from: 'a' },
      'json patch operation 1 (copy /a): "from" "a" is not a JSON pointer',
    ],
    [{ op: 'remove' }, 'json patch operation 1 (remove): "path" must be a string'],
    [{ op: 'add', path: 'a', value: 1 }, 'json patch operation 1 (add a): "path" "a" is not a JSON pointer'],
    [
      { op: 'add', path: '/a~2', value: 1 },
      'json patch operation 1 (add /a~2): "path" "/a~2" is not a JSON pointer',
    ],
    [{ op: 'merge', path: '/a' }, 'json patch operation 1: "op" must be one of add, remove, replace, move'],
    [{ path: '/a' }, 'json patch operation 1: "op" must be one of'],
    ['add', 'json patch operation 1: must be an object, got string'],
    [null, 'json patch operation 1: must be an object, got null'],
  ])('validates the shape of every operation before applying any: %j', (bad, fragment) => {
    // Arrange
    const document = { a: 1 };
    const operations = [{ op: 'remove', path: '/missing' }, bad];

    // Act
    const error = patchError(document, operations);

    // Assert
    expect(error.message.startsWith(fragment)).toBe(true);
    expect(error.operationIndex).toBe(1);
  });

  it.each([
    [{ op: 'add', path: '/a', value: 1 }, 'object'],
    ['[]', 'string'],
    [null, 'null'],
  ])('rejects a patch that is not an array: %j', (operations, type) => {
    // Arrange
    const document = {};

    // Act
    const error = patchError(document, operations);

    // Assert
    expect(error.message).toBe(`json patch must be an array of operations, got ${type}`);
    expect(error.operationIndex).toBeUndefined();
  });

  it('returns a copy of the document for an empty patch', () => {
    // Arrange
    const document = { a: { b: 1 } };

    // Act
    const result = applyJsonPatch(document, []);

    // Assert
    expect(result).toEqual(document);
    expect(result).not.toBe(document);
  });

  it('accepts a null value for add, replace and test', () => {
    // Arrange
    const document = { a: 1 };

    // Act
    const result = applyJsonPatch(document, [
      { op: 'add', path: '/b', value: null },
      { op: 'replace', path: '/a', value: null },
      { op: 'test', path: '/b', value: null },
    ]);

    // Assert
    expect(result).toEqual({ a: null, b: null });
  });
});
