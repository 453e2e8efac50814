// DNS names and record values, one module for the plan schema, the failover engine and the IAM policies of
// `infra/`. Route 53 compares names case-insensitively and with or without the final dot, and returns them
// lower case, dot-terminated and with special characters as octal escapes; every comparison goes through
// `toFqdn` so the three sources (plan, Route 53, sandbox) agree on one spelling.
import { isIPv4, isIPv6 } from 'node:net';
import type { Problem } from './aws-names.ts';

/** Record types the DNS cutover manages. */
export const dnsRecordTypes = ['A', 'AAAA', 'CNAME'] as const;
/** A Route 53 record type the DNS cutover can move. */
export type DnsRecordType = (typeof dnsRecordTypes)[number];

/** `App.Example.com` or `\052.example.com.` → `app.example.com.` / `*.example.com.`: Route 53's own form. */
export function toFqdn(name: string): string {
  // Route 53 returns `*` and other special characters as octal escapes (`\052`).
  const decoded = name.replace(/\\(\d{3})/g, (_, octal: string) =>
    String.fromCharCode(Number.parseInt(octal, 8)),
  );
  const lower = decoded.trim().toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/** `App.Example.com.` → `app.example.com`: `toFqdn` without the final dot, as IAM condition keys spell names. */
export function withoutTrailingDot(name: string): string {
  return toFqdn(name).slice(0, -1);
}

/** A DNS name as Route 53 accepts it: optional leading `*` label and trailing dot, 1-63 character labels. */
export function dnsNameProblem(value: string): Problem {
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  if (name.length === 0 || name.length > 253) return `must be 1 to 253 characters, got ${name.length}`;
  const labels = name.split('.');
  const valid = labels.every(
    (label, index) =>
      (index === 0 && label === '*') ||
      (label.length <= 63 && /^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?$/.test(label)),
  );
  return valid ? undefined : `expected a DNS name like shop.example.com, got ${JSON.stringify(value)}`;
}

/** A record value of the given type: an IPv4 address for A, IPv6 for AAAA, a host name for CNAME. */
export function recordValueProblem(type: DnsRecordType, value: string): Problem {
  switch (type) {
    case 'A':
      return isIPv4(value)
        ? undefined
        : `expected an IPv4 address for an A record, got ${JSON.stringify(value)}`;
    case 'AAAA':
      return isIPv6(value)
        ? undefined
        : `expected an IPv6 address for an AAAA record, got ${JSON.stringify(value)}`;
    case 'CNAME':
      return dnsNameProblem(value) === undefined && value !== '*'
        ? undefined
        : `expected a host name for a CNAME record, got ${JSON.stringify(value)}`;
  }
}
