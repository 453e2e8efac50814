import { describe, expect, it } from 'vitest';
import { SandboxClock } from '../../../sandbox/aws/sandbox-clock.ts';
import { SandboxRoute53 } from '../../../sandbox/aws/sandbox-route53.ts';
import type { DnsChange, DnsProvider, DnsRecordSet } from '../../../src/failover/ports/dns.ts';

const primary: DnsRecordSet = {
  name: 'app.example.com.',
  type: 'A',
  alias: {
    hostedZoneId: 'Z1',
    dnsName: 'primary-alb.eu-west-1.elb.amazonaws.com.',
    evaluateTargetHealth: true,
  },
};
const drTarget = {
  hostedZoneId: 'Z2',
  dnsName: 'dr-alb.eu-central-1.elb.amazonaws.com.',
  evaluateTargetHealth: true,
};
const toDr: DnsChange = { action: 'UPSERT', record: { name: 'App.Example.com', type: 'A', alias: drTarget } };

function sandbox(propagationSeconds = 60) {
  const clock = new SandboxClock({ realMsPerModelledSecond: 0.2 });
  const route53 = new SandboxRoute53({ clock, propagationSeconds, retry: { random: () => 0.5 } });
  const zoneId = route53.addZone({
    id: '/hostedzone/ZSHOP',
    name: 'example.com',
    records: [primary, { name: 'api.example.com', type: 'CNAME', ttl: 60, values: ['app.example.com'] }],
  });
  return { clock, route53, zoneId };
}

