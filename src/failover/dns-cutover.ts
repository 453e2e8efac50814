// Moving the plan's DNS records to the recovered side and back. The records as they were are read first and
// returned, so failback can put back exactly what was there, not just what the plan says.
//
// Modes (the plan's `dns.records[].mode`):
// - swap: one simple record, UPSERTed to the other side's values or alias.
// - weighted: two weighted records (set identifiers found by their targets, else `primary`/`dr`); the side
//   we move to gets weight 100, the other 0. Route 53 never answers a 0-weight record while a non-zero one
//   exists, so this is a complete move that keeps both records (and their health checks) in place.
// - failover: a Route 53 failover pair. Route 53 answers PRIMARY while its health check passes, so waiting
//   for the old primary's check to fail is not enough: it may flap back to healthy while its data is stale.
//   As with ARC Region switch and routing controls, the move is explicit: the PRIMARY record now points at
//   the recovered side (with that side's health check) and SECONDARY at the other side, so the recovered
//   side answers regardless of the old side's health and the old side is only a standby answer. Set
//   identifiers and PRIMARY/SECONDARY roles never change, so every change is a plain UPSERT.
import { type DnsPlan, type DnsRecordPlan, type DnsRecordTarget, toFqdn } from '../plan/index.ts';
import type { Now } from '../util/clock.ts';
import { PlanSectionMissingError } from './errors.ts';
import {
  type DnsChange,
  type DnsChangeStatus,
  type DnsProvider,
  type DnsRecordSet,
  dnsRecordKey,
  validateDnsChanges,
} from './ports/dns.ts';
import type { RecoveryLedger } from './ports/recovery-ledger.ts';

/** Which side the records should point at. */
export type DnsSide = 'primary' | 'dr';

/** A submitted change; written to `steps.dns.result`. */
export interface DnsChangeResult {
  changeId: string;
  /** The plan's records as they were before this change, for the way back. */
  previousRecords: DnsRecordSet[];
  changes: DnsChange[];
  /** True when the records already pointed where asked (a retried step): previousRecords then come from the plan. */
  alreadyApplied: boolean;
}

/** Collaborators of DnsCutover. */
export interface DnsCutoverDependencies {
  planName: string;
  dns: DnsPlan | undefined;
  provider: DnsProvider;
  /**
   * Where the move is recorded as the plan's active side once Route 53 accepted it, and by which execution.
   * @default not recorded
   */
  activeSide?: { ledger: RecoveryLedger; executionName: string; now: Now };
}

/** Points the plan's Route 53 records at the DR side (cutover) or back at the primary (failback). */
export class DnsCutover {
  readonly #deps: DnsCutoverDependencies;

  constructor(deps: DnsCutoverDependencies) {
    this.#deps = deps;
  }

  /** Reads the records, moves them to DR, returns the change id and the records as they were. */
  cutover(): Promise<DnsChangeResult> {
    return this.#move('dr');
  }

  /**
   * Moves the records back: to `previousRecords` (a cutover's answer) where they cover a record of the plan,
   * else to the plan's primary side. A current record of a plan name and type that is not among the records
   * to restore (another set identifier) is deleted, so the zone ends as it was.
   */
  async failback(previousRecords?: readonly DnsRecordSet[]): Promise<DnsChangeResult> {
    if (previousRecords === undefined || previousRecords.length === 0) return this.#move('primary');
    const dns = this.#plan();
    const current = await this.#deps.provider.currentRecords(dns.hostedZoneId, names(dns));
    const changes: DnsChange[] = [];
    for (const record of dns.records) {
      const name = toFqdn(record.name);
      const before = previousRecords.filter(
        (previous) => toFqdn(previous.name) === name && previous.type === record.type,
      );
      const now = current.filter((set) => set.name === name && set.type === record.type);
      const wanted =
        before.length > 0 ? before.map((set) => ({ ...set, name })) : desiredRecords(record, 'primary', now);
      const wantedKeys = new Set(wanted.map(dnsRecordKey));
      for (const set of now)
        if (!wantedKeys.has(dnsRecordKey(set))) changes.push({ action: 'DELETE', record: set });
      for (const set of wanted) changes.push({ action: 'UPSERT', record: set });
    }
    return this.#submit(dns, changes, current, 'primary', false);
  }

  /** INSYNC once every Route 53 server answers with the change. */
  async status(changeId: string): Promise<{ insync: boolean; status: DnsChangeStatus }> {
    const status = await this.#deps.provider.changeStatus(changeId);
    return { insync: status === 'INSYNC', status };
  }

