import type { KubeManifest } from './manifest.ts';

export interface GenerateOptions {
  /** Seed of the pseudo-random sequence; the same seed gives the same objects. @default 1 */
  seed?: number;
  /** Objects per namespace, which sets how many namespaces there are. @default 500 */
  objectsPerNamespace?: number;
}

/** The custom resource every generated cluster carries, so that snapshots see CRDs and custom objects. */
export const GENERATED_CRD_GROUP = 'bench.eks-dr.io';

/**
 * Room for what the API server adds to a created object (uid, creationTimestamp, resourceVersion,
 * generation, a Deployment's status, a Service's clusterIPs, at most ~370 bytes): generated manifests
 * stay this far below 8 KB so that the stored object does too.
 */
export const SERVER_FIELDS_RESERVE = 512;
/** Smallest and largest stored JSON size of a generated object, in bytes. */
export const GENERATED_MIN_BYTES = 1024;
export const GENERATED_MAX_BYTES = 8192;

/** A manifest with one free-text field whose length the generator sets to hit a size. */
type Sized = [manifest: KubeManifest, fill: (length: number, filler: Filler) => void];
type Builder = (name: string, namespace: string, random: () => number) => Sized;

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
const TOTAL_WEIGHT = MIX.reduce((sum, [weight]) => sum + weight, 0);

/**
 * Yields `count` deterministic synthetic manifests in creation order: the Widget CRD, then namespaces,
 * then namespaced objects of mixed kinds, each 1–8 KB of JSON once stored. Lazily, so 100k objects
 * never sit in memory twice.
 */
export function* generateObjects(count: number, options: GenerateOptions = {}): Generator<KubeManifest> {
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`count must be a non-negative integer, got ${count}`);
  const perNamespace = options.objectsPerNamespace ?? 500;
  if (!Number.isInteger(perNamespace) || perNamespace < 1)
    throw new RangeError(`objectsPerNamespace must be a positive integer, got ${perNamespace}`);
  if (count === 0) return;
  const random = mulberry32(options.seed ?? 1);
  const filler = new Filler(random);
  yield sized(widgetCrd(), filler, 2048);
  const remaining = count - 1;
  const namespaceCount = Math.min(remaining, Math.ceil(remaining / (perNamespace + 1)));
  const namespaces = Array.from(
    { length: namespaceCount },
    (_, i) => `team-${String(i + 1).padStart(4, '0')}`,
  );
  for (const name of namespaces) yield sized(namespace(name), filler, filler.size());
  const objects = remaining - namespaceCount;
  for (let i = 0; i < objects; i++) {
    const ns = namespaces[i % namespaceCount] as string;
    const [, prefix, build] = pick(random);
    const name = `${prefix}-${String(i + 1).padStart(6, '0')}`;
    yield sized(build(name, ns, random), filler, filler.size());
  }
}

function pick(random: () => number): (typeof MIX)[number] {
  let left = random() * TOTAL_WEIGHT;
  for (const entry of MIX) {
    left -= entry[0];
    if (left < 0) return entry;
  }
  return MIX[MIX.length - 1] as (typeof MIX)[number];
}

/** Fills the free-text field so that the manifest's JSON is exactly `target` bytes (or its minimum). */
function sized([manifest, fill]: Sized, filler: Filler, target: number): KubeManifest {
  const bare = JSON.stringify(manifest).length;
  fill(Math.max(16, target - bare), filler);
  return manifest;
}

/**
 * Deterministic text of a chosen length, sliced from one pre-made block (fast for 100k objects). The
 * block reads like the configuration real ConfigMaps, annotations and env values carry (`key=value`
 * lines from a vocabulary of config words), so it compresses as real manifests do (~8:1); random
 * characters would compress ~5:1, and slowly, which no real cluster's backup sees.
 */
class Filler {
  private readonly block: string;

  constructor(private readonly random: () => number) {
    const lines: string[] = [];
    let length = 0;
    while (length < 64 * 1024) {
      const line = configLine(random);
      lines.push(line);
      length += line.length + 1;
    }
    this.block = lines.join('\n');
  }

  /** A manifest size: 1 KB to 8 KB less the server's fields, skewed towards the small end as real objects are. */
  size(): number {
    const r = this.random();
    const span = GENERATED_MAX_BYTES - SERVER_FIELDS_RESERVE - GENERATED_MIN_BYTES;
    return GENERATED_MIN_BYTES + Math.floor(span * r * r);
  }

