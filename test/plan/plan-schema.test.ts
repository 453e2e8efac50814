import { describe, expect, it } from 'vitest';
import { failbackSettingsOf, healthCheckOf } from '../../src/plan/compact-sections.ts';
import { InvalidPlanError } from '../../src/plan/errors.ts';
import { parsePlan } from '../../src/plan/load-plan.ts';
import {
  applyReplicaOverride,
  type DrOverrides,
  drPlanSchema,
  replicaOverrideFor,
} from '../../src/plan/plan-schema.ts';
import { dnsSection, issuesOf, minimalPlan, planWith, type RawPlan } from './plan-fixtures.ts';

const KEY_EUW1 = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY_EUC1 = 'arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** Matches a string that starts with `text`; on failure vitest prints every reported issue. */
function startingWith(text: string) {
  return expect.stringMatching(new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
}

function valueAt(object: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown>)?.[key], object);
}

describe('drPlanSchema: good plans and defaults', () => {
  it('accepts the minimal plan: regions, clusters, buckets and objectives', () => {
    // Arrange
    const raw = minimalPlan();

    // Act
    const plan = parsePlan(raw, 'test-plan.json');

    // Assert
    expect(plan.name).toBe('shop');
    expect(plan.primary).toEqual({
      region: 'eu-west-1',
      clusterName: 'shop-prod',
      backupBucket: 'shop-backups-euw1',
    });
    expect(plan.dr.region).toBe('eu-central-1');
    expect(plan.dns).toBeUndefined();
    expect(plan.healthCheck).toBeUndefined();
  });

  it.each([
    ['backup.schedule', 'rate(1 hour)'],
    ['backup.prefix', ''],
    ['backup.retention', { count: 24, maxAgeDays: 7 }],
    ['backup.filters', { excludeNamespaces: [], excludeResources: [] }],
    ['volumes', { enabled: true, availabilityZoneMapping: {} }],
    ['existingResourcePolicy', 'none'],
    ['drill', { namespaceMapping: {}, cleanup: false }],
    ['failover', { alarms: [], autoFailover: false, approvalRequired: true }],
    ['dr.nodeGroups', []],
    ['dr.overrides', { replicas: {}, imageRegistries: [], storageClasses: {}, annotations: {} }],
    ['notification', { emails: [] }],
  ])('defaults %s to %j', (path, expected) => {
    // Arrange
    const raw = minimalPlan();

    // Act
    const plan = parsePlan(raw, 'test-plan.json');

    // Assert
    expect(valueAt(plan, path)).toEqual(expected);
  });

  it('defaults the health check to status 200, a 5 s timeout and 3 passes in a row', () => {
    // Arrange
    const raw = planWith((p) => {
      p.healthCheck = { url: 'https://shop-dr.example.com/healthz' };
    });

    // Act
    const plan = parsePlan(raw, 'test-plan.json');

    // Assert
    const check = {
      url: 'https://shop-dr.example.com/healthz',
      expectedStatus: 200,
      timeoutSeconds: 5,
      consecutiveSuccesses: 3,
    };
    expect(plan.healthCheck).toEqual(check);
    expect([healthCheckOf(plan, 'primary'), healthCheckOf(plan, 'dr')]).toEqual([check, check]);
  });

  it('keeps a health check per side, each with its own defaults', () => {
    // Arrange
    const raw = planWith((p) => {
      p.dns = dnsSection();
      p.healthCheck = {
        primary: { url: 'https://shop.example.com/healthz', consecutiveSuccesses: 5 },
        dr: { route53HealthCheckId: '0a1b2c3d-1111-2222-3333-444455556666' },
      };
    });

    // Act
    const plan = parsePlan(raw, 'test-plan.json');

    // Assert
    expect(plan.healthCheck).toEqual({
      primary: {
        url: 'https://shop.example.com/healthz',
        expectedStatus: 200,
        timeoutSeconds: 5,
        consecutiveSuccesses: 5,
      },
      dr: {
        route53HealthCheckId: '0a1b2c3d-1111-2222-3333-444455556666',
        expectedStatus: 200,
        timeoutSeconds: 5,
        consecutiveSuccesses: 3,
      },
    });
  });

  it('defaults failback to update what the primary has and to keep what DR deleted', () => {
    // Arrange
    const raw = planWith(() => {});

    // Act
    const plan = parsePlan(raw, 'test-plan.json');

    // Assert
    expect(plan.failback).toBeUndefined();
    expect(failbackSettingsOf(plan)).toEqual({ existingResourcePolicy: 'update', removeDeletedInDr: false });
    expect(plan.existingResourcePolicy).toBe('none');
  });

  it('places alarms in the primary region unless they name theirs', () => {
    // Arrange
    const raw = planWith((p) => {
      p.failover = { alarms: [{ name: 'shop-5xx' }, { name: 'shop-r53-health', region: 'us-east-1' }] };
    });

    // Act
    const plan = parsePlan(raw, 'test-plan.json');

    // Assert
    expect(plan.failover.alarms).toEqual([
      { name: 'shop-5xx', region: 'eu-west-1' },
      { name: 'shop-r53-health', region: 'us-east-1' },
    ]);
  });

  it('gives value records a 60 s TTL and leaves alias-only records without one', () => {
    // Arrange
    const alias = (dnsName: string) => ({ alias: { dnsName, hostedZoneId: 'Z32O12XQLNTSW2' } });
    const raw = planWith((p) => {
      p.dns = dnsSection();
      p.dns.records.push({
        name: 'www.example.com',
        type: 'A',
        mode: 'failover',
        primary: alias('a.eu-west-1.elb.amazonaws.com'),
        dr: alias('b.eu-central-1.elb.amazonaws.com'),
      });
      p.healthCheck = { route53HealthCheckId: '0a1b2c3d-1111-2222-3333-444455556666' };
    });

    // Act
    const plan = parsePlan(raw, 'test-plan.json');

    // Assert
    expect(plan.dns?.records[0]?.ttl).toBe(60);
    expect(plan.dns?.records[1]?.ttl).toBeUndefined();
    expect(plan.dns?.records[1]?.primary.alias?.evaluateTargetHealth).toBe(false);
  });

  it('parses its own output to the same plan, so a plan survives an environment variable', () => {
    // Arrange
    const raw = planWith((p) => {
      p.dns = dnsSection();
      p.healthCheck = { url: 'https://shop-dr.example.com/healthz' };
      p.failover = { alarms: [{ name: 'shop-5xx' }], autoFailover: true };
    });
    const once = parsePlan(raw, 'test-plan.json');

    // Act
    const twice = parsePlan(JSON.parse(JSON.stringify(once)), 'test-plan.json');

    // Assert
    expect(twice).toEqual(once);
  });

  it.each([
    ['KMS keys in their own regions', (p: RawPlan) => Object.assign(p.primary, { kmsKeyArn: KEY_EUW1 })],
    [
      'a KMS alias ARN',
      (p: RawPlan) =>
        Object.assign(p.dr, { kmsKeyArn: 'arn:aws:kms:eu-central-1:111122223333:alias/eks-dr' }),
    ],
    [
      'a multi-region key',
      (p: RawPlan) => {
        p.volumes = { drKmsKeyArn: `arn:aws:kms:eu-central-1:111122223333:key/mrk-${'0'.repeat(32)}` };
      },
    ],
    [
      'GovCloud regions',
      (p: RawPlan) => {
        p.primary.region = 'us-gov-west-1';
        p.dr.region = 'us-gov-east-1';
      },
    ],
    [
      'a Local Zone in the AZ mapping',
      (p: RawPlan) => {
        p.primary.region = 'us-west-2';
        p.dr.region = 'us-east-1';
        p.volumes = { availabilityZoneMapping: { 'us-west-2-lax-1a': 'us-east-1a' } };
      },
    ],
    [
      'a daily cron with a matching RPO',
      (p: RawPlan) => {
        p.backup = { schedule: 'cron(0 2 * * ? *)' };
        p.objectives.rpoMinutes = 1440;
      },
    ],
    [
      'a weekday cron (RPO not derivable, so not checked)',
      (p: RawPlan) => {
        p.backup = { schedule: 'cron(0 8 ? * MON-FRI *)' };
        p.objectives.rpoMinutes = 5;
      },
    ],
    [
      'an include list with "*" and resource filters',
      (p: RawPlan) => {
        p.backup = {
          filters: { includeNamespaces: ['*'], includeResources: ['deployments.apps', 'configmaps'] },
        };
      },
    ],
    [
      'a percentage and a count replica override',
      (p: RawPlan) => {
        p.dr.overrides = { replicas: { '*': '50%', 'shop/Deployment/web': 3, 'shop/StatefulSet/db': '0%' } };
      },
    ],
    [
      'a Route 53 health-check alarm in us-east-1 with auto-failover',
      (p: RawPlan) => {
        p.failover = {
          alarms: [{ name: 'shop-r53', region: 'us-east-1' }],
          autoFailover: true,
          approvalRequired: false,
        };
      },
    ],
    [
      'a JSON Schema pointer',
      (p: RawPlan) => {
        p.$schema = './eks-dr.schema.json';
      },
    ],
  ])('accepts %s', (_what, change) => {
    // Arrange
    const raw = planWith(change);

    // Act
    const result = drPlanSchema.safeParse(raw);

    // Assert
    expect(result.error?.issues ?? []).toEqual([]);
  });
});

