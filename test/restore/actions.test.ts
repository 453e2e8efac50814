import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/kube/kube-object.ts';
import {
  imageRegistry,
  jobControllerUid,
  namespaceMapping,
  podNodeName,
  pvClaimRef,
  pvVolume,
  RESTORED_FROM_ANNOTATION,
  RESTORED_FROM_NAMESPACE_ANNOTATION,
  type RestoreActionContext,
  replicasOverride,
  restoreAnnotations,
  scaledReplicas,
  serviceAddresses,
  storageClass,
  stripServerFields,
} from '../../src/restore/actions/index.ts';
import { type RestoreOptions, resolveRestoreOptions } from '../../src/restore/options.ts';

function contextFor(
  groupResource: string,
  options: RestoreOptions = {},
  sourceNamespace: string | undefined = 'shop',
): RestoreActionContext {
  return {
    groupResource,
    sourceNamespace,
    backupName: 'nightly-1',
    restoreId: 'r-1',
    options: resolveRestoreOptions(options),
  };
}

const object = (fields: Record<string, unknown>): KubeObject =>
  ({ metadata: { name: 'x', namespace: 'shop' }, ...fields }) as KubeObject;

describe('stripServerFields', () => {
  it('drops every server-set metadata field and status, keeping labels and annotations', () => {
    // Arrange
    const input = object({
      metadata: {
        name: 'x',
        namespace: 'shop',
        uid: 'u',
        resourceVersion: '7',
        generation: 2,
        creationTimestamp: 't',
        deletionTimestamp: 't',
        deletionGracePeriodSeconds: 30,
        selfLink: '/x',
        managedFields: [],
        ownerReferences: [{ kind: 'Deployment', name: 'web', uid: 'o' }],
        generateName: 'x-',
        labels: { app: 'web' },
        annotations: { note: 'kept' },
      },
      status: { phase: 'Running' },
    });

    // Act
    const out = stripServerFields.execute(input, contextFor('configmaps'));

    // Assert
    expect(out.metadata).toEqual({
      name: 'x',
      namespace: 'shop',
      labels: { app: 'web' },
      annotations: { note: 'kept' },
    });
    expect(out.status).toBeUndefined();
  });
});

describe('serviceAddresses', () => {
  it('drops clusterIP, clusterIPs and nodePorts so the target allocates its own', () => {
    // Arrange
    const service = object({
      spec: {
        type: 'NodePort',
        clusterIP: '10.0.0.9',
        clusterIPs: ['10.0.0.9'],
        ports: [{ port: 80, nodePort: 30080 }],
      },
    });

    // Act
    const out = serviceAddresses.execute(service, contextFor('services'));

    // Assert
    expect(out.spec).toEqual({ type: 'NodePort', ports: [{ port: 80 }] });
  });

  it('keeps clusterIP None of a headless service', () => {
    // Arrange
    const service = object({ spec: { clusterIP: 'None', clusterIPs: ['None'] } });

    // Act
    const out = serviceAddresses.execute(service, contextFor('services'));

    // Assert
    expect(out.spec).toEqual({ clusterIP: 'None', clusterIPs: ['None'] });
    expect(serviceAddresses.appliesTo('configmaps', service)).toBe(false);
  });
});

describe('podNodeName and pvClaimRef', () => {
  it('drops a pod’s nodeName', () => {
    // Arrange
    const pod = object({ spec: { nodeName: 'ip-1', containers: [] } });

    // Act
    const out = podNodeName.execute(pod, contextFor('pods'));

    // Assert
    expect(out.spec).toEqual({ containers: [] });
  });

  it('drops the claimRef’s uid and resourceVersion but keeps what binds it to the restored claim', () => {
    // Arrange
    const pv = object({
      spec: {
        claimRef: {
          kind: 'PersistentVolumeClaim',
          namespace: 'shop',
          name: 'data',
          uid: 'u',
          resourceVersion: '3',
        },
      },
    });

    // Act
    const out = pvClaimRef.execute(pv, contextFor('persistentvolumes', {}, undefined));

    // Assert
    expect(out.spec?.claimRef).toEqual({ kind: 'PersistentVolumeClaim', namespace: 'shop', name: 'data' });
  });
});

describe('jobControllerUid', () => {
  it('removes controller-uid labels everywhere and a selector left empty', () => {
    // Arrange
    const job = object({
      metadata: { name: 'migrate', namespace: 'shop', labels: { 'controller-uid': 'u', app: 'm' } },
      spec: {
        selector: { matchLabels: { 'controller-uid': 'u', 'batch.kubernetes.io/controller-uid': 'u' } },
        template: {
          metadata: {
            labels: {
              'controller-uid': 'u',
              'batch.kubernetes.io/controller-uid': 'u',
              'job-name': 'migrate',
            },
          },
        },
      },
    });

    // Act
    const out = jobControllerUid.execute(job, contextFor('jobs.batch'));

    // Assert
    expect(out.spec?.selector).toBeUndefined();
    expect(out.metadata.labels).toEqual({ app: 'm' });
    expect(((out.spec as Record<string, unknown>).template as { metadata: unknown }).metadata).toEqual({
      labels: { 'job-name': 'migrate' },
    });
  });

  it('keeps a manual selector’s other labels', () => {
    // Arrange
    const job = object({
      spec: { manualSelector: true, selector: { matchLabels: { app: 'm', 'controller-uid': 'u' } } },
    });

    // Act
    const out = jobControllerUid.execute(job, contextFor('jobs.batch'));

    // Assert
    expect(out.spec?.selector).toEqual({ matchLabels: { app: 'm' } });
  });
});

