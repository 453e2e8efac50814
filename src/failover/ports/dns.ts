// Port of the DNS provider: the hosted zone records a cutover reads and changes, implemented by
// `src/aws/route53-dns.ts` and `sandbox/aws/sandbox-route53.ts`. Both validate a batch here first, so a bad
// change fails the same way before any call. Step Functions Retry/Catch match on the error `name`s: keep
// them stable.
import {
  type DnsRecordType,
  dnsNameProblem,
  dnsRecordTypes,
  recordValueProblem,
  toFqdn,
} from '../../plan/dns-names.ts';
import type { FailoverErrorOptions } from '../errors.ts';

/** Where an alias record points (an ALB, NLB, CloudFront distribution or another record in the zone). */
export interface DnsAliasTarget {
  hostedZoneId: string;
  dnsName: string;
  evaluateTargetHealth: boolean;
}

/**
 * One record set. Names are fully qualified, lower case, with the trailing dot (`app.example.com.`).
 * Either `ttl` + `values` or `alias`. Routed records (failover, weighted, latency) carry a `setIdentifier`.
 */
export interface DnsRecordSet {
  name: string;
  type: DnsRecordType;
  ttl?: number;
  values?: string[];
  alias?: DnsAliasTarget;
  setIdentifier?: string;
  failover?: 'PRIMARY' | 'SECONDARY';
  /** 0–255, weighted routing. */
  weight?: number;
  /** AWS region, latency routing. */
  region?: string;
  healthCheckId?: string;
}

/** What to do with a record set; `DELETE` takes the record exactly as it is (for failback of a new name). */
export type DnsChangeAction = 'UPSERT' | 'CREATE' | 'DELETE';

/** One change of a change batch. */
export interface DnsChange {
  action: DnsChangeAction;
  record: DnsRecordSet;
}

/** Propagation state of a submitted change: INSYNC once every authoritative server answers with it. */
export type DnsChangeStatus = 'PENDING' | 'INSYNC';

/** Reads and changes records of a hosted zone. */
export interface DnsProvider {
  /** The record sets (A, AAAA, CNAME) at these names as they are now; a name without records yields none. */
  currentRecords(zoneId: string, names: readonly string[]): Promise<DnsRecordSet[]>;
  /** Submits the changes atomically; resolves with the change id to poll with `changeStatus`. */
  changeRecords(zoneId: string, changes: readonly DnsChange[], comment: string): Promise<string>;
  changeStatus(changeId: string): Promise<DnsChangeStatus>;
}

/** Route 53 accepts at most this many changes in one batch. */
export const MAX_DNS_CHANGES_PER_BATCH = 1000;

