import { describe, expect, it } from 'vitest';
import { SandboxClock } from '../../sandbox/aws/sandbox-clock.ts';
import { SandboxRecoveryLedger } from '../../sandbox/aws/sandbox-recovery-ledger.ts';
import { SandboxRoute53 } from '../../sandbox/aws/sandbox-route53.ts';
import { DnsCutover } from '../../src/failover/dns-cutover.ts';
import { PlanSectionMissingError } from '../../src/failover/errors.ts';
import type { DnsRecordSet } from '../../src/failover/ports/dns.ts';
import { aPlan } from './failover-fixtures.ts';

const ZONE = 'Z0123456789ABCDEFGHIJ';
const ALB_ZONE = 'Z32O12XQLNTSW2';
const PRIMARY_CHECK = 'aaaaaaaa-2345-6789-abcd-ef0123456789';
const DR_CHECK = 'bbbbbbbb-2345-6789-abcd-ef0123456789';

const plan = aPlan((raw) => {
  raw.healthCheck = { url: 'https://dr.shop.example.com/healthz' };
  raw.dns = {
    hostedZoneId: ZONE,
    records: [
      {
        name: 'shop.example.com',
        type: 'A',
        mode: 'swap',
        primary: { values: ['203.0.113.10'] },
        dr: { values: ['198.51.100.10'] },
      },
      {
        name: 'api.example.com',
        type: 'CNAME',
        mode: 'weighted',
        primary: { values: ['api-euw1.example.net'] },
        dr: { values: ['api-euc1.example.net'] },
        ttl: 30,
      },
      {
        name: 'www.example.com',
        type: 'A',
        mode: 'failover',
        primary: {
          alias: { dnsName: 'primary-alb.eu-west-1.elb.amazonaws.com', hostedZoneId: ALB_ZONE },
          healthCheckId: PRIMARY_CHECK,
        },
        dr: {
          alias: { dnsName: 'dr-alb.eu-central-1.elb.amazonaws.com', hostedZoneId: ALB_ZONE },
          healthCheckId: DR_CHECK,
        },
      },
    ],
  };
});

const primaryAlias = {
  hostedZoneId: ALB_ZONE,
  dnsName: 'primary-alb.eu-west-1.elb.amazonaws.com.',
  evaluateTargetHealth: false,
};
const drAlias = {
  hostedZoneId: ALB_ZONE,
  dnsName: 'dr-alb.eu-central-1.elb.amazonaws.com.',
  evaluateTargetHealth: false,
};

/** The zone as the primary serves it: set identifiers chosen by whoever created the records. */
const initialRecords: DnsRecordSet[] = [
  { name: 'shop.example.com.', type: 'A', ttl: 60, values: ['203.0.113.10'] },
  {
    name: 'api.example.com.',
    type: 'CNAME',
    ttl: 30,
    values: ['api-euw1.example.net'],
    setIdentifier: 'euw1',
    weight: 100,
  },
  {
    name: 'api.example.com.',
    type: 'CNAME',
    ttl: 30,
    values: ['api-euc1.example.net'],
    setIdentifier: 'euc1',
    weight: 0,
  },
  {
    name: 'www.example.com.',
    type: 'A',
    alias: primaryAlias,
    setIdentifier: 'www-a',
    failover: 'PRIMARY',
    healthCheckId: PRIMARY_CHECK,
  },
  {
    name: 'www.example.com.',
    type: 'A',
    alias: drAlias,
    setIdentifier: 'www-b',
    failover: 'SECONDARY',
    healthCheckId: DR_CHECK,
  },
  { name: 'mail.example.com.', type: 'A', ttl: 300, values: ['192.0.2.25'] },
];

function aZone(records = initialRecords) {
  const clock = new SandboxClock({ realMsPerModelledSecond: 1 });
  const route53 = new SandboxRoute53({ clock, propagationSeconds: 60 });
  route53.addZone({ id: ZONE, name: 'example.com', records });
  const cutover = new DnsCutover({ planName: plan.name, dns: plan.dns, provider: route53 });
  return { clock, route53, cutover };
}

