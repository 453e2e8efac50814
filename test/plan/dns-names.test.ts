import { describe, expect, it } from 'vitest';
import {
  type DnsRecordType,
  dnsNameProblem,
  recordValueProblem,
  toFqdn,
  withoutTrailingDot,
} from '../../src/plan/dns-names.ts';

describe('toFqdn', () => {
  it.each([
    ['App.Example.com', 'app.example.com.'],
    ['app.example.com.', 'app.example.com.'],
    [' shop.example.com ', 'shop.example.com.'],
    ['\\052.example.com.', '*.example.com.'],
  ])('writes %j as %j, the form Route 53 returns', (name, expected) => {
    // Arrange
    const value = name;

    // Act
    const fqdn = toFqdn(value);

    // Assert
    expect(fqdn).toBe(expected);
  });

  it('gives one spelling for names that differ only in case and the final dot', () => {
    // Arrange
    const spellings = ['Shop.Example.com', 'shop.example.com.', 'SHOP.EXAMPLE.COM.'];

    // Act
    const forms = new Set(spellings.map(toFqdn));

    // Assert
    expect([...forms]).toEqual(['shop.example.com.']);
  });
});

describe('withoutTrailingDot', () => {
  it.each([
    ['App.Example.com.', 'app.example.com'],
    ['app.example.com', 'app.example.com'],
    ['*.Example.com.', '*.example.com'],
  ])('writes %j as %j, the form IAM conditions match', (name, expected) => {
    // Arrange
    const value = name;

    // Act
    const bare = withoutTrailingDot(value);

    // Assert
    expect(bare).toBe(expected);
  });
});

describe('names and values', () => {
  it.each<[string, boolean]>([
    ['shop.example.com', true],
    ['shop.example.com.', true],
    ['*.shop.example.com', true],
    ['_dmarc.example.com', true],
    ['shop..example.com', false],
    ['shop.*.example.com', false],
    ['-shop.example.com', false],
    [`${'a'.repeat(64)}.example.com`, false],
  ])('DNS name %j is valid: %s', (name, valid) => {
    // Arrange
    const value = name;

    // Act
    const problem = dnsNameProblem(value);

    // Assert
    expect(problem === undefined).toBe(valid);
  });

  it.each<[DnsRecordType, string, boolean]>([
    ['A', '203.0.113.10', true],
    ['A', '203.0.113.300', false],
    ['AAAA', '2001:db8::10', true],
    ['AAAA', '203.0.113.10', false],
    ['CNAME', 'shop-dr.example.com', true],
    ['CNAME', '203.0.113.10', true],
    ['CNAME', 'https://shop.example.com', false],
  ])('%s value %j is valid: %s', (type, value, valid) => {
    // Arrange
    const record = { type, value };

    // Act
    const problem = recordValueProblem(record.type, record.value);

    // Assert
    expect(problem === undefined).toBe(valid);
  });
});
