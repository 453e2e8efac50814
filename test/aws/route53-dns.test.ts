import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  InvalidChangeBatch,
  ListResourceRecordSetsCommand,
  NoSuchChange,
  NoSuchHostedZone,
  PriorRequestNotComplete,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { Route53Dns } from '../../src/aws/route53-dns.ts';
import type { DnsChange } from '../../src/failover/ports/dns.ts';

const route53 = mockClient(Route53Client);

// $metadata.attempts is what the SDK client reports after its own retries.
const priorRequest = (attempts = 1) =>
  new PriorRequestNotComplete({
    message: 'The request was rejected because Route 53 was still processing a prior request.',
    $metadata: { httpStatusCode: 400, attempts },
  });

const cutover: DnsChange[] = [
  {
    action: 'UPSERT',
    record: {
      name: 'App.Example.com',
      type: 'A',
      alias: {
        hostedZoneId: 'Z32O12XQLNTSW2',
        dnsName: 'dr-alb-1.eu-central-1.elb.amazonaws.com',
        evaluateTargetHealth: true,
      },
      setIdentifier: 'primary',
      failover: 'PRIMARY',
    },
  },
  {
    action: 'UPSERT',
    record: { name: 'api.example.com.', type: 'CNAME', ttl: 60, values: ['dr.example.net'] },
  },
];

