import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  GENERATED_CRD_GROUP,
  GENERATED_MAX_BYTES,
  GENERATED_MIN_BYTES,
  generateObjects,
} from '../../../sandbox/kube/generate.ts';
import { KubeApiSimulator } from '../../../sandbox/kube/simulator.ts';

const WIDGETS = `widgets.${GENERATED_CRD_GROUP}`;

describe('generateObjects', () => {
  it('yields the same objects for the same seed and different ones for another seed', () => {
    // Arrange
    const count = 500;

    // Act
    const first = JSON.stringify([...generateObjects(count, { seed: 42 })]);
    const again = JSON.stringify([...generateObjects(count, { seed: 42 })]);
    const other = JSON.stringify([...generateObjects(count, { seed: 43 })]);

    // Assert
    expect(again).toBe(first);
    expect(other).not.toBe(first);
  });

  it.each([0, 1, 2, 7, 1234])('yields exactly %i objects', (count) => {
    // Act
    const objects = [...generateObjects(count)];

    // Assert
    expect(objects).toHaveLength(count);
    expect(
      new Set(objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`)).size,
    ).toBe(count);
  });

  it('starts with the Widget CRD, then namespaces, then a mix of kinds including secrets and widgets', () => {
    // Act
    const objects = [...generateObjects(2000, { objectsPerNamespace: 100 })];

    // Assert
    expect(objects[0]).toMatchObject({ kind: 'CustomResourceDefinition', metadata: { name: WIDGETS } });
    const namespaces = objects.filter((o) => o.kind === 'Namespace');
    expect(namespaces.length).toBeGreaterThanOrEqual(19);
    expect(objects.slice(1, 1 + namespaces.length).every((o) => o.kind === 'Namespace')).toBe(true);
    const kinds = new Map<string, number>();
    for (const o of objects) kinds.set(o.kind, (kinds.get(o.kind) ?? 0) + 1);
    for (const kind of ['ConfigMap', 'Secret', 'Deployment', 'StatefulSet', 'Service', 'Widget', 'Ingress']) {
      expect(kinds.get(kind) ?? 0, kind).toBeGreaterThan(10);
    }
    const used = new Set(objects.map((o) => o.metadata.namespace).filter(Boolean));
    expect(used.size).toBe(namespaces.length);
  });

  it('fills config maps with config-like lines and secrets with incompressible key material', () => {
    // Arrange
    const objects = [...generateObjects(600)];

    // Act
    const properties = objects
      .filter((o) => o.kind === 'ConfigMap')
      .map((o) => (o as unknown as { data: Record<string, string> }).data['application.properties'] ?? '');
    const keys = objects
      .filter((o) => o.kind === 'Secret')
      .map((o) =>
        Buffer.from((o as unknown as { data: Record<string, string> }).data['tls.key'] ?? '', 'base64'),
      );

    // Assert
    expect(properties.length).toBeGreaterThan(50);
    const lines = properties.flatMap((text) => text.split('\n').slice(1, -1)); // first and last may be cut
    expect(lines.length).toBeGreaterThan(1000);
    for (const line of lines) expect(line).toMatch(/^[a-z0-9.-]+=\S.*$/);
    const text = Buffer.from(properties.join('\n'));
    expect(gzipSync(text).byteLength).toBeLessThan(text.byteLength / 5);
    expect(keys.length).toBeGreaterThan(30);
    const key = Buffer.concat(keys);
    expect(gzipSync(key).byteLength).toBeGreaterThan(key.byteLength * 0.95);
  });

  it('rejects a count or a namespace size that is not a usable integer', () => {
    // Act
    const negative = () => [...generateObjects(-1)];
    const fraction = () => [...generateObjects(1.5)];
    const emptyNamespaces = () => [...generateObjects(10, { objectsPerNamespace: 0 })];

    // Assert
    expect(negative).toThrow(/count must be a non-negative integer, got -1/);
    expect(fraction).toThrow(/count must be a non-negative integer, got 1.5/);
    expect(emptyNamespaces).toThrow(/objectsPerNamespace must be a positive integer, got 0/);
  });

  it('loads into a simulator, where every object is 1–8 KB of JSON as the server stores it', () => {
    // Arrange
    const simulator = new KubeApiSimulator();
    const builtIn = new Set(simulator.store.existingTable('namespaces')?.objects.keys());

    // Act
    const loaded = simulator.load(generateObjects(3000, { seed: 7, objectsPerNamespace: 200 }));

    // Assert
    expect(loaded).toBe(3000);
    expect(simulator.count()).toBe(3000 + builtIn.size);
    expect(simulator.count(WIDGETS)).toBeGreaterThan(100);
    expect(simulator.count('secrets')).toBeGreaterThan(100);
    const sizes: number[] = [];
    for (const key of simulator.store.storageKeys()) {
      for (const stored of simulator.store.existingTable(key)?.objects.values() ?? []) {
        if (key === 'namespaces' && builtIn.has(stored.key)) continue;
        sizes.push(stored.bytes.length);
        expect(JSON.parse(stored.json)).toMatchObject({ metadata: { name: stored.name } });
      }
    }
    expect(sizes).toHaveLength(3000);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(GENERATED_MIN_BYTES);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(GENERATED_MAX_BYTES);
    // Skewed small, as real objects are, but spread over the whole range.
    const median = [...sizes].sort((a, b) => a - b)[sizes.length >> 1] as number;
    expect(median).toBeLessThan(4096);
    expect(Math.max(...sizes)).toBeGreaterThan(6 * 1024);
  });
});