  async #move(side: DnsSide): Promise<DnsChangeResult> {
    const dns = this.#plan();
    const current = await this.#deps.provider.currentRecords(dns.hostedZoneId, names(dns));
    const changes: DnsChange[] = [];
    let applied = true;
    let fromPlan: DnsRecordSet[] = [];
    for (const record of dns.records) {
      const name = toFqdn(record.name);
      const now = current.filter((set) => set.name === name && set.type === record.type);
      const wanted = desiredRecords(record, side, now);
      applied &&= wanted.every((set) => now.some((existing) => sameRecord(existing, set)));
      fromPlan = [...fromPlan, ...desiredRecords(record, side === 'dr' ? 'primary' : 'dr', now)];
      for (const set of wanted) changes.push({ action: 'UPSERT', record: set });
    }
    const previous = applied ? fromPlan : undefined;
    return this.#submit(dns, changes, previous ?? current, side, applied);
  }

  async #submit(
    dns: DnsPlan,
    changes: DnsChange[],
    previousRecords: DnsRecordSet[],
    side: DnsSide,
    alreadyApplied: boolean,
  ): Promise<DnsChangeResult> {
    validateDnsChanges(changes);
    const comment = `eks-dr ${this.#deps.planName}: records to ${side === 'dr' ? 'the DR side' : 'the primary side'}`;
    const changeId = await this.#deps.provider.changeRecords(dns.hostedZoneId, changes, comment);
    const record = this.#deps.activeSide;
    // Accepted is enough: from here Route 53 answers with the new side within its propagation time, and a
    // later failure of this run must not leave the ledger saying the old side serves.
    if (record) {
      await record.ledger.recordActiveSide(this.#deps.planName, {
        side,
        since: record.now().toISOString(),
        executionName: record.executionName,
      });
    }
    return { changeId, previousRecords, changes, alreadyApplied };
  }

  #plan(): DnsPlan {
    if (this.#deps.dns === undefined)
      throw new PlanSectionMissingError('dns', 'the plan has no DNS records to move');
    return this.#deps.dns;
  }
}

function names(dns: DnsPlan): string[] {
  return dns.records.map((record) => toFqdn(record.name));
}

/** The record sets of one plan record pointing at `side`, keeping the set identifiers Route 53 already has. */
export function desiredRecords(
  record: DnsRecordPlan,
  side: DnsSide,
  current: readonly DnsRecordSet[],
): DnsRecordSet[] {
  const name = toFqdn(record.name);
  const other: DnsSide = side === 'dr' ? 'primary' : 'dr';
  const base = { name, type: record.type };
  switch (record.mode) {
    case 'swap':
      return [{ ...base, ...target(record, side, false) }];
    case 'weighted': {
      const weighted = current.filter((set) => set.weight !== undefined);
      const ids = {
        primary: findIdentifier(weighted, record.primary, 'primary'),
        dr: findIdentifier(weighted, record.dr, 'dr'),
      };
      return (['primary', 'dr'] as const).map((each) => ({
        ...base,
        ...target(record, each, true),
        setIdentifier: ids[each],
        weight: each === side ? 100 : 0,
      }));
    }
    case 'failover': {
      const primaryId = current.find((set) => set.failover === 'PRIMARY')?.setIdentifier ?? 'primary';
      const secondaryId = current.find((set) => set.failover === 'SECONDARY')?.setIdentifier ?? 'secondary';
      return [
        { ...base, ...target(record, side, true), setIdentifier: primaryId, failover: 'PRIMARY' },
        { ...base, ...target(record, other, true), setIdentifier: secondaryId, failover: 'SECONDARY' },
      ];
    }
  }
}

function target(
  record: DnsRecordPlan,
  side: DnsSide,
  withHealthCheck: boolean,
): Pick<DnsRecordSet, 'ttl' | 'values' | 'alias' | 'healthCheckId'> {
  const plan: DnsRecordTarget = record[side];
  const healthCheck =
    withHealthCheck && plan.healthCheckId !== undefined ? { healthCheckId: plan.healthCheckId } : {};
  if (plan.alias !== undefined) {
    return {
      alias: {
        hostedZoneId: plan.alias.hostedZoneId,
        dnsName: toFqdn(plan.alias.dnsName),
        evaluateTargetHealth: plan.alias.evaluateTargetHealth,
      },
      ...healthCheck,
    };
  }
  return { ttl: record.ttl ?? 60, values: [...(plan.values ?? [])], ...healthCheck };
}

function findIdentifier(records: readonly DnsRecordSet[], side: DnsRecordTarget, fallback: string): string {
  const match = records.find((set) => pointsAt(set, side));
  return (
    match?.setIdentifier ?? records.find((set) => set.setIdentifier === fallback)?.setIdentifier ?? fallback
  );
}

function pointsAt(set: DnsRecordSet, side: DnsRecordTarget): boolean {
  if (side.alias !== undefined) {
    return (
      set.alias !== undefined &&
      toFqdn(set.alias.dnsName) === toFqdn(side.alias.dnsName) &&
      set.alias.hostedZoneId === side.alias.hostedZoneId
    );
  }
  return set.values !== undefined && sameValues(set.values, side.values ?? []);
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  const left = [...a].map((v) => v.toLowerCase()).sort();
  const right = [...b].map((v) => v.toLowerCase()).sort();
  return left.length === right.length && left.every((value, index) => value === right[index]);
}

function sameRecord(a: DnsRecordSet, b: DnsRecordSet): boolean {
  return (
    dnsRecordKey(a) === dnsRecordKey(b) &&
    a.weight === b.weight &&
    a.failover === b.failover &&
    a.healthCheckId === b.healthCheckId &&
    (a.alias === undefined) === (b.alias === undefined) &&
    (a.alias === undefined ||
      (b.alias !== undefined &&
        toFqdn(a.alias.dnsName) === toFqdn(b.alias.dnsName) &&
        a.alias.hostedZoneId === b.alias.hostedZoneId)) &&
    (a.values === undefined || (b.values !== undefined && sameValues(a.values, b.values) && a.ttl === b.ttl))
  );
}
