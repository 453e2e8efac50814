// Route 53 on the sandbox: hosted zones hold record sets, a change batch applies atomically with Route
// 53's rules, and its status stays PENDING for the modelled propagation time before INSYNC. Injected
// PriorRequestNotComplete/Throttling answers go through the same bounded backoff as the real adapter.
import {
  type DnsChange,
  DnsChangeNotFoundError,
  type DnsChangeStatus,
  type DnsProvider,
  type DnsRecordSet,
  DnsThrottledError,
  dnsRecordKey,
  HostedZoneNotFoundError,
  InvalidDnsChangeError,
  normalizeZoneId,
  validateDnsChanges,
} from '../../src/failover/ports/dns.ts';
import { toFqdn } from '../../src/plan/dns-names.ts';
import { retry } from '../../src/util/retry.ts';
import type { SandboxClock } from './sandbox-clock.ts';

/** A hosted zone as the sandbox starts it. */
export interface SandboxZoneSpec {
  /** @default generated (`Z` + 12 characters) */
  id?: string;
  /** The zone's domain, `example.com`. */
  name: string;
  records?: DnsRecordSet[];
}

/** Options of SandboxRoute53; durations are modelled. */
export interface SandboxRoute53Options {
  clock: SandboxClock;
  /**
   * Seconds from submission to INSYNC (AWS documents "generally within 60 seconds").
   * @default 60
   */
  propagationSeconds?: number;
  /** Backoff of the retries of injected faults, in modelled milliseconds. */
  retry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number; random?: () => number };
}

/** A submitted change batch and when it was submitted. */
export interface SandboxDnsChange {
  id: string;
  zoneId: string;
  comment: string;
  changes: DnsChange[];
  submittedAt: Date;
}

/** Route 53's throttling answers the fault hook can inject. */
export type Route53FaultCode = 'PriorRequestNotComplete' | 'Throttling';

class InjectedRoute53Fault extends Error {
  constructor(code: Route53FaultCode) {
    super(
      code === 'PriorRequestNotComplete'
        ? 'The request was rejected because Route 53 was still processing a prior request.'
        : 'Rate exceeded',
    );
    this.name = code;
  }
}

interface ZoneRecord {
  id: string;
  name: string;
  records: Map<string, DnsRecordSet>;
}

/** DnsProvider in memory with Route 53's change semantics and propagation delay on a compressed clock. */
export class SandboxRoute53 implements DnsProvider {
  readonly #zones = new Map<string, ZoneRecord>();
  readonly #changes = new Map<string, SandboxDnsChange>();
  readonly #faults: Route53FaultCode[] = [];
  readonly #clock: SandboxClock;
  readonly #options: SandboxRoute53Options;
  #sequence = 0;

  constructor(options: SandboxRoute53Options) {
    this.#clock = options.clock;
    this.#options = options;
  }

