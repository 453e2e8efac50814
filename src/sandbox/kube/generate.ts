import type { KubeManifest } from './manifest.ts';

export interface GenerateOptions {
  /** Seed of the pseudo-random sequence; the same seed gives the same objects. @default 1 */
  seed?: number;
  /** Objects per namespace, which sets how many namespaces there are. @default 500 */
  objectsPerNamespace?: number;
}

/** The custom resource every generated cluster carries, so that snapshots see CRDs and custom objects. */
export const GENERATED_CRD_GROUP = 'bench.eks-dr.io';

type Builder = (name: string, namespace: string, random: () => number, filler: Filler) => KubeManifest;

/**
 * Kinds in the proportions of a typical application cluster: config and secrets dominate, then
 * workloads, services, identities, custom objects and network rules.
 */
const MIX: ReadonlyArray<readonly [weight: number, prefix: string, build: Builder]> = [
  [26, 'cm', configMap],
  [14, 'secret', secret],
  [14, 'deploy', deployment],
  [4, 'sts', statefulSet],
  [12, 'svc', service],
  [10, 'sa', serviceAccount],
  [10, 'widget', widget],
  [4, 'ing', ingress],
  [4, 'netpol', networkPolicy],
  [2, 'pvc', persistentVolumeClaim],
];

/**
 * Yields `count` deterministic synthetic manifests in creation order: the CRD, then namespaces, then
 * namespaced objects of mixed kinds, 1–8 KB each. Lazily, so 100k objects never sit in memory twice.
 */
export function* generateObjects(count: number, options: GenerateOptions = {}): Generator<KubeManifest> {
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`count must be a non-negative integer, got ${count}`);
  if (count === 0) return;
  const random = mulberry32(options.seed ?? 1);
  const filler = new Filler(random);
  yield widgetCrd();
  const perNamespace = options.objectsPerNamespace ?? 500;
  const remaining = count - 1;
  const namespaceCount = Math.min(remaining, Math.max(1, Math.ceil(remaining / (perNamespace + 1))));
  const namespaces = Array.from(
    { length: namespaceCount },
    (_, i) => `team-${String(i + 1).padStart(4, '0')}`,
  );
  for (const name of namespaces) {
    yield {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels: { 'eks-dr.io/generated': 'true', team: name } },
    };
  }
  const totalWeight = MIX.reduce((sum, [weight]) => sum + weight, 0);
  const objects = remaining - namespaceCount;
  for (let i = 0; i < objects; i++) {
    const namespace = namespaces[i % namespaceCount] as string;
    let pick = random() * totalWeight;
    let entry = MIX[0] as (typeof MIX)[number];
    for (const candidate of MIX) {
      entry = candidate;
      pick -= candidate[0];
      if (pick < 0) break;
    }
    const [, prefix, build] = entry;
    yield build(`${prefix}-${String(i + 1).padStart(6, '0')}`, namespace, random, filler);
  }
}

/** Deterministic text of a chosen length, sliced from one pre-made random block (fast for 100k objects). */
class Filler {
  private readonly block: string;

  constructor(private readonly random: () => number) {
    const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    let text = '';
    for (let i = 0; i < 64 * 1024; i++) text += alphabet[Math.floor(random() * alphabet.length)];
    this.block = text;
  }

  /** A target payload size: 1–8 KB, skewed towards the small end as real objects are. */
  size(): number {
    const r = this.random();
    return 1024 + Math.floor(7 * 1024 * r * r);
  }

  text(length: number): string {
    const start = Math.floor(this.random() * (this.block.length - length));
    return this.block.slice(start, start + length);
  }
}

function baseMetadata(name: string, namespace: string, random: () => number) {
  return {
    name,
    namespace,
    labels: {
      app: name.replace(/^[a-z]+-/, 'app-').slice(0, 9),
      tier: random() < 0.5 ? 'frontend' : 'backend',
      'app.kubernetes.io/managed-by': 'eks-dr-generate',
    },
  };
}

function configMap(name: string, namespace: string, random: () => number, filler: Filler): KubeManifest {
  const size = filler.size();
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: baseMetadata(name, namespace, random),
    data: { 'application.properties': filler.text(size - 300), 'log.level': 'info' },
  };
}