describe('Route53Dns', () => {
  beforeEach(() => {
    route53.reset();
  });

  it('lists the record sets at each name and stops at the first other name', async () => {
    // Arrange
    route53.on(ListResourceRecordSetsCommand, { StartRecordName: 'app.example.com.' }).resolves({
      ResourceRecordSets: [
        {
          Name: 'app.example.com.',
          Type: 'A',
          SetIdentifier: 'primary',
          Failover: 'PRIMARY',
          HealthCheckId: 'hc-1',
          AliasTarget: {
            HostedZoneId: 'Z1',
            DNSName: 'primary-alb.eu-west-1.elb.amazonaws.com.',
            EvaluateTargetHealth: true,
          },
        },
        { Name: 'app.example.com.', Type: 'TXT', TTL: 300, ResourceRecords: [{ Value: '"v=1"' }] },
        { Name: 'b.example.com.', Type: 'A', TTL: 300, ResourceRecords: [{ Value: '10.0.0.1' }] },
      ],
      IsTruncated: true,
      NextRecordName: 'c.example.com.',
      NextRecordType: 'A',
      MaxItems: 300,
    });
    route53.on(ListResourceRecordSetsCommand, { StartRecordName: '*.example.com.' }).resolves({
      ResourceRecordSets: [
        {
          Name: '\\052.example.com.',
          Type: 'CNAME',
          TTL: 60,
          ResourceRecords: [{ Value: 'app.example.com' }],
        },
      ],
      IsTruncated: false,
      MaxItems: 300,
    });

    // Act
    const records = await new Route53Dns(new Route53Client({})).currentRecords('/hostedzone/ZONE1', [
      'App.example.com',
      '\\052.example.com',
    ]);

    // Assert
    expect(route53).toHaveReceivedCommandTimes(ListResourceRecordSetsCommand, 2);
    expect(route53).toHaveReceivedNthCommandWith(ListResourceRecordSetsCommand, 1, {
      HostedZoneId: 'ZONE1',
      StartRecordName: 'app.example.com.',
      MaxItems: 300,
    });
    expect(records).toEqual([
      {
        name: 'app.example.com.',
        type: 'A',
        alias: {
          hostedZoneId: 'Z1',
          dnsName: 'primary-alb.eu-west-1.elb.amazonaws.com.',
          evaluateTargetHealth: true,
        },
        setIdentifier: 'primary',
        failover: 'PRIMARY',
        healthCheckId: 'hc-1',
      },
      { name: '*.example.com.', type: 'CNAME', ttl: 60, values: ['app.example.com'] },
    ]);
  });

  it('follows NextRecordName while the listing is still on the same name', async () => {
    // Arrange
    route53
      .on(ListResourceRecordSetsCommand)
      .resolvesOnce({
        ResourceRecordSets: [
          {
            Name: 'w.example.com.',
            Type: 'A',
            SetIdentifier: 'a',
            Weight: 10,
            TTL: 60,
            ResourceRecords: [{ Value: '10.0.0.1' }],
          },
        ],
        IsTruncated: true,
        NextRecordName: 'w.example.com.',
        NextRecordType: 'A',
        NextRecordIdentifier: 'b',
        MaxItems: 1,
      })
      .resolvesOnce({
        ResourceRecordSets: [
          {
            Name: 'w.example.com.',
            Type: 'A',
            SetIdentifier: 'b',
            Weight: 0,
            TTL: 60,
            ResourceRecords: [{ Value: '10.1.0.1' }],
          },
        ],
        IsTruncated: false,
        MaxItems: 1,
      });

    // Act
    const records = await new Route53Dns(new Route53Client({}), { pageSize: 1 }).currentRecords('ZONE1', [
      'w.example.com',
    ]);

    // Assert
    expect(route53).toHaveReceivedNthCommandWith(ListResourceRecordSetsCommand, 2, {
      HostedZoneId: 'ZONE1',
      StartRecordName: 'w.example.com.',
      StartRecordType: 'A',
      StartRecordIdentifier: 'b',
      MaxItems: 1,
    });
    expect(records.map((r) => [r.setIdentifier, r.weight, r.values])).toEqual([
      ['a', 10, ['10.0.0.1']],
      ['b', 0, ['10.1.0.1']],
    ]);
  });

  it('refuses to read a geolocation record it could not restore on failback', async () => {
    // Arrange
    route53.on(ListResourceRecordSetsCommand).resolves({
      ResourceRecordSets: [
        {
          Name: 'geo.example.com.',
          Type: 'A',
          SetIdentifier: 'eu',
          GeoLocation: { ContinentCode: 'EU' },
          TTL: 60,
          ResourceRecords: [{ Value: '10.0.0.1' }],
        },
      ],
      IsTruncated: false,
      MaxItems: 300,
    });

    // Act
    const call = new Route53Dns(new Route53Client({})).currentRecords('ZONE1', ['geo.example.com']);

    // Assert
    await expect(call).rejects.toMatchObject({
      name: 'UnsupportedDnsRecordError',
      record: 'geo.example.com. A eu',
    });
  });

  it('submits an UPSERT batch with alias and routed records and returns the bare change id', async () => {
    // Arrange
    route53
      .on(ChangeResourceRecordSetsCommand)
      .resolves({ ChangeInfo: { Id: '/change/C2682N5HXP0BZ4', Status: 'PENDING', SubmittedAt: new Date() } });

    // Act
    const changeId = await new Route53Dns(new Route53Client({})).changeRecords(
      '/hostedzone/ZONE1',
      cutover,
      'eks-dr failover run-1',
    );

    // Assert
    expect(changeId).toBe('C2682N5HXP0BZ4');
    expect(route53).toHaveReceivedCommandExactlyOnceWith(ChangeResourceRecordSetsCommand, {
      HostedZoneId: 'ZONE1',
      ChangeBatch: {
        Comment: 'eks-dr failover run-1',
        Changes: [
          {
            Action: 'UPSERT',
            ResourceRecordSet: {
              Name: 'app.example.com.',
              Type: 'A',
              SetIdentifier: 'primary',
              Failover: 'PRIMARY',
              AliasTarget: {
                HostedZoneId: 'Z32O12XQLNTSW2',
                DNSName: 'dr-alb-1.eu-central-1.elb.amazonaws.com',
                EvaluateTargetHealth: true,
              },
            },
          },
          {
            Action: 'UPSERT',
            ResourceRecordSet: {
              Name: 'api.example.com.',
              Type: 'CNAME',
              TTL: 60,
              ResourceRecords: [{ Value: 'dr.example.net' }],
            },
          },
        ],
      },
    });
  });

  it.each<[string, DnsChange[], RegExp]>([
    ['an empty batch', [], /at least one change/],
    [
      'a CNAME with two values',
      [
        {
          action: 'UPSERT',
          record: {
            name: 'a.example.com',
            type: 'CNAME',
            ttl: 60,
            values: ['x.example.com', 'y.example.com'],
          },
        },
      ],
      /changes\[0\]\.record\.values: a CNAME has exactly one value/,
    ],
    [
      'an A value that is not IPv4',
      [{ action: 'UPSERT', record: { name: 'a.example.com', type: 'A', ttl: 60, values: ['10.0.0.300'] } }],
      /changes\[0\]\.record\.values\[0\]/,
    ],
    [
      'values and alias together',
      [
        {
          action: 'UPSERT',
          record: {
            name: 'a.example.com',
            type: 'A',
            ttl: 60,
            values: ['10.0.0.1'],
            alias: { hostedZoneId: 'Z', dnsName: 'x.example.com', evaluateTargetHealth: false },
          },
        },
      ],
      /exactly one of values/,
    ],
    [
      'a weight without set identifier',
      [
        {
          action: 'UPSERT',
          record: { name: 'a.example.com', type: 'A', ttl: 60, values: ['10.0.0.1'], weight: 10 },
        },
      ],
      /setIdentifier: is required/,
    ],
    [
      'a weight above 255',
      [
        {
          action: 'UPSERT',
          record: {
            name: 'a.example.com',
            type: 'A',
            ttl: 60,
            values: ['10.0.0.1'],
            weight: 256,
            setIdentifier: 'x',
          },
        },
      ],
      /weight: 256/,
    ],
    [
      'two changes of one record',
      [cutover[1] as DnsChange, cutover[1] as DnsChange],
      /changes\[1\]: a second change/,
    ],
  ])('rejects %s before calling Route 53', async (_label, changes, message) => {
    // Arrange
    const dns = new Route53Dns(new Route53Client({}));

    // Act
    const call = dns.changeRecords('ZONE1', changes, 'bad');

    // Assert
    await expect(call).rejects.toMatchObject({ name: 'InvalidDnsChangeError', message });
    expect(route53).not.toHaveReceivedAnyCommand();
  });

  it('rejects a malformed hosted zone id before calling Route 53', async () => {
    // Arrange
    const dns = new Route53Dns(new Route53Client({}));

    // Act
    const call = dns.changeRecords('hosted zone!', cutover, 'bad');

    // Assert
    await expect(call).rejects.toMatchObject({
      name: 'InvalidDnsChangeError',
      message: /hosted zone id "hosted zone!"/,
    });
    expect(route53).not.toHaveReceivedAnyCommand();
  });

  it('maps the final PriorRequestNotComplete of the SDK client to DnsThrottledError with its attempts, without retrying', async () => {
    // Arrange
    const last = priorRequest(8);
    route53.on(ChangeResourceRecordSetsCommand).rejects(last);

    // Act
    const error = await new Route53Dns(new Route53Client({}))
      .changeRecords('ZONE1', cutover, 'failover')
      .catch((e: unknown) => e);

    // Assert
    expect(error).toMatchObject({
      name: 'DnsThrottledError',
      operation: 'ChangeResourceRecordSets',
      attempts: 8,
      cause: last,
    });
    expect(route53).toHaveReceivedCommandTimes(ChangeResourceRecordSetsCommand, 1);
  });

  it('maps a final Throttling of GetChange to DnsThrottledError, one attempt when the SDK reports none', async () => {
    // Arrange
    route53
      .on(GetChangeCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: {} }));

    // Act
    const error = await new Route53Dns(new Route53Client({})).changeStatus('C1').catch((e: unknown) => e);

    // Assert
    expect(error).toMatchObject({ name: 'DnsThrottledError', operation: 'GetChange', attempts: 1 });
    expect(route53).toHaveReceivedCommandTimes(GetChangeCommand, 1);
  });

  it('does not retry a refused batch and reports every Route 53 message', async () => {
    // Arrange
    const refused = new InvalidChangeBatch({
      message: 'Invalid change batch',
      messages: [
        "Tried to delete resource record set [name='x.example.com.', type='A'] but it was not found",
      ],
      $metadata: {},
    });
    route53.on(ChangeResourceRecordSetsCommand).rejects(refused);
    const dns = new Route53Dns(new Route53Client({}));

    // Act
    const error = await dns.changeRecords('ZONE1', cutover, 'failover').catch((e: unknown) => e);

    // Assert
    expect(error).toMatchObject({ name: 'InvalidDnsChangeError', cause: refused });
    expect((error as Error).message).toContain("Tried to delete resource record set [name='x.example.com.'");
    expect(route53).toHaveReceivedCommandTimes(ChangeResourceRecordSetsCommand, 1);
  });

  it('maps NoSuchHostedZone to HostedZoneNotFoundError naming the zone', async () => {
    // Arrange
    route53
      .on(ListResourceRecordSetsCommand)
      .rejects(new NoSuchHostedZone({ message: 'No hosted zone found with ID: ZGONE', $metadata: {} }));

    // Act
    const error = await new Route53Dns(new Route53Client({}))
      .currentRecords('ZGONE', ['a.example.com'])
      .catch((e: unknown) => e);

    // Assert
    expect(error).toMatchObject({
      name: 'HostedZoneNotFoundError',
      zoneId: 'ZGONE',
      message: 'hosted zone "ZGONE" not found',
    });
  });

  it('reports change status from GetChange', async () => {
    // Arrange
    route53
      .on(GetChangeCommand)
      .resolves({ ChangeInfo: { Id: '/change/C1', Status: 'INSYNC', SubmittedAt: new Date() } });

    // Act
    const status = await new Route53Dns(new Route53Client({})).changeStatus('/change/C1');

    // Assert
    expect(status).toBe('INSYNC');
    expect(route53).toHaveReceivedCommandWith(GetChangeCommand, { Id: 'C1' });
  });

  it('maps NoSuchChange to DnsChangeNotFoundError', async () => {
    // Arrange
    const sdkError = new NoSuchChange({
      message: 'A change with the specified change ID does not exist.',
      $metadata: {},
    });
    route53.on(GetChangeCommand).rejects(sdkError);

    // Act
    const error = await new Route53Dns(new Route53Client({}))
      .changeStatus('CMISSING')
      .catch((e: unknown) => e);

    // Assert
    expect(error).toMatchObject({ name: 'DnsChangeNotFoundError', changeId: 'CMISSING', cause: sdkError });
  });
});