describe('drPlanSchema: bad plans name the field', () => {
  it.each<[string, (p: RawPlan) => void, string]>([
    ['a missing name', (p) => delete p.name, 'name: is required'],
    ['a name that is not DNS-safe', (p) => (p.name = 'Shop_Prod'), 'name: must be lowercase letters'],
    [
      'a name too long for resource names',
      (p) => (p.name = 'a'.repeat(33)),
      'name: must be 1 to 32 characters, got 33',
    ],
    [
      'an availability zone as region',
      (p) => (p.primary.region = 'eu-west-1a'),
      'primary.region: "eu-west-1a" is an availability zone; expected its region, eu-west-1',
    ],
    [
      'a made-up region',
      (p) => (p.dr.region = 'Frankfurt'),
      'dr.region: expected an AWS region name like eu-west-1, got "Frankfurt"',
    ],
    [
      'an uppercase region',
      (p) => (p.dr.region = 'EU-CENTRAL-1'),
      'dr.region: expected a lowercase region name, eu-central-1',
    ],
    [
      'the same region twice',
      (p) => (p.dr.region = 'eu-west-1'),
      'dr.region: must differ from primary.region (eu-west-1)',
    ],
    [
      'regions in different partitions',
      (p) => (p.dr.region = 'cn-north-1'),
      'dr.region: is in partition aws-cn but primary.region is in aws',
    ],
    ['a missing DR cluster name', (p) => delete p.dr.clusterName, 'dr.clusterName: is required'],
    [
      'a bad cluster name',
      (p) => (p.primary.clusterName = '-prod'),
      'primary.clusterName: must start with a letter or digit',
    ],
    [
      'an uppercase bucket',
      (p) => (p.primary.backupBucket = 'Shop_Backups'),
      'primary.backupBucket: must be lowercase letters, digits',
    ],
    [
      'a short bucket',
      (p) => (p.primary.backupBucket = 'ab'),
      'primary.backupBucket: must be 3 to 63 characters, got 2',
    ],
    [
      'an IP-shaped bucket',
      (p) => (p.dr.backupBucket = '192.168.5.4'),
      'dr.backupBucket: must not be formatted as an IP address',
    ],
    [
      'a reserved bucket suffix',
      (p) => (p.dr.backupBucket = 'shop-s3alias'),
      'dr.backupBucket: must not end with the reserved suffix -s3alias',
    ],
    [
      'the same bucket twice',
      (p) => (p.dr.backupBucket = p.primary.backupBucket),
      'dr.backupBucket: must differ from primary.backupBucket',
    ],
    [
      'a bare KMS key id',
      (p) => (p.primary.kmsKeyArn = '1234abcd-12ab-34cd-56ef-1234567890ab'),
      'primary.kmsKeyArn: expected the full ARN',
    ],
    [
      'a DR key from the primary region',
      (p) => (p.dr.kmsKeyArn = KEY_EUW1),
      'dr.kmsKeyArn: is a key in eu-west-1; KMS keys are regional, expected one in eu-central-1',
    ],
    [
      'a volume key from the primary region',
      (p) => (p.volumes = { drKmsKeyArn: KEY_EUW1 }),
      'volumes.drKmsKeyArn: is a key in eu-west-1',
    ],
    [
      'a key ARN in the wrong partition',
      (p) => (p.dr.kmsKeyArn = KEY_EUC1.replace('arn:aws:', 'arn:aws-cn:')),
      'dr.kmsKeyArn: partition aws-cn does not match region eu-central-1',
    ],
    ['an absolute prefix', (p) => (p.backup = { prefix: '/shop' }), 'backup.prefix: must not start with "/"'],
    [
      'a prefix with ".."',
      (p) => (p.backup = { prefix: 'shop/../x' }),
      'backup.prefix: must not contain empty, "." or ".." segments',
    ],
    [
      'a schedule that is neither rate nor cron',
      (p) => (p.backup = { schedule: 'hourly' }),
      'backup.schedule: "hourly": expected rate(<value> <unit>) or cron(<six fields>)',
    ],
    [
      'rate(1 hours)',
      (p) => (p.backup = { schedule: 'rate(1 hours)' }),
      'backup.schedule: "rate(1 hours)": a value of 1 takes the singular unit: rate(1 hour)',
    ],
    [
      'a five-field cron',
      (p) => (p.backup = { schedule: 'cron(0 * * * *)' }),
      'backup.schedule: "cron(0 * * * *)": expected 6 fields',
    ],
    [
      'a cron with both day fields',
      (p) => (p.backup = { schedule: 'cron(0 * * * * *)' }),
      'backup.schedule: "cron(0 * * * * *)": exactly one of day-of-month and day-of-week must be "?"',
    ],
    [
      'zero retained backups',
      (p) => (p.backup = { retention: { count: 0 } }),
      'backup.retention.count: expected at least 1 backups',
    ],
    [
      'fractional retention days',
      (p) => (p.backup = { retention: { maxAgeDays: 1.5 } }),
      'backup.retention.maxAgeDays: expected a whole number of days',
    ],
    [
      'an empty include list',
      (p) => (p.backup = { filters: { includeNamespaces: [] } }),
      'backup.filters.includeNamespaces: omit the field to include every namespace',
    ],
    [
      'an invalid namespace',
      (p) => (p.backup = { filters: { excludeNamespaces: ['Shop'] } }),
      'backup.filters.excludeNamespaces[0]: expected a namespace name',
    ],
    [
      'a namespace both included and excluded',
      (p) => (p.backup = { filters: { includeNamespaces: ['shop'], excludeNamespaces: ['shop'] } }),
      'backup.filters.excludeNamespaces[0]: shop is also in includeNamespaces',
    ],
    [
      'a kind instead of a resource',
      (p) => (p.backup = { filters: { includeResources: ['Deployment'] } }),
      'backup.filters.includeResources[0]: expected a resource like "configmaps" or "deployments.apps"',
    ],
    [
      'a broken label selector',
      (p) => (p.backup = { filters: { labelSelector: 'app in (web' } }),
      'backup.filters.labelSelector: invalid label selector "app in (web"',
    ],
    [
      'a string for a boolean',
      (p) => (p.volumes = { enabled: 'yes' }),
      'volumes.enabled: expected true or false, got "yes"',
    ],
    [
      'an AZ mapping from a DR zone',
      (p) => (p.volumes = { availabilityZoneMapping: { 'eu-central-1a': 'eu-central-1b' } }),
      'volumes.availabilityZoneMapping.eu-central-1a: key: expected an availability zone of eu-west-1',
    ],
    [
      'an AZ mapping to a primary zone',
      (p) => (p.volumes = { availabilityZoneMapping: { 'eu-west-1a': 'eu-west-1b' } }),
      'volumes.availabilityZoneMapping.eu-west-1a: expected an availability zone of eu-central-1 (e.g. eu-central-1a), got "eu-west-1b"',
    ],
    [
      'desired above max',
      (p) =>
        (p.dr.nodeGroups = [
          {
            name: 'ng',
            pilotLightSize: { min: 0, desired: 0, max: 1 },
            targetSize: { min: 1, desired: 9, max: 6 },
          },
        ]),
      'dr.nodeGroups[0].targetSize.desired: 9 is outside min..max (1..6)',
    ],
    [
      'min above max',
      (p) =>
        (p.dr.nodeGroups = [
          {
            name: 'ng',
            pilotLightSize: { min: 2, desired: 2, max: 1 },
            targetSize: { min: 1, desired: 2, max: 6 },
          },
        ]),
      'dr.nodeGroups[0].pilotLightSize.min: 2 is above max 1',
    ],
    [
      'a max of zero',
      (p) =>
        (p.dr.nodeGroups = [
          {
            name: 'ng',
            pilotLightSize: { min: 0, desired: 0, max: 0 },
            targetSize: { min: 1, desired: 2, max: 6 },
          },
        ]),
      'dr.nodeGroups[0].pilotLightSize.max: expected at least 1 nodes',
    ],
    [
      'a target below the pilot light',
      (p) =>
        (p.dr.nodeGroups = [
          {
            name: 'ng',
            pilotLightSize: { min: 0, desired: 3, max: 3 },
            targetSize: { min: 1, desired: 2, max: 6 },
          },
        ]),
      'dr.nodeGroups[0].targetSize.desired: 2 is below pilotLightSize.desired 3: failover would shrink the node group',
    ],
    [
      'an empty target',
      (p) =>
        (p.dr.nodeGroups = [
          {
            name: 'ng',
            pilotLightSize: { min: 0, desired: 0, max: 1 },
            targetSize: { min: 0, desired: 0, max: 6 },
          },
        ]),
      'dr.nodeGroups[0].targetSize.desired: must be at least 1',
    ],
    [
      'a node group without sizes',
      (p) => (p.dr.nodeGroups = [{ name: 'ng' }]),
      'dr.nodeGroups[0].pilotLightSize: is required',
    ],
    [
      'a duplicate node group',
      (p) =>
        (p.dr.nodeGroups = [0, 1].map(() => ({
          name: 'ng',
          pilotLightSize: { min: 0, desired: 0, max: 1 },
          targetSize: { min: 1, desired: 1, max: 1 },
        }))),
      'dr.nodeGroups[1].name: duplicate node group ng',
    ],
    [
      'a bad node group name',
      (p) =>
        (p.dr.nodeGroups = [
          {
            name: 'ng 1',
            pilotLightSize: { min: 0, desired: 0, max: 1 },
            targetSize: { min: 1, desired: 1, max: 1 },
          },
        ]),
      'dr.nodeGroups[0].name: must start with a letter or digit',
    ],
    [
      'a replicas key without namespace and kind',
      (p) => (p.dr.overrides = { replicas: { web: 2 } }),
      'dr.overrides.replicas.web: key: expected "<namespace>/<Kind>/<name>"',
    ],
    [
      'a negative replica count',
      (p) => (p.dr.overrides = { replicas: { 'shop/Deployment/web': -1 } }),
      'dr.overrides.replicas["shop/Deployment/web"]: expected a replica count',
    ],
    [
      'a replica word',
      (p) => (p.dr.overrides = { replicas: { 'shop/Deployment/web': 'half' } }),
      'dr.overrides.replicas["shop/Deployment/web"]: expected a replica count (0, 1, 2, …) or a percentage',
    ],
    [
      'an absurd percentage',
      (p) => (p.dr.overrides = { replicas: { '*': '2000%' } }),
      'dr.overrides.replicas["*"]: 2000% is above 1000%',
    ],
    [
      'a registry with a scheme',
      (p) =>
        (p.dr.overrides = { imageRegistries: [{ from: 'https://ghcr.io/acme', to: 'ghcr.io/acme-dr' }] }),
      'dr.overrides.imageRegistries[0].from: expected a registry without a scheme, e.g. ghcr.io/acme',
    ],
    [
      'a rewrite to itself',
      (p) => (p.dr.overrides = { imageRegistries: [{ from: 'ghcr.io/acme', to: 'ghcr.io/acme' }] }),
      'dr.overrides.imageRegistries[0].to: is the same as from',
    ],
    [
      'a registry rewritten twice',
      (p) =>
        (p.dr.overrides = {
          imageRegistries: [
            { from: 'ghcr.io/a', to: 'ghcr.io/b' },
            { from: 'ghcr.io/a', to: 'ghcr.io/c' },
          ],
        }),
      'dr.overrides.imageRegistries[1].from: ghcr.io/a is rewritten twice',
    ],
    [
      'an invalid storage class',
      (p) => (p.dr.overrides = { storageClasses: { gp2: 'GP3' } }),
      'dr.overrides.storageClasses.gp2: expected a Kubernetes name',
    ],
    [
      'an invalid annotation key',
      (p) => (p.dr.overrides = { annotations: { 'a/b/c': 'x' } }),
      'dr.overrides.annotations["a/b/c"]: key: expected an annotation key',
    ],
    [
      'an unknown existing-resource policy',
      (p) => (p.existingResourcePolicy = 'overwrite'),
      'existingResourcePolicy: expected one of none|update, got "overwrite"',
    ],
    [
      'two namespaces mapped to one',
      (p) => (p.drill = { namespaceMapping: { a: 'x', b: 'x' } }),
      'drill.namespaceMapping.b: a is already mapped to x',
    ],
    [
      'a hosted zone path instead of id',
      (p) => {
        p.dns = { ...dnsSection(), hostedZoneId: '/hostedzone/Z123' };
        p.healthCheck = { url: 'https://x.example.com' };
      },
      'dns.hostedZoneId: expected the bare id, Z123',
    ],
    [
      'an unsupported record type',
      (p) => {
        p.dns = dnsSection();
        p.dns.records[0].type = 'MX';
        p.healthCheck = { url: 'https://x.example.com' };
      },
      'dns.records[0].type: expected one of A|AAAA|CNAME, got "MX"',
    ],
    [
      'an unknown record mode',
      (p) => {
        p.dns = dnsSection();
        p.dns.records[0].mode = 'latency';
        p.healthCheck = { url: 'https://x.example.com' };
      },
      'dns.records[0].mode: expected one of failover|weighted|swap, got "latency"',
    ],
    [
      'an A record with a host name',
      (p) => {
        p.dns = dnsSection();
        p.dns.records[0].primary = { values: ['shop.example.com'] };
        p.healthCheck = { url: 'https://x.example.com' };
      },
      'dns.records[0].primary.values[0]: expected an IPv4 address for an A record',
    ],
    [
      'an AAAA record with IPv4',
      (p) => {
        p.dns = dnsSection();
        p.dns.records[0].type = 'AAAA';
        p.dns.records[0].primary = { values: ['2001:db8::1'] };
        p.healthCheck = { url: 'https://x.example.com' };
      },
      'dns.records[0].dr.values[0]: expected an IPv6 address for an AAAA record, got "198.51.100.10"',
    ],
    [
      'a CNAME with two values',
      (p) => {
        p.dns = dnsSection();
        Object.assign(p.dns.records[0], {
          type: 'CNAME',
          primary: { values: ['a.example.com'] },
          dr: { values: ['b.example.com', 'c.example.com'] },
        });
        p.healthCheck = { url: 'https://x.example.com' };
      },
      'dns.records[0].dr.values: a CNAME record takes exactly one value',
    ],
    [
      'a target with values and alias',
      (p) => {
        p.dns = dnsSection();
        p.dns.records[0].dr.alias = { dnsName: 'b.elb.amazonaws.com', hostedZoneId: 'Z215JYRZR1TBD5' };
        p.healthCheck = { url: 'https://x.example.com' };
      },
      'dns.records[0].dr: expected exactly one of values or alias',
    ],
    [
      'a target with neither',
      (p) => {
        p.dns = dnsSection();
        p.dns.records[0].primary = {};
        p.healthCheck = { url: 'https://x.example.com' };
      },
      'dns.records[0].primary: expected exactly one of values or alias',
    ],
    [
      'a TTL on an alias pair',
      (p) => {
        p.dns = dnsSection();
        const alias = { alias: { dnsName: 'b.elb.amazonaws.com', hostedZoneId: 'Z215JYRZR1TBD5' } };
        Object.assign(p.dns.records[0], { primary: alias, dr: alias, ttl: 30 });
        p.healthCheck = { url: 'https://x.example.com' };
      },
      'dns.records[0].ttl: must be absent: alias records take the TTL of their target',
    ],
    [
      'a health check on a swapped record',
      (p) => {
        p.dns = dnsSection();
        p.dns.records[0].dr.healthCheckId = '0a1b2c3d-1111-2222-3333-444455556666';
        p.healthCheck = { url: 'https://x.example.com' };
      },
      'dns.records[0].dr.healthCheckId: only failover and weighted records carry a health check',
    ],
    [
      'a record listed twice',
      (p) => {
        p.dns = dnsSection();
        p.dns.records.push({ ...p.dns.records[0], name: 'SHOP.example.com.' });
        p.healthCheck = { url: 'https://x.example.com' };
      },
      'dns.records[1].name: SHOP.example.com. A is listed twice',
    ],
    [
      'a CNAME next to an A record',
      (p) => {
        p.dns = dnsSection();
        p.dns.records.push({
          name: 'shop.example.com',
          type: 'CNAME',
          mode: 'swap',
          primary: { values: ['a.example.com'] },
          dr: { values: ['b.example.com'] },
        });
        p.healthCheck = { url: 'https://x.example.com' };
      },
      'dns.records[1].name: shop.example.com already has an A record; a CNAME cannot share its name',
    ],
    [
      'no records',
      (p) => {
        p.dns = { hostedZoneId: 'Z0123456789ABCDEFGHIJ', records: [] };
        p.healthCheck = { url: 'https://x.example.com' };
      },
      'dns.records: expected at least one record',
    ],
    ['DNS without a health check', (p) => (p.dns = dnsSection()), 'healthCheck: is required when dns is set'],
    [
      'a health check with url and id',
      (p) =>
        (p.healthCheck = {
          url: 'https://x.example.com',
          route53HealthCheckId: '0a1b2c3d-1111-2222-3333-444455556666',
        }),
      'healthCheck: expected exactly one of url or route53HealthCheckId',
    ],
    [
      'a health check with neither',
      (p) => (p.healthCheck = {}),
      'healthCheck: expected exactly one of url or route53HealthCheckId',
    ],
    [
      'a per-side health check without the primary while DNS moves',
      (p) => {
        p.dns = dnsSection();
        p.healthCheck = { dr: { url: 'https://shop-dr.example.com/healthz' } };
      },
      'healthCheck.primary: is required when dns is set: DNS only moves to the primary once it passed its health check',
    ],
    [
      'a per-side health check mixed with a single one',
      (p) => (p.healthCheck = { url: 'https://x.example.com', dr: { url: 'https://y.example.com' } }),
      'healthCheck: Unrecognized key: "url"',
    ],
    [
      'a non-HTTP health URL on one side',
      (p) => (p.healthCheck = { primary: { url: 'ftp://x.example.com' } }),
      'healthCheck.primary.url: expected an http:// or https:// URL',
    ],
    [
      'a primary volume key in the DR region',
      (p) => (p.volumes = { primaryKmsKeyArn: KEY_EUC1 }),
      'volumes.primaryKmsKeyArn: is a key in eu-central-1; KMS keys are regional, expected one in eu-west-1',
    ],
    [
      'a non-HTTP health URL',
      (p) => (p.healthCheck = { url: 'ftp://x.example.com' }),
      'healthCheck.url: expected an http:// or https:// URL',
    ],
    [
      'an impossible status',
      (p) => (p.healthCheck = { url: 'https://x.example.com', expectedStatus: 700 }),
      'healthCheck.expectedStatus: expected an HTTP status code from 100 to 599',
    ],
    [
      'a malformed health check id',
      (p) => (p.healthCheck = { route53HealthCheckId: 'hc-123' }),
      'healthCheck.route53HealthCheckId: expected a Route 53 health check id',
    ],
    [
      'an alarm in an unrelated region',
      (p) => (p.failover = { alarms: [{ name: 'x', region: 'ap-south-1' }] }),
      'failover.alarms[0].region: expected eu-west-1, eu-central-1, us-east-1 (primary, DR, or us-east-1 for Route 53 health checks), got ap-south-1',
    ],
    [
      'an alarm listed twice',
      (p) => (p.failover = { alarms: [{ name: 'x' }, { name: 'x', region: 'eu-west-1' }] }),
      'failover.alarms[1].name: x is listed twice',
    ],
    [
      'auto-failover without alarms',
      (p) => (p.failover = { autoFailover: true }),
      'failover.alarms: autoFailover is on but no alarm is listed to trigger it',
    ],
    ['missing objectives', (p) => delete p.objectives, 'objectives: is required'],
    [
      'a zero RTO',
      (p) => (p.objectives.rtoMinutes = 0),
      'objectives.rtoMinutes: expected at least 1 minutes',
    ],
    [
      'an RPO shorter than the hourly default schedule',
      (p) => (p.objectives.rpoMinutes = 30),
      'objectives.rpoMinutes: 30 can never be met: backup.schedule rate(1 hour) runs only every 60 minutes',
    ],
    [
      'an RPO shorter than a daily cron',
      (p) => {
        p.backup = { schedule: 'cron(0 2 * * ? *)' };
        p.objectives.rpoMinutes = 60;
      },
      'objectives.rpoMinutes: 60 can never be met: backup.schedule cron(0 2 * * ? *) runs only every 1440 minutes',
    ],
    [
      'a bad email',
      (p) => (p.notification = { emails: ['oncall'] }),
      'notification.emails[0]: expected an email address',
    ],
    [
      'a bad topic name',
      (p) => (p.notification = { topicName: 'shop dr' }),
      'notification.topicName: expected an SNS topic name',
    ],
    ['a section-level field at the root', (p) => (p.autoFailover = true), 'autoFailover: unknown field'],
    [
      'a misspelt nested field',
      (p) => (p.failover = { autoFailOver: true }),
      'failover.autoFailOver: unknown field',
    ],
  ])('rejects %s', (_what, change, expected) => {
    // Arrange
    const raw = planWith(change);

    // Act
    const issues = issuesOf(raw);

    // Assert
    expect(issues).toContainEqual(startingWith(expected));
  });

  it.each([
    [null, '(root): expected an object, got null'],
    [[], '(root): expected an object, got an array'],
    ['shop', '(root): expected an object, got "shop"'],
  ])('rejects %j as a whole', (raw, expected) => {
    // Arrange
    const source = raw;

    // Act
    const issues = issuesOf(source);

    // Assert
    expect(issues).toEqual([expected]);
  });

  it.each([
    'primary',
    'dr',
    'backup',
    'volumes',
    'drill',
    'dns',
    'healthCheck',
    'failover',
    'objectives',
    'notification',
  ])('reports a wrong type for section %s as an issue, never a crash of the cross-field rules', (section) => {
    // Arrange
    const junk = [null, 'x', 42, [], [null, 'x']];

    // Act
    const outcomes = junk.map((value) => issuesOf(planWith((p) => (p[section] = value))));

    // Assert
    for (const issues of outcomes)
      expect(issues).toContainEqual(expect.stringMatching(new RegExp(`^${section}`)));
  });

  it('survives junk inside lists and maps that the cross-field rules read', () => {
    // Arrange
    const raw = planWith((p) => {
      p.failover = { alarms: [null, 'x', { region: 'eu-west-1' }, { name: 7 }], autoFailover: 'yes' };
      p.volumes = { availabilityZoneMapping: { 'eu-west-1a': 5 }, drKmsKeyArn: 12 };
      p.dr.kmsKeyArn = null;
      p.backup = { schedule: 60 };
      p.objectives = { rtoMinutes: '30', rpoMinutes: null };
    });

    // Act
    const issues = issuesOf(raw);

    // Assert
    expect(issues).toEqual(
      expect.arrayContaining([
        'failover.alarms[0]: expected an object, got null',
        'failover.alarms[2].name: is required',
        'volumes.availabilityZoneMapping.eu-west-1a: expected a string, got number 5',
        'backup.schedule: expected a string, got number 60',
        'objectives.rpoMinutes: expected a number, got null',
      ]),
    );
  });

  it('reports every problem in one pass, field and cross-field alike', () => {
    // Arrange
    const raw = planWith((p) => {
      p.dr.region = 'eu-west-1';
      p.backup = { retention: { count: 0 } };
      p.dns = dnsSection();
      p.dns.records[0].type = 'MX';
      p.extra = true;
    });

    // Act
    const issues = issuesOf(raw);

    // Assert
    expect(issues).toEqual(
      expect.arrayContaining([
        'dr.region: must differ from primary.region (eu-west-1)',
        'backup.retention.count: expected at least 1 backups',
        'dns.records[0].type: expected one of A|AAAA|CNAME, got "MX"',
        'extra: unknown field',
        'healthCheck: is required when dns is set: DNS only moves to a side that passed its health check',
      ]),
    );
    expect(issues).toHaveLength(5);
  });

  it('throws InvalidPlanError whose message prefixes each issue with the source', () => {
    // Arrange
    const raw = planWith((p) => {
      p.name = 'Shop';
      p.existingResourcePolicy = 'merge';
    });

    // Act
    const error = (() => {
      try {
        parsePlan(raw, 'eks-dr.config.json');
      } catch (caught) {
        return caught;
      }
    })();

    // Assert
    expect(error).toBeInstanceOf(InvalidPlanError);
    const planError = error as InvalidPlanError;
    expect(planError.name).toBe('InvalidPlanError');
    expect(planError.source).toBe('eks-dr.config.json');
    expect(planError.cause).toBeDefined();
    expect(planError.message.split('\n')).toEqual([
      expect.stringMatching(/^eks-dr\.config\.json: name: must be lowercase letters/),
      'eks-dr.config.json: existingResourcePolicy: expected one of none|update, got "merge"',
    ]);
  });
});