describe('namespaceMapping', () => {
  const mapping = { namespaceMapping: { shop: 'shop-dr' } };

  it('moves a namespaced object and leaves unmapped namespaces alone', () => {
    // Arrange
    const mapped = object({});
    const other = object({ metadata: { name: 'y', namespace: 'ops' } });

    // Act
    const outMapped = namespaceMapping.execute(mapped, contextFor('configmaps', mapping));
    const outOther = namespaceMapping.execute(other, contextFor('configmaps', mapping, 'ops'));

    // Assert
    expect(outMapped.metadata.namespace).toBe('shop-dr');
    expect(outMapped.metadata.annotations?.[RESTORED_FROM_NAMESPACE_ANNOTATION]).toBe('shop');
    expect(outOther.metadata.namespace).toBe('ops');
    expect(outOther.metadata.annotations?.[RESTORED_FROM_NAMESPACE_ANNOTATION]).toBeUndefined();
  });

  it('renames a Namespace object and its metadata.name label', () => {
    // Arrange
    const namespace: KubeObject = {
      metadata: { name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop', team: 'a' } },
    };

    // Act
    const out = namespaceMapping.execute(namespace, contextFor('namespaces', mapping, undefined));

    // Assert
    expect(out.metadata).toEqual({
      name: 'shop-dr',
      labels: { 'kubernetes.io/metadata.name': 'shop-dr', team: 'a' },
      annotations: { [RESTORED_FROM_NAMESPACE_ANNOTATION]: 'shop' },
    });
  });

  it('maps the subjects of role bindings and cluster role bindings, and a PV’s claimRef', () => {
    // Arrange
    const binding: KubeObject = {
      metadata: { name: 'b' },
      subjects: [
        { kind: 'ServiceAccount', name: 'web', namespace: 'shop' },
        { kind: 'Group', name: 'devs' },
      ],
    };
    const pv: KubeObject = {
      metadata: { name: 'pv' },
      spec: { claimRef: { namespace: 'shop', name: 'data' } },
    };

    // Act
    const outBinding = namespaceMapping.execute(
      binding,
      contextFor('clusterrolebindings.rbac.authorization.k8s.io', mapping, undefined),
    );
    const outPv = namespaceMapping.execute(pv, contextFor('persistentvolumes', mapping, undefined));

    // Assert
    expect(outBinding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'web', namespace: 'shop-dr' },
      { kind: 'Group', name: 'devs' },
    ]);
    expect(outPv.spec?.claimRef).toEqual({ namespace: 'shop-dr', name: 'data' });
  });
});

describe('replicasOverride', () => {
  it('sets an explicit count for the named workload, keyed by its source namespace', () => {
    // Arrange
    const deployment = object({
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop-dr' },
      spec: { replicas: 6 },
    });
    const options = { overrides: { replicas: { 'shop/Deployment/web': 2 }, replicasPercent: 50 } };

    // Act
    const out = replicasOverride.execute(deployment, contextFor('deployments.apps', options, 'shop'));

    // Assert
    expect(out.spec?.replicas).toBe(2);
  });

  it('scales by a percentage, rounding up, never below 1 for a workload that ran', () => {
    // Arrange
    const statefulSet = object({ kind: 'StatefulSet', spec: { replicas: 5 } });

    // Act
    const out = replicasOverride.execute(
      statefulSet,
      contextFor('statefulsets.apps', { overrides: { replicasPercent: 30 } }),
    );

    // Assert
    expect(out.spec?.replicas).toBe(2);
    expect(scaledReplicas(1, 10)).toBe(1);
    expect(scaledReplicas(0, 50)).toBe(0);
    expect(scaledReplicas(3, 100)).toBe(3);
    expect(scaledReplicas(10, 25)).toBe(3);
    expect(replicasOverride.appliesTo('configmaps', statefulSet)).toBe(false);
  });
});

