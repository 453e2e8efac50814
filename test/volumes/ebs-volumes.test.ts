import { describe, expect, it } from 'vitest';
import {
  findEbsVolumes,
  InvalidVolumeInputError,
  type KubeObject,
  quantityBytes,
  rewritePersistentVolume,
} from '../../src/volumes/index.ts';
import { aCsiPv, anInTreePv, anOtherPv } from './pv-fixtures.ts';

type Expression = { key: string; operator: string; values: string[] };
type PvShape = {
  spec: {
    csi: { volumeHandle: string };
    nodeAffinity: { required: { nodeSelectorTerms: { matchExpressions: Expression[] }[] } };
  };
};

/** The match expressions of a PV's first node selector term. */
const firstTerm = (pv: KubeObject): Expression[] =>
  (pv as unknown as PvShape).spec.nodeAffinity.required.nodeSelectorTerms[0]?.matchExpressions ?? [];

describe('findEbsVolumes', () => {
  it('finds a CSI volume with its zone, size, claim, driver and fsType', () => {
    // Arrange
    const pv = aCsiPv('pvc-1', 'vol-0123456789abcdef0', {
      zone: 'eu-west-1b',
      size: '10Gi',
      claim: { namespace: 'shop', name: 'data-db-0' },
      fsType: 'xfs',
    });

    // Act
    const scan = findEbsVolumes([pv]);

    // Assert
    expect(scan).toEqual({
      volumes: [
        {
          pvName: 'pvc-1',
          volumeId: 'vol-0123456789abcdef0',
          availabilityZone: 'eu-west-1b',
          sizeGi: 10,
          claim: { namespace: 'shop', name: 'data-db-0' },
          driver: 'ebs.csi.aws.com',
          fsType: 'xfs',
          volumeMode: 'Filesystem',
        },
      ],
      skipped: [],
    });
  });

  it.each([
    ['topology.ebs.csi.aws.com/zone', 'eu-west-1a'],
    ['topology.kubernetes.io/zone', 'eu-west-1b'],
    ['failure-domain.beta.kubernetes.io/zone', 'eu-west-1c'],
  ])('reads the zone from node affinity key %s', (key, zone) => {
    // Arrange
    const pv = aCsiPv('pv-a', 'vol-0abc', { zone, zoneKey: key });

    // Act
    const [volume] = findEbsVolumes([pv]).volumes;

    // Assert
    expect(volume?.availabilityZone).toBe(zone);
  });

  it.each([
    ['aws://eu-west-1a/vol-0abc', 'vol-0abc', 'eu-west-1a'],
    ['aws:///vol-0abc', 'vol-0abc', 'eu-west-1c'],
    ['vol-0abc', 'vol-0abc', 'eu-west-1c'],
    ['vol-0123456789abcdef0', 'vol-0123456789abcdef0', 'eu-west-1c'],
  ])(
    'parses the in-tree volumeID %s, falling back to the zone label',
    (volumeID, expectedId, expectedZone) => {
      // Arrange
      const pv = anInTreePv('legacy', volumeID, {
        labels: { 'failure-domain.beta.kubernetes.io/zone': 'eu-west-1c' },
        claim: { namespace: 'ops', name: 'logs' },
      });

      // Act
      const [volume] = findEbsVolumes([pv]).volumes;

      // Assert
      expect(volume).toMatchObject({
        volumeId: expectedId,
        availabilityZone: expectedZone,
        driver: 'in-tree',
        fsType: 'xfs',
        sizeGi: 20,
        claim: { namespace: 'ops', name: 'logs' },
      });
    },
  );

  it('leaves the zone undefined and defaults fsType to ext4 when the PV names neither', () => {
    // Arrange
    const pv = aCsiPv('pv-nozone', 'vol-0abc');

    // Act
    const [volume] = findEbsVolumes([pv]).volumes;

    // Assert
    expect(volume).toMatchObject({ availabilityZone: undefined, fsType: 'ext4', claim: undefined });
  });

  it('reports non-EBS PVs and malformed EBS PVs as skipped with a reason, keeping the EBS ones', () => {
    // Arrange
    const pvs: KubeObject[] = [
      anOtherPv('efs', { csi: { driver: 'efs.csi.aws.com', volumeHandle: 'fs-123::fsap-1' } }),
      anOtherPv('nfs', { nfs: { server: '10.0.0.1', path: '/exports' } }),
      anOtherPv('host', { hostPath: { path: '/data' } }),
      aCsiPv('bad-handle', 'not-a-volume'),
      anInTreePv('bad-url', 'gce://zone/disk'),
      aCsiPv('good', 'vol-0def'),
    ];

    // Act
    const scan = findEbsVolumes(pvs);

    // Assert
    expect(scan.volumes.map((v) => v.pvName)).toEqual(['good']);
    expect(scan.skipped).toEqual([
      { pvName: 'efs', reason: 'not-ebs', detail: 'CSI driver efs.csi.aws.com is not ebs.csi.aws.com' },
      { pvName: 'nfs', reason: 'not-ebs', detail: 'volume source nfs is not EBS' },
      { pvName: 'host', reason: 'not-ebs', detail: 'volume source hostPath is not EBS' },
      {
        pvName: 'bad-handle',
        reason: 'invalid-ebs',
        detail: 'spec.csi.volumeHandle "not-a-volume" is not an EBS volume id',
      },
      {
        pvName: 'bad-url',
        reason: 'invalid-ebs',
        detail:
          'spec.awsElasticBlockStore.volumeID "gce://zone/disk" is neither aws://<zone>/vol-… nor vol-…',
      },
    ]);
  });

  it.each([
    ['10Gi', 10],
    ['1Ti', 1024],
    ['500Mi', 1],
    ['100G', 94],
    ['1073741824', 1],
    ['1.5Gi', 2],
  ])('rounds capacity %s up to %i GiB', (storage, gib) => {
    // Arrange
    const pv = aCsiPv('sized', 'vol-0abc', { size: storage });

    // Act
    const [volume] = findEbsVolumes([pv]).volumes;

    // Assert
    expect(volume?.sizeGi).toBe(gib);
  });

  it('reads Kubernetes quantities and rejects what is not one', () => {
    // Arrange
    const inputs = ['2Ki', '3k', '1e3', '250m', 'ten', '', undefined];

    // Act
    const bytes = inputs.map(quantityBytes);

    // Assert
    expect(bytes).toEqual([2048, 3000, 1000, 0.25, undefined, undefined, undefined]);
  });
});