describe('replica overrides', () => {
  const overrides = {
    replicas: { '*': '50%', 'shop/Deployment/web': 3 },
    imageRegistries: [],
    storageClasses: {},
    annotations: {},
  } satisfies DrOverrides;

  it.each([
    [3, 10, 3],
    ['50%', 3, 2],
    ['50%', 1, 1],
    ['0%', 4, 0],
    ['150%', 2, 3],
    [0, 5, 0],
  ] as const)('turns override %j of %i recorded replicas into %i', (override, recorded, expected) => {
    // Arrange
    const input = { override, recorded };

    // Act
    const replicas = applyReplicaOverride(input.override, input.recorded);

    // Assert
    expect(replicas).toBe(expected);
  });

  it('prefers the workload entry over "*", and "*" over nothing', () => {
    // Arrange
    const web = { namespace: 'shop', kind: 'Deployment', name: 'web' };
    const worker = { namespace: 'shop', kind: 'Deployment', name: 'worker' };

    // Act
    const forWeb = replicaOverrideFor(overrides, web);
    const forWorker = replicaOverrideFor(overrides, worker);
    const withoutDefault = replicaOverrideFor({ ...overrides, replicas: {} }, worker);

    // Assert
    expect(forWeb).toBe(3);
    expect(forWorker).toBe('50%');
    expect(withoutDefault).toBeUndefined();
  });
});