describe('SandboxRoute53', () => {
  it('applies an UPSERT at once, PENDING until the modelled propagation time has passed, then INSYNC', async () => {
    // Arrange
    const { clock, route53, zoneId } = sandbox();
    const dns: DnsProvider = route53;
    const before = await dns.currentRecords(zoneId, ['app.example.com']);

    // Act
    const changeId = await dns.changeRecords(zoneId, [toDr], 'failover run-1');
    const statusAtOnce = await dns.changeStatus(changeId);
    const after = await dns.currentRecords(zoneId, ['APP.example.com.']);
    await clock.sleep(61_000);
    const statusLater = await dns.changeStatus(changeId);

    // Assert
    expect(zoneId).toBe('ZSHOP');
    expect(before).toEqual([primary]);
    expect(after).toEqual([{ name: 'app.example.com.', type: 'A', alias: drTarget }]);
    expect(statusAtOnce).toBe('PENDING');
    expect(statusLater).toBe('INSYNC');
    expect(route53.changes).toEqual([
      expect.objectContaining({ id: changeId, zoneId: 'ZSHOP', comment: 'failover run-1', changes: [toDr] }),
    ]);
  });

  it('keeps failover records apart by set identifier and deletes only an exact match', async () => {
    // Arrange
    const { route53, zoneId } = sandbox();
    const secondary: DnsRecordSet = {
      name: 'www.example.com.',
      type: 'A',
      ttl: 60,
      values: ['10.1.0.10'],
      setIdentifier: 'dr',
      failover: 'SECONDARY',
    };
    const primaryWww: DnsRecordSet = {
      ...secondary,
      values: ['10.0.0.10'],
      setIdentifier: 'primary',
      failover: 'PRIMARY',
    };

    // Act
    await route53.changeRecords(
      zoneId,
      [
        { action: 'CREATE', record: primaryWww },
        { action: 'CREATE', record: secondary },
      ],
      'add',
    );
    const both = await route53.currentRecords(zoneId, ['www.example.com']);
    // The same record written with its fields in another order still matches.
    const sameInOtherOrder: DnsRecordSet = {
      failover: 'SECONDARY',
      setIdentifier: 'dr',
      values: ['10.1.0.10'],
      ttl: 60,
      type: 'A',
      name: 'WWW.example.com',
    };
    await route53.changeRecords(zoneId, [{ action: 'DELETE', record: sameInOtherOrder }], 'rm');
    const one = await route53.currentRecords(zoneId, ['www.example.com']);

    // Assert
    expect(both.map((r) => r.setIdentifier)).toEqual(['dr', 'primary']);
    expect(one).toEqual([primaryWww]);
  });

  it('applies a batch all or nothing: a DELETE that does not match leaves every record as it was', async () => {
    // Arrange
    const { route53, zoneId } = sandbox();
    const snapshot = route53.records(zoneId);

    // Act
    const error = await route53
      .changeRecords(
        zoneId,
        [
          toDr,
          {
            action: 'DELETE',
            record: { name: 'api.example.com', type: 'CNAME', ttl: 300, values: ['app.example.com'] },
          },
        ],
        'bad',
      )
      .catch((e: unknown) => e);

    // Assert
    expect(error).toMatchObject({
      name: 'InvalidDnsChangeError',
      message: /changes\[1\]: Tried to delete resource record set/,
    });
    expect(route53.records(zoneId)).toEqual(snapshot);
    expect(route53.changes).toHaveLength(0);
  });

  it.each<[string, DnsChange, RegExp]>([
    [
      'a record outside the zone',
      { action: 'UPSERT', record: { name: 'app.example.org', type: 'A', ttl: 60, values: ['10.0.0.1'] } },
      /not permitted in zone example.com./,
    ],
    [
      'an A record beside a CNAME',
      { action: 'CREATE', record: { name: 'api.example.com', type: 'A', ttl: 60, values: ['10.0.0.1'] } },
      /CNAME conflicts/,
    ],
    ['a CREATE of an existing record', { action: 'CREATE', record: primary }, /already exists/],
    [
      'a simple record beside a weighted one',
      { action: 'CREATE', record: { ...primary, setIdentifier: 'w', weight: 1 } },
      /without a set identifier cannot coexist/,
    ],
  ])('refuses %s like Route 53 does', async (_label, change, message) => {
    // Arrange
    const { route53, zoneId } = sandbox();

    // Act
    const call = route53.changeRecords(zoneId, [change], 'bad');

    // Assert
    await expect(call).rejects.toMatchObject({ name: 'InvalidDnsChangeError', message });
  });

  it('retries injected PriorRequestNotComplete and Throttling on the modelled clock, then succeeds', async () => {
    // Arrange
    const { clock, route53, zoneId } = sandbox();
    route53.injectFault('PriorRequestNotComplete', 2);
    route53.injectFault('Throttling');
    const before = clock.nowMs();

    // Act
    const changeId = await route53.changeRecords(zoneId, [toDr], 'failover');

    // Assert
    expect(changeId).toMatch(/^C[0-9A-Z]{13}$/);
    expect(clock.nowMs() - before).toBeGreaterThanOrEqual(250 + 500 + 1000 - 200);
    expect(route53.records(zoneId).find((r) => r.name === 'app.example.com.')?.alias).toEqual(drTarget);
  });

  it('gives up with DnsThrottledError after the bounded attempts, changing nothing', async () => {
    // Arrange
    const clock = new SandboxClock({ realMsPerModelledSecond: 0.2 });
    const route53 = new SandboxRoute53({ clock, retry: { attempts: 3 } });
    const zoneId = route53.addZone({ name: 'example.com', records: [primary] });
    route53.injectFault('PriorRequestNotComplete', 5);

    // Act
    const error = await route53.changeRecords(zoneId, [toDr], 'failover').catch((e: unknown) => e);

    // Assert
    expect(error).toMatchObject({
      name: 'DnsThrottledError',
      operation: 'ChangeResourceRecordSets',
      attempts: 3,
      cause: expect.objectContaining({ name: 'PriorRequestNotComplete' }),
    });
    expect(route53.records(zoneId)).toEqual([primary]);
  });

  it('names an unknown zone, an unknown change and a bad batch before changing anything', async () => {
    // Arrange
    const { route53, zoneId } = sandbox();

    // Act
    const noZone = route53.currentRecords('ZNOPE', ['app.example.com']);
    const noChange = route53.changeStatus('CNOPE');
    const empty = route53.changeRecords(zoneId, [], 'nothing');

    // Assert
    await expect(noZone).rejects.toMatchObject({ name: 'HostedZoneNotFoundError', zoneId: 'ZNOPE' });
    await expect(noChange).rejects.toMatchObject({ name: 'DnsChangeNotFoundError', changeId: 'CNOPE' });
    await expect(empty).rejects.toMatchObject({
      name: 'InvalidDnsChangeError',
      message: /at least one change/,
    });
  });
});