describe('rewritePersistentVolume', () => {
  it('points a CSI PV at the DR volume and zone and keeps everything else', () => {
    // Arrange
    const pv = aCsiPv('pvc-1', 'vol-0aaa', {
      zone: 'eu-west-1a',
      claim: { namespace: 'shop', name: 'data' },
    });
    const before = structuredClone(pv);

    // Act
    const rewritten = rewritePersistentVolume(pv, {
      volumeId: 'vol-0bbb',
      availabilityZone: 'eu-central-1b',
    });

    // Assert
    const expected = structuredClone(before);
    (expected as unknown as PvShape).spec.csi.volumeHandle = 'vol-0bbb';
    (firstTerm(expected)[0] as Expression).values = ['eu-central-1b'];
    expect(rewritten).toEqual(expected);
    expect(pv).toEqual(before);
  });

  it('keeps the in-tree URL form and rewrites zone and region labels', () => {
    // Arrange
    const pv = anInTreePv('legacy', 'aws://eu-west-1a/vol-0aaa', {
      labels: {
        'failure-domain.beta.kubernetes.io/zone': 'eu-west-1a',
        'failure-domain.beta.kubernetes.io/region': 'eu-west-1',
        app: 'db',
      },
    });

    // Act
    const rewritten = rewritePersistentVolume(pv, {
      volumeId: 'vol-0bbb',
      availabilityZone: 'eu-central-1a',
      region: 'eu-central-1',
    });

    // Assert
    expect(rewritten.spec?.awsElasticBlockStore).toEqual({
      volumeID: 'aws://eu-central-1a/vol-0bbb',
      fsType: 'xfs',
    });
    expect(rewritten.metadata.labels).toEqual({
      'failure-domain.beta.kubernetes.io/zone': 'eu-central-1a',
      'failure-domain.beta.kubernetes.io/region': 'eu-central-1',
      app: 'db',
    });
    expect(rewritten.spec?.nodeAffinity).toBeUndefined();
  });

  it('keeps a bare in-tree volume id bare', () => {
    // Arrange
    const pv = anInTreePv('legacy', 'vol-0aaa', { labels: { 'topology.kubernetes.io/zone': 'eu-west-1b' } });

    // Act
    const rewritten = rewritePersistentVolume(pv, {
      volumeId: 'vol-0ccc',
      availabilityZone: 'eu-central-1c',
    });

    // Assert
    expect(rewritten.spec?.awsElasticBlockStore).toEqual({ volumeID: 'vol-0ccc', fsType: 'xfs' });
    expect(rewritten.metadata.labels).toEqual({ 'topology.kubernetes.io/zone': 'eu-central-1c' });
  });

  it('adds a zone node affinity when the PV names no zone, so pods land where the volume is', () => {
    // Arrange
    const pv = aCsiPv('pv-nozone', 'vol-0aaa');

    // Act
    const rewritten = rewritePersistentVolume(pv, {
      volumeId: 'vol-0bbb',
      availabilityZone: 'eu-central-1a',
    });

    // Assert
    expect(rewritten.spec?.nodeAffinity).toEqual({
      required: {
        nodeSelectorTerms: [
          {
            matchExpressions: [
              { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['eu-central-1a'] },
            ],
          },
        ],
      },
    });
  });

  it('leaves NotIn zone expressions alone', () => {
    // Arrange
    const pv = aCsiPv('pv-a', 'vol-0aaa', { zone: 'eu-west-1a', zoneKey: 'topology.kubernetes.io/zone' });
    firstTerm(pv).push({
      key: 'topology.kubernetes.io/zone',
      operator: 'NotIn',
      values: ['eu-west-1c'],
    });

    // Act
    const rewritten = rewritePersistentVolume(pv, {
      volumeId: 'vol-0bbb',
      availabilityZone: 'eu-central-1a',
    });

    // Assert
    expect(firstTerm(rewritten)).toEqual([
      { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['eu-central-1a'] },
      { key: 'topology.kubernetes.io/zone', operator: 'NotIn', values: ['eu-west-1c'] },
    ]);
  });

  it.each([
    [
      anOtherPv('nfs', { nfs: { server: 'x', path: '/' } }),
      { volumeId: 'vol-0b', availabilityZone: 'eu-central-1a' },
      /persistentVolume "nfs"/,
    ],
    [
      aCsiPv('pv-a', 'vol-0a'),
      { volumeId: 'snap-0b', availabilityZone: 'eu-central-1a' },
      /volumeId "snap-0b"/,
    ],
    [aCsiPv('pv-a', 'vol-0a'), { volumeId: 'vol-0b', availabilityZone: ' ' }, /availabilityZone " "/],
  ])('rejects a target it cannot apply (%#)', (pv, target, message) => {
    // Arrange
    const rewrite = () => rewritePersistentVolume(pv, target);

    // Act
    const error = (() => {
      try {
        rewrite();
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();

    // Assert
    expect(error).toBeInstanceOf(InvalidVolumeInputError);
    expect((error as Error).message).toMatch(message);
  });
});