  /** Text whose JSON string adds at most `length` bytes (a newline takes two, `\\n`). */
  text(length: number): string {
    const start = Math.floor(this.random() * (this.block.length - length));
    const text = this.block.slice(start, start + length);
    let newlines = 0;
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) newlines += 1;
    return newlines === 0 ? text : text.slice(0, length - newlines);
  }

  /** `length` pseudo-random bytes as base64: key material stays incompressible, as real keys are. */
  base64(length: number): string {
    const bytes = Buffer.allocUnsafe(Math.floor((length * 3) / 4));
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(this.random() * 256);
    return bytes.toString('base64');
  }
}

// Keys and values of the kind real application config holds (Spring, logging, clients, feature flags).
const CONFIG_KEYS = [
  'server.port',
  'server.shutdown',
  'server.compression.enabled',
  'server.tomcat.threads.max',
  'spring.application.name',
  'spring.profiles.active',
  'spring.datasource.url',
  'spring.datasource.username',
  'spring.datasource.hikari.maximum-pool-size',
  'spring.datasource.hikari.connection-timeout',
  'spring.jpa.hibernate.ddl-auto',
  'spring.jpa.properties.hibernate.dialect',
  'spring.kafka.bootstrap-servers',
  'spring.kafka.consumer.group-id',
  'spring.kafka.consumer.auto-offset-reset',
  'spring.redis.host',
  'spring.redis.port',
  'spring.cache.type',
  'spring.cache.redis.time-to-live',
  'management.endpoints.web.exposure.include',
  'management.metrics.export.cloudwatch.namespace',
  'management.tracing.sampling.probability',
  'logging.level.root',
  'logging.level.org.springframework.web',
  'logging.level.com.example.orders',
  'logging.pattern.console',
  'feature.checkout.new-flow.enabled',
  'feature.search.fuzzy.enabled',
  'feature.recommendations.enabled',
  'client.payments.base-url',
  'client.payments.timeout',
  'client.payments.retry.max-attempts',
  'client.inventory.base-url',
  'client.inventory.timeout',
  'aws.region',
  'aws.sqs.orders-queue-url',
  'aws.s3.bucket',
  'resilience4j.circuitbreaker.instances.payments.failure-rate-threshold',
  'resilience4j.retry.instances.inventory.wait-duration',
  'app.batch.size',
  'app.rate-limit.per-minute',
];
const CONFIG_VALUES = [
  'true',
  'false',
  'info',
  'debug',
  'warn',
  '30s',
  '5m',
  '250ms',
  'eu-west-1',
  'graceful',
  'redis',
  'validate',
  'earliest',
  'health,info,prometheus',
  'https://payments.internal.example.com/v1',
  'https://inventory.internal.example.com/api',
  'jdbc:postgresql://orders-db.internal:5432/orders',
  'kafka-0.kafka:9092,kafka-1.kafka:9092',
  'https://sqs.eu-west-1.amazonaws.com/123456789012/orders',
  'org.hibernate.dialect.PostgreSQLDialect',
  '%d{ISO8601} %-5level [%thread] %logger{36} - %msg%n',
];

// One `key=value` line; some values are numbers, so lines repeat in parts, as real config does.
function configLine(random: () => number): string {
  const choose = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const value = random() < 0.25 ? String(Math.floor(random() * 1000)) : choose(CONFIG_VALUES);
  return `${choose(CONFIG_KEYS)}=${value}`;
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

/** The manifest with `annotations['eks-dr.io/notes']` as its free-text field. */
function withNotes(manifest: KubeManifest): Sized {
  const annotations: Record<string, string> = {
    ...(manifest.metadata.annotations ?? {}),
    'eks-dr.io/notes': '',
  };
  manifest.metadata.annotations = annotations;
  return [
    manifest,
    (length, filler) => {
      const text = filler.text(length);
      annotations['eks-dr.io/notes'] = text;
    },
  ];
}

function namespace(name: string): Sized {
  return withNotes({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'eks-dr.io/generated': 'true', team: name } },
  });
}