  /** Creates a hosted zone with its records; resolves the zone id. */
  addZone(spec: SandboxZoneSpec): string {
    const id = spec.id ? normalizeZoneId(spec.id) : `Z${this.#nextId(12)}`;
    if (this.#zones.has(id)) throw new Error(`sandbox hosted zone ${id} already exists`);
    const zone: ZoneRecord = { id, name: toFqdn(spec.name), records: new Map() };
    if (spec.records && spec.records.length > 0) {
      const changes = spec.records.map((record): DnsChange => ({ action: 'CREATE', record }));
      validateDnsChanges(changes);
      zone.records = applyChanges(zone, changes);
    }
    this.#zones.set(id, zone);
    return id;
  }

  /** Every record set of a zone, sorted by name, type and set identifier (for tests and the demo). */
  records(zoneId: string): DnsRecordSet[] {
    return [...this.#zone(zoneId).records.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, record]) => structuredClone(record));
  }

  /** Every change batch submitted so far. */
  get changes(): readonly SandboxDnsChange[] {
    return [...this.#changes.values()];
  }

  /** Makes the next `times` calls answer `code` (each retried like the real adapter retries it). */
  injectFault(code: Route53FaultCode, times = 1): void {
    for (let i = 0; i < times; i++) this.#faults.push(code);
  }

  /** The record sets at these names now. */
  async currentRecords(zoneId: string, names: readonly string[]): Promise<DnsRecordSet[]> {
    return this.#call('ListResourceRecordSets', () => {
      const zone = this.#zone(zoneId);
      const wanted = [...new Set(names.map(toFqdn))];
      return wanted.flatMap((name) =>
        [...zone.records.values()]
          .filter((record) => record.name === name)
          .sort((a, b) => dnsRecordKey(a).localeCompare(dnsRecordKey(b)))
          .map((record) => structuredClone(record)),
      );
    });
  }

  /** Applies the batch atomically (all or nothing); resolves with the change id, PENDING for now. */
  async changeRecords(zoneId: string, changes: readonly DnsChange[], comment: string): Promise<string> {
    const zone = this.#zone(zoneId);
    validateDnsChanges(changes);
    return this.#call('ChangeResourceRecordSets', () => {
      zone.records = applyChanges(zone, changes);
      const id = `C${this.#nextId(13)}`;
      this.#changes.set(id, {
        id,
        zoneId: zone.id,
        comment: comment.slice(0, 256),
        changes: structuredClone([...changes]),
        submittedAt: this.#clock.now(),
      });
      return id;
    });
  }

  /** PENDING until the modelled propagation time has passed since submission, then INSYNC. */
  async changeStatus(changeId: string): Promise<DnsChangeStatus> {
    return this.#call('GetChange', () => {
      const change = this.#changes.get(changeId.replace(/^\/change\//, ''));
      if (!change) throw new DnsChangeNotFoundError(changeId);
      const propagationMs = (this.#options.propagationSeconds ?? 60) * 1000;
      return this.#clock.nowMs() - change.submittedAt.getTime() >= propagationMs ? 'INSYNC' : 'PENDING';
    });
  }

  async #call<T>(operation: string, run: () => T): Promise<T> {
    // Models the SDK's retry of throttling (the real adapter adds none): the final failure is mapped once.
    const { attempts = 6, baseDelayMs = 500, maxDelayMs = 10_000, random } = this.#options.retry ?? {};
    let made = 0;
    try {
      return await retry(
        async (attempt) => {
          made = attempt;
          const fault = this.#faults.shift();
          if (fault) throw new InjectedRoute53Fault(fault);
          return run();
        },
        {
          attempts,
          baseDelayMs,
          maxDelayMs,
          isRetryable: (error) => error instanceof InjectedRoute53Fault,
          sleep: (ms) => this.#clock.sleep(ms),
          ...(random ? { random } : {}),
        },
      );
    } catch (error) {
      if (error instanceof InjectedRoute53Fault)
        throw new DnsThrottledError(operation, made, { cause: error });
      throw error;
    }
  }

  #zone(zoneId: string): ZoneRecord {
    const zone = this.#zones.get(normalizeZoneId(zoneId));
    if (!zone) throw new HostedZoneNotFoundError(zoneId);
    return zone;
  }

  #nextId(length: number): string {
    this.#sequence += 1;
    return this.#sequence.toString(36).toUpperCase().padStart(length, '0');
  }
}

/** The zone's records after the batch, or InvalidDnsChangeError with Route 53's wording; never partial. */
function applyChanges(zone: ZoneRecord, changes: readonly DnsChange[]): Map<string, DnsRecordSet> {
  const next = new Map(zone.records);
  changes.forEach((change, index) => {
    const record = normalizeRecord(change.record);
    const where = `changes[${index}]`;
    if (record.name !== zone.name && !record.name.endsWith(`.${zone.name}`)) {
      throw new InvalidDnsChangeError(
        where,
        `RRSet with DNS name ${record.name} is not permitted in zone ${zone.name}`,
      );
    }
    const key = dnsRecordKey(record);
    const existing = next.get(key);
    if (change.action === 'CREATE' && existing) {
      throw new InvalidDnsChangeError(
        where,
        `Tried to create resource record set ${key} but it already exists`,
      );
    }
    if (change.action === 'DELETE') {
      if (!existing || canonical(existing) !== canonical(record)) {
        throw new InvalidDnsChangeError(
          where,
          `Tried to delete resource record set ${key} but it was not found or its values did not match`,
        );
      }
      next.delete(key);
      return;
    }
    next.set(key, record);
  });
  checkCoexistence(next);
  return next;
}

// Route 53 refuses a CNAME beside any other record of the same name, and a simple record beside routed
// records of the same name and type.
function checkCoexistence(records: Map<string, DnsRecordSet>): void {
  const byName = new Map<string, DnsRecordSet[]>();
  for (const record of records.values())
    byName.set(record.name, [...(byName.get(record.name) ?? []), record]);
  for (const [name, sets] of byName) {
    if (sets.some((r) => r.type === 'CNAME') && sets.some((r) => r.type !== 'CNAME')) {
      throw new InvalidDnsChangeError(
        name,
        'RRSet of type CNAME conflicts with other records of the same name',
      );
    }
    for (const type of new Set(sets.map((r) => r.type))) {
      const ofType = sets.filter((r) => r.type === type);
      if (ofType.length > 1 && ofType.some((r) => r.setIdentifier === undefined)) {
        throw new InvalidDnsChangeError(
          `${name} ${type}`,
          'a record without a set identifier cannot coexist with other records of the same name and type',
        );
      }
    }
  }
}

function normalizeRecord(record: DnsRecordSet): DnsRecordSet {
  const copy = structuredClone(record);
  copy.name = toFqdn(record.name);
  return copy;
}

// Key order differs between callers; Route 53 compares values, so compare a key-sorted rendering.
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}