const byKey = (records: DnsRecordSet[], name: string, id?: string) =>
  records.find((r) => r.name === name && r.setIdentifier === id);

describe('DnsCutover', () => {
  it('moves every mode to the DR side and returns the records as they were', async () => {
    // Arrange
    const { route53, cutover } = aZone();

    // Act
    const result = await cutover.cutover();

    // Assert
    const after = route53.records(ZONE);
    expect(byKey(after, 'shop.example.com.')).toEqual({
      name: 'shop.example.com.',
      type: 'A',
      ttl: 60,
      values: ['198.51.100.10'],
    });
    expect(byKey(after, 'api.example.com.', 'euw1')?.weight).toBe(0);
    expect(byKey(after, 'api.example.com.', 'euc1')?.weight).toBe(100);
    expect(byKey(after, 'www.example.com.', 'www-a')).toMatchObject({
      failover: 'PRIMARY',
      alias: drAlias,
      healthCheckId: DR_CHECK,
    });
    expect(byKey(after, 'www.example.com.', 'www-b')).toMatchObject({
      failover: 'SECONDARY',
      alias: primaryAlias,
      healthCheckId: PRIMARY_CHECK,
    });
    expect(byKey(after, 'mail.example.com.')?.values).toEqual(['192.0.2.25']);
    const key = (r: DnsRecordSet) => `${r.name} ${r.setIdentifier ?? ''}`;
    const sorted = (records: DnsRecordSet[]) => [...records].sort((a, b) => key(a).localeCompare(key(b)));
    expect(sorted(result.previousRecords)).toEqual(
      sorted(initialRecords.filter((r) => r.name !== 'mail.example.com.')),
    );
    expect(result.changes.every((change) => change.action === 'UPSERT')).toBe(true);
    expect(result.alreadyApplied).toBe(false);
    expect(route53.changes[0]?.comment).toBe('eks-dr shop: records to the DR side');
  });

  it('reports INSYNC only after Route 53 propagated the change', async () => {
    // Arrange
    const { clock, cutover } = aZone();
    const { changeId } = await cutover.cutover();

    // Act
    const pending = await cutover.status(changeId);
    await clock.sleep(61_000);
    const insync = await cutover.status(changeId);

    // Assert
    expect(pending).toEqual({ insync: false, status: 'PENDING' });
    expect(insync).toEqual({ insync: true, status: 'INSYNC' });
  });

  it('fails back to exactly the previous records', async () => {
    // Arrange
    const { route53, cutover } = aZone();
    const before = route53.records(ZONE);
    const { previousRecords } = await cutover.cutover();

    // Act
    await cutover.failback(previousRecords);

    // Assert
    expect(route53.records(ZONE)).toEqual(before);
  });

  it('fails back from the plan when no previous records are at hand', async () => {
    // Arrange
    const { route53, cutover } = aZone();
    const before = route53.records(ZONE);
    await cutover.cutover();

    // Act
    await cutover.failback();

    // Assert
    expect(route53.records(ZONE)).toEqual(before);
  });

  it('creates missing routed records with default set identifiers, and points them back from the plan', async () => {
    // Arrange
    const { route53, cutover } = aZone([
      { name: 'mail.example.com.', type: 'A', ttl: 300, values: ['192.0.2.25'] },
    ]);
    const describe = (records: DnsRecordSet[]) =>
      records.map(
        (r) =>
          `${r.name} ${r.setIdentifier ?? '-'} ${r.weight ?? r.failover ?? ''} ${r.values?.[0] ?? r.alias?.dnsName}`,
      );

    // Act
    const result = await cutover.cutover();
    const created = route53.records(ZONE);
    await cutover.failback(result.previousRecords);

    // Assert
    expect(result.previousRecords).toEqual([]);
    expect(describe(created)).toEqual([
      'api.example.com. dr 100 api-euc1.example.net',
      'api.example.com. primary 0 api-euw1.example.net',
      'mail.example.com. -  192.0.2.25',
      'shop.example.com. -  198.51.100.10',
      'www.example.com. primary PRIMARY dr-alb.eu-central-1.elb.amazonaws.com.',
      'www.example.com. secondary SECONDARY primary-alb.eu-west-1.elb.amazonaws.com.',
    ]);
    expect(describe(route53.records(ZONE))).toEqual([
      'api.example.com. dr 0 api-euc1.example.net',
      'api.example.com. primary 100 api-euw1.example.net',
      'mail.example.com. -  192.0.2.25',
      'shop.example.com. -  203.0.113.10',
      'www.example.com. primary PRIMARY primary-alb.eu-west-1.elb.amazonaws.com.',
      'www.example.com. secondary SECONDARY dr-alb.eu-central-1.elb.amazonaws.com.',
    ]);
  });

  it('keeps the records of before when a retried cutover finds them moved already', async () => {
    // Arrange
    const { route53, cutover } = aZone();
    const before = route53.records(ZONE).filter((r) => r.name !== 'mail.example.com.');
    await cutover.cutover();

    // Act
    const retried = await cutover.cutover();

    // Assert
    expect(retried.alreadyApplied).toBe(true);
    const key = (r: DnsRecordSet) => `${r.name} ${r.setIdentifier ?? ''}`;
    expect(retried.previousRecords.map(key).sort()).toEqual(before.map(key).sort());
    expect(byKey(retried.previousRecords, 'shop.example.com.')?.values).toEqual(['203.0.113.10']);
  });

  it('refuses to run without a dns section in the plan', async () => {
    // Arrange
    const { route53 } = aZone();
    const cutover = new DnsCutover({ planName: 'shop', dns: undefined, provider: route53 });

    // Act
    const outcome = await cutover.cutover().catch((error: unknown) => error);

    // Assert
    expect(outcome).toBeInstanceOf(PlanSectionMissingError);
    expect(route53.changes).toHaveLength(0);
  });

  it('records the side it moved to as the active side once Route 53 accepted the change, and not before', async () => {
    // Arrange
    const { route53 } = aZone();
    const ledger = new SandboxRecoveryLedger();
    const at = (iso: string) => () => new Date(iso);
    const moving = (executionName: string, now: () => Date) =>
      new DnsCutover({
        planName: 'shop',
        dns: plan.dns,
        provider: route53,
        activeSide: { ledger, executionName, now },
      });
    const refused = new DnsCutover({
      planName: 'shop',
      dns: plan.dns,
      provider: {
        currentRecords: (zone, names) => route53.currentRecords(zone, names),
        changeRecords: async () => Promise.reject(new Error('InvalidChangeBatch')),
        changeStatus: (id) => route53.changeStatus(id),
      },
      activeSide: { ledger, executionName: 'f0', now: at('2024-05-01T12:00:00Z') },
    });

    // Act
    const refusal = await refused.cutover().catch((error: Error) => error.message);
    const untouched = await ledger.activeSide('shop');
    await moving('f1', at('2024-05-01T12:40:00Z')).cutover();
    const dr = await ledger.activeSide('shop');
    await moving('b1', at('2024-05-01T15:00:00Z')).failback();
    const primary = await ledger.activeSide('shop');

    // Assert
    expect(refusal).toBe('InvalidChangeBatch');
    expect(untouched).toEqual({ side: 'primary', since: null, executionName: null });
    expect(dr).toEqual({ side: 'dr', since: '2024-05-01T12:40:00.000Z', executionName: 'f1' });
    expect(primary).toEqual({ side: 'primary', since: '2024-05-01T15:00:00.000Z', executionName: 'b1' });
  });
});