function secret(name: string, namespace: string, random: () => number, filler: Filler): KubeManifest {
  const size = filler.size();
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: baseMetadata(name, namespace, random),
    type: 'Opaque',
    data: { 'tls.key': Buffer.from(filler.text(Math.floor(((size - 300) * 3) / 4))).toString('base64') },
  };
}

function podTemplate(name: string, filler: Filler, extraBytes: number) {
  return {
    metadata: { labels: { app: name } },
    spec: {
      containers: [
        {
          name: 'main',
          image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/${name}:1.${name.length}.0`,
          ports: [{ containerPort: 8080, name: 'http' }],
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
          env: [{ name: 'FEATURE_FLAGS', value: filler.text(Math.max(16, extraBytes)) }],
        },
      ],
    },
  };
}

function deployment(name: string, namespace: string, random: () => number, filler: Filler): KubeManifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: baseMetadata(name, namespace, random),
    spec: {
      replicas: 1 + Math.floor(random() * 3),
      selector: { matchLabels: { app: name } },
      template: podTemplate(name, filler, filler.size() - 900),
    },
  };
}

function statefulSet(name: string, namespace: string, random: () => number, filler: Filler): KubeManifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: baseMetadata(name, namespace, random),
    spec: {
      replicas: 1 + Math.floor(random() * 3),
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: podTemplate(name, filler, filler.size() - 1100),
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: {
            accessModes: ['ReadWriteOnce'],
            storageClassName: 'gp3',
            resources: { requests: { storage: '10Gi' } },
          },
        },
      ],
    },
  };
}

function service(name: string, namespace: string, random: () => number, filler: Filler): KubeManifest {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      ...baseMetadata(name, namespace, random),
      annotations: { 'eks-dr.io/notes': filler.text(filler.size() - 500) },
    },
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  };
}

function serviceAccount(name: string, namespace: string, random: () => number, filler: Filler): KubeManifest {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: {
      ...baseMetadata(name, namespace, random),
      annotations: {
        'eks.amazonaws.com/role-arn': `arn:aws:iam::123456789012:role/${name}`,
        'eks-dr.io/notes': filler.text(filler.size() - 400),
      },
    },
  };
}

function widget(name: string, namespace: string, random: () => number, filler: Filler): KubeManifest {
  return {
    apiVersion: `${GENERATED_CRD_GROUP}/v1`,
    kind: 'Widget',
    metadata: baseMetadata(name, namespace, random),
    spec: { replicas: 1, size: Math.floor(random() * 100), blueprint: filler.text(filler.size() - 300) },
  };
}

function ingress(name: string, namespace: string, random: () => number, filler: Filler): KubeManifest {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      ...baseMetadata(name, namespace, random),
      annotations: {
        'alb.ingress.kubernetes.io/scheme': 'internet-facing',
        'eks-dr.io/notes': filler.text(filler.size() - 600),
      },
    },
    spec: {
      ingressClassName: 'alb',
      rules: [
        {
          host: `${name}.${namespace}.example.com`,
          http: {
            paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { number: 80 } } } }],
          },
        },
      ],
    },
  };
}

function networkPolicy(name: string, namespace: string, random: () => number, filler: Filler): KubeManifest {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      ...baseMetadata(name, namespace, random),
      annotations: { 'eks-dr.io/notes': filler.text(filler.size() - 500) },
    },
    spec: {
      podSelector: { matchLabels: { app: name } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { tier: 'frontend' } } }], ports: [{ port: 8080 }] }],
    },
  };
}

function persistentVolumeClaim(
  name: string,
  namespace: string,
  random: () => number,
  filler: Filler,
): KubeManifest {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      ...baseMetadata(name, namespace, random),
      annotations: { 'eks-dr.io/notes': filler.text(filler.size() - 500) },
    },
    spec: {
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'gp3',
      resources: { requests: { storage: '20Gi' } },
    },
  };
}

function widgetCrd(): KubeManifest {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `widgets.${GENERATED_CRD_GROUP}` },
    spec: {
      group: GENERATED_CRD_GROUP,
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          subresources: { status: {} },
        },
      ],
    },
  };
}

/** A small, fast, seedable PRNG (mulberry32): the same seed yields the same cluster on every machine. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