function configMap(name: string, namespace: string, random: () => number): Sized {
  const data: Record<string, string> = { 'application.properties': '', 'log.level': 'info' };
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: baseMetadata(name, namespace, random), data },
    (length, filler) => {
      const text = filler.text(length);
      data['application.properties'] = text;
    },
  ];
}

function secret(name: string, namespace: string, random: () => number): Sized {
  const data: Record<string, string> = { 'tls.key': '' };
  return [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: baseMetadata(name, namespace, random),
      type: 'Opaque',
      data,
    },
    (length, filler) => {
      data['tls.key'] = filler.base64(length);
    },
  ];
}

function podTemplate(name: string, random: () => number) {
  const env = { name: 'FEATURE_FLAGS', value: '' };
  const template = {
    metadata: { labels: { app: name } },
    spec: {
      containers: [
        {
          name: 'main',
          image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/${name}:1.${Math.floor(random() * 20)}.0`,
          ports: [{ containerPort: 8080, name: 'http' }],
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
          env: [env],
        },
      ],
    },
  };
  const fill = (length: number, filler: Filler): void => {
    env.value = filler.text(length);
  };
  return { template, fill };
}

function deployment(name: string, namespace: string, random: () => number): Sized {
  const { template, fill } = podTemplate(name, random);
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: baseMetadata(name, namespace, random),
      spec: { replicas: 1 + Math.floor(random() * 3), selector: { matchLabels: { app: name } }, template },
    },
    fill,
  ];
}

function statefulSet(name: string, namespace: string, random: () => number): Sized {
  const { template, fill } = podTemplate(name, random);
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: baseMetadata(name, namespace, random),
      spec: {
        replicas: 1 + Math.floor(random() * 3),
        serviceName: name,
        selector: { matchLabels: { app: name } },
        template,
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
    },
    fill,
  ];
}

function service(name: string, namespace: string, random: () => number): Sized {
  return withNotes({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: baseMetadata(name, namespace, random),
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  });
}

function serviceAccount(name: string, namespace: string, random: () => number): Sized {
  return withNotes({
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: {
      ...baseMetadata(name, namespace, random),
      annotations: { 'eks.amazonaws.com/role-arn': `arn:aws:iam::123456789012:role/${name}` },
    },
  });
}

function widget(name: string, namespace: string, random: () => number): Sized {
  const spec = { replicas: 1, size: Math.floor(random() * 100), blueprint: '' };
  return [
    {
      apiVersion: `${GENERATED_CRD_GROUP}/v1`,
      kind: 'Widget',
      metadata: baseMetadata(name, namespace, random),
      spec,
    },
    (length, filler) => {
      const text = filler.text(length);
      spec.blueprint = text;
    },
  ];
}

function ingress(name: string, namespace: string, random: () => number): Sized {
  return withNotes({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      ...baseMetadata(name, namespace, random),
      annotations: { 'alb.ingress.kubernetes.io/scheme': 'internet-facing' },
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
  });
}

function networkPolicy(name: string, namespace: string, random: () => number): Sized {
  return withNotes({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: baseMetadata(name, namespace, random),
    spec: {
      podSelector: { matchLabels: { app: name } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { tier: 'frontend' } } }], ports: [{ port: 8080 }] }],
    },
  });
}

function persistentVolumeClaim(name: string, namespace: string, random: () => number): Sized {
  return withNotes({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: baseMetadata(name, namespace, random),
    spec: {
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'gp3',
      resources: { requests: { storage: '20Gi' } },
    },
  });
}

/** The Widget CRD, with a schema that says what generated widgets hold; its description is the free text. */
function widgetCrd(): Sized {
  const schema = {
    type: 'object',
    description: '',
    properties: {
      spec: {
        type: 'object',
        properties: {
          replicas: { type: 'integer', minimum: 0, description: 'Desired number of widget workers.' },
          size: { type: 'integer', minimum: 0, maximum: 100, description: 'Relative size of the widget.' },
          blueprint: { type: 'string', description: 'Opaque build plan of the widget.' },
        },
      },
      status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
  };
  return [
    {
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
            schema: { openAPIV3Schema: schema },
            subresources: { status: {} },
          },
        ],
      },
    },
    (length, filler) => {
      const text = filler.text(length);
      schema.description = `Widget is a synthetic custom resource for eks-dr benchmarks. ${text}`;
    },
  ];
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