/** `/hostedzone/Z123` or `Z123` → `Z123`; throws InvalidDnsChangeError on anything else. */
export function normalizeZoneId(zoneId: string): string {
  const id = zoneId.replace(/^\/hostedzone\//, '');
  if (!/^[A-Z0-9]{1,32}$/.test(id)) {
    throw new InvalidDnsChangeError(
      `hosted zone id ${JSON.stringify(zoneId)}`,
      'expected /hostedzone/<ID> or <ID>',
    );
  }
  return id;
}

/** Rejects a change batch Route 53 would refuse, naming the record and field at fault, before any call. */
export function validateDnsChanges(changes: readonly DnsChange[]): void {
  if (changes.length === 0) throw new InvalidDnsChangeError('changes', 'at least one change is required');
  if (changes.length > MAX_DNS_CHANGES_PER_BATCH) {
    throw new InvalidDnsChangeError(
      'changes',
      `${changes.length} changes exceed Route 53's ${MAX_DNS_CHANGES_PER_BATCH} per batch`,
    );
  }
  const seen = new Set<string>();
  changes.forEach((change, index) => {
    const where = `changes[${index}]`;
    if (!['UPSERT', 'CREATE', 'DELETE'].includes(change.action)) {
      throw new InvalidDnsChangeError(
        `${where}.action`,
        `${JSON.stringify(change.action)} is not UPSERT, CREATE or DELETE`,
      );
    }
    validateDnsRecord(change.record, `${where}.record`);
    const key = dnsRecordKey(change.record);
    if (seen.has(key)) throw new InvalidDnsChangeError(where, `a second change of the same record ${key}`);
    seen.add(key);
  });
}

/** Identity of a record set inside a zone: name, type and set identifier. */
export function dnsRecordKey(record: Pick<DnsRecordSet, 'name' | 'type' | 'setIdentifier'>): string {
  return `${toFqdn(record.name)} ${record.type}${record.setIdentifier ? ` ${record.setIdentifier}` : ''}`;
}

function validateDnsRecord(record: DnsRecordSet, where: string): void {
  const nameProblem =
    typeof record.name === 'string'
      ? dnsNameProblem(record.name)
      : `${JSON.stringify(record.name)} is not a string`;
  if (nameProblem !== undefined) throw new InvalidDnsChangeError(`${where}.name`, nameProblem);
  if (!dnsRecordTypes.includes(record.type)) {
    throw new InvalidDnsChangeError(
      `${where}.type`,
      `${JSON.stringify(record.type)} is not A, AAAA or CNAME`,
    );
  }
  const hasValues = record.values !== undefined;
  if (hasValues === (record.alias !== undefined)) {
    throw new InvalidDnsChangeError(where, 'exactly one of values (with ttl) or alias is required');
  }
  if (record.alias) {
    if (record.ttl !== undefined)
      throw new InvalidDnsChangeError(`${where}.ttl`, 'an alias record has no TTL');
    if (!record.alias.hostedZoneId)
      throw new InvalidDnsChangeError(`${where}.alias.hostedZoneId`, 'is required');
    const targetProblem = dnsNameProblem(record.alias.dnsName);
    if (targetProblem !== undefined) throw new InvalidDnsChangeError(`${where}.alias.dnsName`, targetProblem);
  }
  if (hasValues) {
    const values = record.values ?? [];
    if (
      record.ttl === undefined ||
      !Number.isInteger(record.ttl) ||
      record.ttl < 0 ||
      record.ttl > 2_147_483_647
    ) {
      throw new InvalidDnsChangeError(
        `${where}.ttl`,
        `${String(record.ttl)} must be a whole number of seconds`,
      );
    }
    if (values.length === 0)
      throw new InvalidDnsChangeError(`${where}.values`, 'at least one value is required');
    if (record.type === 'CNAME' && values.length !== 1) {
      throw new InvalidDnsChangeError(
        `${where}.values`,
        `a CNAME has exactly one value, got ${values.length}`,
      );
    }
    values.forEach((value, i) => {
      const problem = recordValueProblem(record.type, value);
      if (problem !== undefined) throw new InvalidDnsChangeError(`${where}.values[${i}]`, problem);
    });
  }
  const routed = record.failover !== undefined || record.weight !== undefined || record.region !== undefined;
  if (routed && !record.setIdentifier) {
    throw new InvalidDnsChangeError(`${where}.setIdentifier`, 'is required with failover, weight or region');
  }
  if (record.setIdentifier !== undefined && !routed) {
    throw new InvalidDnsChangeError(`${where}.setIdentifier`, 'needs one of failover, weight or region');
  }
  if (record.failover !== undefined && !['PRIMARY', 'SECONDARY'].includes(record.failover)) {
    throw new InvalidDnsChangeError(
      `${where}.failover`,
      `${JSON.stringify(record.failover)} is not PRIMARY or SECONDARY`,
    );
  }
  if (
    record.weight !== undefined &&
    (!Number.isInteger(record.weight) || record.weight < 0 || record.weight > 255)
  ) {
    throw new InvalidDnsChangeError(
      `${where}.weight`,
      `${String(record.weight)} must be a whole number from 0 to 255`,
    );
  }
}

/** A hosted zone that does not exist. */
export class HostedZoneNotFoundError extends Error {
  constructor(
    readonly zoneId: string,
    options: FailoverErrorOptions = {},
  ) {
    super(`hosted zone ${JSON.stringify(zoneId)} not found`, options);
    this.name = 'HostedZoneNotFoundError';
  }
}

/** A change id Route 53 does not know. */
export class DnsChangeNotFoundError extends Error {
  constructor(
    readonly changeId: string,
    options: FailoverErrorOptions = {},
  ) {
    super(`DNS change ${JSON.stringify(changeId)} not found`, options);
    this.name = 'DnsChangeNotFoundError';
  }
}

/** A change batch that is malformed or that Route 53 refused (InvalidChangeBatch, InvalidInput). */
export class InvalidDnsChangeError extends Error {
  constructor(
    readonly field: string,
    detail: string,
    options: FailoverErrorOptions = {},
  ) {
    super(`${field}: ${detail}`, options);
    this.name = 'InvalidDnsChangeError';
  }
}

/** A record set whose routing policy eks-dr cannot represent, so it could not be restored on failback. */
export class UnsupportedDnsRecordError extends Error {
  constructor(
    readonly record: string,
    detail: string,
    options: FailoverErrorOptions = {},
  ) {
    super(`record ${record}: ${detail}`, options);
    this.name = 'UnsupportedDnsRecordError';
  }
}

/** Route 53 kept answering PriorRequestNotComplete or Throttling after every retry. */
export class DnsThrottledError extends Error {
  constructor(
    readonly operation: string,
    readonly attempts: number,
    options: FailoverErrorOptions = {},
  ) {
    super(`Route 53 ${operation} still throttled after ${attempts} attempts`, options);
    this.name = 'DnsThrottledError';
  }
}