describe('imageRegistry', () => {
  const options = {
    overrides: {
      imageRegistries: [
        { from: '111.dkr.ecr.eu-west-1.amazonaws.com/', to: '111.dkr.ecr.eu-central-1.amazonaws.com/' },
      ],
    },
  };

  it('rewrites containers and init containers of a pod template, leaving other registries alone', () => {
    // Arrange
    const deployment = object({
      spec: {
        template: {
          spec: {
            initContainers: [{ name: 'init', image: '111.dkr.ecr.eu-west-1.amazonaws.com/init:1' }],
            containers: [
              { name: 'web', image: '111.dkr.ecr.eu-west-1.amazonaws.com/web:2' },
              { name: 'proxy', image: 'public.ecr.aws/envoy:1' },
            ],
          },
        },
      },
    });

    // Act
    const out = imageRegistry.execute(deployment, contextFor('deployments.apps', options));

    // Assert
    const spec = (
      (out.spec as Record<string, unknown>).template as {
        spec: { initContainers: Array<{ image: string }>; containers: Array<{ image: string }> };
      }
    ).spec;
    expect(spec.initContainers[0]?.image).toBe('111.dkr.ecr.eu-central-1.amazonaws.com/init:1');
    expect(spec.containers.map((c) => c.image)).toEqual([
      '111.dkr.ecr.eu-central-1.amazonaws.com/web:2',
      'public.ecr.aws/envoy:1',
    ]);
  });

  it('rewrites a CronJob’s job template and a bare pod', () => {
    // Arrange
    const cronJob = object({
      spec: {
        jobTemplate: {
          spec: {
            template: { spec: { containers: [{ image: '111.dkr.ecr.eu-west-1.amazonaws.com/job:1' }] } },
          },
        },
      },
    });
    const pod = object({ spec: { containers: [{ image: '111.dkr.ecr.eu-west-1.amazonaws.com/pod:1' }] } });

    // Act
    const outCron = imageRegistry.execute(cronJob, contextFor('cronjobs.batch', options));
    const outPod = imageRegistry.execute(pod, contextFor('pods', options));

    // Assert
    expect(JSON.stringify(outCron)).toContain('eu-central-1.amazonaws.com/job:1');
    expect(JSON.stringify(outPod)).toContain('eu-central-1.amazonaws.com/pod:1');
    expect(imageRegistry.appliesTo('configmaps', pod)).toBe(false);
  });
});

describe('storageClass', () => {
  const options = { overrides: { storageClasses: { gp2: 'gp3' } } };

  it('maps claims, volumes and StatefulSet claim templates', () => {
    // Arrange
    const claim = object({ spec: { storageClassName: 'gp2' } });
    const volume = object({ spec: { storageClassName: 'gp2' } });
    const statefulSet = object({
      spec: {
        volumeClaimTemplates: [{ spec: { storageClassName: 'gp2' } }, { spec: { storageClassName: 'io2' } }],
      },
    });

    // Act
    const outClaim = storageClass.execute(claim, contextFor('persistentvolumeclaims', options));
    const outVolume = storageClass.execute(volume, contextFor('persistentvolumes', options, undefined));
    const outSts = storageClass.execute(statefulSet, contextFor('statefulsets.apps', options));

    // Assert
    expect(outClaim.spec?.storageClassName).toBe('gp3');
    expect(outVolume.spec?.storageClassName).toBe('gp3');
    expect(outSts.spec?.volumeClaimTemplates).toEqual([
      { spec: { storageClassName: 'gp3' } },
      { spec: { storageClassName: 'io2' } },
    ]);
  });
});

describe('restoreAnnotations and pvVolume', () => {
  it('adds the plan’s annotations and the backup it came from', () => {
    // Arrange
    const input = object({ metadata: { name: 'x', annotations: { keep: 'me' } } });

    // Act
    const out = restoreAnnotations.execute(
      input,
      contextFor('configmaps', { overrides: { annotations: { 'dr/drill': 'yes' } } }),
    );

    // Assert
    expect(out.metadata.annotations).toMatchObject({
      keep: 'me',
      'dr/drill': 'yes',
      [RESTORED_FROM_ANNOTATION]: 'nightly-1',
    });
  });

  it('points a PV with a volume mapping at its restored EBS volume, and leaves others alone', () => {
    // Arrange
    const pv = (name: string): KubeObject => ({
      metadata: { name },
      spec: { csi: { driver: 'ebs.csi.aws.com', volumeHandle: 'vol-0aaaaaaaaaaaaaaaa' } },
    });
    const options = {
      volumes: { mapped: { volumeId: 'vol-0bbbbbbbbbbbbbbbb', availabilityZone: 'eu-central-1a' } },
    };

    // Act
    const mapped = pvVolume.execute(pv('mapped'), contextFor('persistentvolumes', options, undefined));
    const other = pvVolume.execute(pv('other'), contextFor('persistentvolumes', options, undefined));

    // Assert
    expect(((mapped.spec as Record<string, unknown>).csi as { volumeHandle: string }).volumeHandle).toBe(
      'vol-0bbbbbbbbbbbbbbbb',
    );
    expect(JSON.stringify(mapped.spec)).toContain('eu-central-1a');
    expect(((other.spec as Record<string, unknown>).csi as { volumeHandle: string }).volumeHandle).toBe(
      'vol-0aaaaaaaaaaaaaaaa',
    );
  });
});
