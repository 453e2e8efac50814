import { describe, expect, it } from 'vitest';
import { isRecord } from '../../src/util/is-record.ts';

describe('isRecord', () => {
  it('accepts plain objects, including empty and prototype-less ones', () => {
    expect(isRecord({})).toBe(true);
    expect(isRecord({ kind: 'Pod' })).toBe(true);
    expect(isRecord(Object.create(null))).toBe(true);
  });

  it('refuses arrays, null and scalars', () => {
    for (const value of [[], [1], null, undefined, 0, '', 'x', true]) expect(isRecord(value)).toBe(false);
  });
});
