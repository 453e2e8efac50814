import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import {
  InvalidSelectorError,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
} from '../../src/kube/label-selector.ts';
import { isRecord } from '../../src/util/is-record.ts';
import { apiErrors, KubeApiError } from './api-error.ts';
import { type DiscoveryCatalog, groupVersion, type ResourceInfo } from './discovery-catalog.ts';
import { type KubeObject, labelSelectorText, readPath, writePath } from './kube-object.ts';
import { type ObjectStore, objectKey, StoredObject } from './object-store.ts';
import { applyJsonPatch, applyMergePatch } from './patch.ts';

/** The namespaces every cluster starts with, and which may not be deleted. */
export const BUILTIN_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;
const UNDELETABLE_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

const CRD_STORAGE_KEY = 'customresourcedefinitions.apiextensions.k8s.io';
const NAMESPACES = 'namespaces';

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continueToken?: string;
}

export interface ListPage {
  items: StoredObject[];
  resourceVersion: number;
  continueToken?: string;
  remainingItemCount?: number;
  /** Pages served before this one in the same list (0 for the first page). */
  page: number;
}

export type PatchType = 'merge' | 'strategic' | 'json' | 'apply';

/** What happens around a write that the HTTP layer does not know about (CRDs, workloads). */
export interface ResourceHooks {
  beforeCommit(info: ResourceInfo, object: KubeObject): void;
  afterWrite(info: ResourceInfo, object: KubeObject, previous: KubeObject | undefined): void;
  afterDelete(info: ResourceInfo, object: KubeObject): void;
}

/** Bodies whose caller gave them away (parsed from a request), so no defensive copy is needed. */
const handedOver = new WeakSet<object>();

/** Marks a freshly parsed request body as the API's to change: a write then skips its defensive copy. */
export function handOver<T extends object>(body: T): T {
  handedOver.add(body);
  return body;
}

interface ContinueToken {
  rv: number;
  start: string;
  page: number;
}

/** The API semantics of kube-apiserver for every served resource: validation, versions, conflicts. */
export class ResourceApi {
  private readonly allocatedClusterIps = new Set<string>();
  private nextClusterIp = 10;
  private nextNodePort = 30000;
  hooks: ResourceHooks | undefined;

  constructor(
    private readonly catalog: DiscoveryCatalog,
    private readonly store: ObjectStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The stored object, or a 404 naming it. */
  get(info: ResourceInfo, namespace: string, name: string): StoredObject {
    const found = this.store
      .existingTable(info.storageKey)
      ?.objects.get(objectKey(scopeOf(info, namespace), name));
    if (!found) throw apiErrors.notFound(info.resource, info.group, name);
    return found;
  }

  /** The stored object parsed, at the version the caller asked for. */
  getObject(info: ResourceInfo, namespace: string, name: string): KubeObject {
    return this.parse(info, this.get(info, namespace, name));
  }

  /** One page of a list, honouring selectors, limit and continue exactly as the API server does. */
  list(info: ResourceInfo, namespace: string, options: ListOptions): ListPage {
    const labelSelector = parseSelectorOr400(() => parseLabelSelector(options.labelSelector ?? ''));
    const fieldRequirements = parseSelectorOr400(() =>
      parseFieldSelector(options.fieldSelector ?? '', supportedFields(info)),
    );
    const token = options.continueToken ? decodeContinue(options.continueToken) : undefined;
    const prefix = info.namespaced && namespace ? `${namespace}/` : '';
    const table = this.store.existingTable(info.storageKey);
    const limit = options.limit && options.limit > 0 ? options.limit : Number.POSITIVE_INFINITY;
    const items: StoredObject[] = [];
    let lastKey: string | undefined;
    let more = false;
    if (table) {
      for (const key of table.keysFrom(prefix, token?.start)) {
        if (items.length >= limit) {
          more = true;
          break;
        }
        const object = table.objects.get(key) as StoredObject;
        lastKey = key;
        if (!matchesLabels(labelSelector, object.labels)) continue;
        if (
          fieldRequirements.length > 0 &&
          !matchesFields(fieldRequirements, (field) => fieldValue(this.parse(info, object), object, field))
        ) {
          continue;
        }
        items.push(object);
      }
    }
    const resourceVersion = token?.rv ?? this.store.currentRevision;
    const page: ListPage = { items, resourceVersion, page: token?.page ?? 0 };
    if (more && lastKey !== undefined) {
      page.continueToken = encodeContinue({ rv: resourceVersion, start: lastKey, page: page.page + 1 });
      if (!options.labelSelector && !options.fieldSelector && table) {
        page.remainingItemCount = table.countAfter(prefix, lastKey);
      }
    }
    return page;
  }

  /** POST: validates, fills server fields, stores. */
  create(info: ResourceInfo, namespace: string, body: unknown, dryRun = false): StoredObject {
    const object = this.checkBody(info, namespace, body);
    const meta = object.metadata;
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomSuffix()}`;
    if (!meta.name) {
      throw apiErrors.invalid(
        info.kind,
        info.group,
        '',
        'metadata.name',
        'Required value: name or generateName is required',
      );
    }
    validateName(info, meta.name);
    if (info.namespaced) this.requireNamespace(namespace);
    const table = this.store.table(info.storageKey);
    const key = objectKey(scopeOf(info, namespace), meta.name);
    if (table.objects.has(key)) throw apiErrors.alreadyExists(info.resource, info.group, meta.name);

    meta.uid = randomUUID();
    meta.creationTimestamp = kubeTime(this.now());
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.managedFields;
    delete meta.selfLink;
    // Like kube-apiserver, status is the controllers' to write, except on nodes (the kubelet registers with it).
    if (info.subresources.has('status') && info.storageKey !== 'nodes') delete object.status;
    if (object.spec !== undefined || this.isCustom(info)) meta.generation = 1;
    else delete meta.generation;
    this.defaultOnCreate(info, object);
    if (dryRun) return this.toStored(info, namespace, object, this.store.currentRevision);
    this.hooks?.beforeCommit(info, object);
    const stored = this.commit(info, namespace, object, 'ADDED');
    this.hooks?.afterWrite(info, object, undefined);
    return stored;
  }

  /** PUT of the main resource: optimistic concurrency on resourceVersion, status kept when it is a subresource. */
  update(info: ResourceInfo, namespace: string, name: string, body: unknown, dryRun = false): StoredObject {
    const object = this.checkBody(info, namespace, body);
    if (object.metadata.name !== undefined && object.metadata.name !== name) {
      throw apiErrors.badRequest(
        `the name of the object (${object.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    object.metadata.name = name;
    const current = this.get(info, namespace, name);
    return this.replaceWith(info, namespace, current, object, 'main', dryRun);
  }

  /** PUT of the status subresource: only status changes. */
  updateStatus(
    info: ResourceInfo,
    namespace: string,
    name: string,
    body: unknown,
    dryRun = false,
  ): StoredObject {
    const object = this.checkBody(info, namespace, body);
    const current = this.get(info, namespace, name);
    return this.replaceWith(info, namespace, current, object, 'status', dryRun);
  }

  /** PATCH of the main resource or of its status subresource. */
  patch(
    info: ResourceInfo,
    namespace: string,
    name: string,
    type: PatchType,
    patch: unknown,
    target: 'main' | 'status' = 'main',
    dryRun = false,
  ): StoredObject {
    const table = this.store.existingTable(info.storageKey);
    const exists = table?.objects.has(objectKey(scopeOf(info, namespace), name)) ?? false;
    if (!exists && type === 'apply' && target === 'main') {
      // Server-side apply creates what does not exist yet.
      const body = isRecord(patch) ? patch : {};
      return this.create(
        info,
        namespace,
        { ...body, metadata: { ...(isRecord(body.metadata) ? body.metadata : {}), name } },
        dryRun,
      );
    }
    const current = this.get(info, namespace, name);
    const currentObject = this.parse(info, current);
    const patched = this.applyPatch(currentObject, type, patch);
    if (!isRecord(patched) || !isRecord(patched.metadata)) {
      throw apiErrors.badRequest('the patch produced an object without metadata');
    }
    const next = patched as KubeObject;
    if (info.storageKey === 'secrets') foldStringData(next);
    const requestedVersion =
      isRecord(patch) && isRecord(patch.metadata) ? patch.metadata.resourceVersion : undefined;
    if (requestedVersion === undefined) next.metadata.resourceVersion = String(current.resourceVersion);
    return this.replaceWith(info, namespace, current, next, target, dryRun);
  }

  /** GET of the scale subresource, as autoscaling/v1 Scale. */
  getScale(info: ResourceInfo, namespace: string, name: string): Record<string, unknown> {
    const object = this.getObject(info, namespace, name);
    const paths = this.scalePaths(info);
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name,
        namespace: object.metadata.namespace,
        uid: object.metadata.uid,
        resourceVersion: object.metadata.resourceVersion,
        creationTimestamp: object.metadata.creationTimestamp,
      },
      spec: { replicas: Number(readPath(object, paths.spec) ?? 0) },
      status: {
        replicas: Number(readPath(object, paths.status) ?? 0),
        selector: paths.selector
          ? String(readPath(object, paths.selector) ?? '')
          : labelSelectorText(object.spec?.selector),
      },
    };
  }

  /** PUT or PATCH of the scale subresource: only spec.replicas changes. */
  updateScale(
    info: ResourceInfo,
    namespace: string,
    name: string,
    change: { body: unknown } | { patchType: PatchType; patch: unknown },
    dryRun = false,
  ): Record<string, unknown> {
    const scale = this.getScale(info, namespace, name);
    const next = 'body' in change ? change.body : this.applyPatch(scale, change.patchType, change.patch);
    const replicas = isRecord(next) && isRecord(next.spec) ? next.spec.replicas : undefined;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw apiErrors.invalid(
        'Scale',
        'autoscaling',
        name,
        'spec.replicas',
        `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
        'FieldValueInvalid',
      );
    }
    const requested = isRecord(next) && isRecord(next.metadata) ? next.metadata.resourceVersion : undefined;
    const current = this.get(info, namespace, name);
    if (requested !== undefined && String(requested) !== String(current.resourceVersion)) {
      throw apiErrors.conflict(info.resource, info.group, name);
    }
    const object = this.parse(info, current);
    writePath(object as unknown as Record<string, unknown>, this.scalePaths(info).spec, replicas);
    this.replaceWith(info, namespace, current, object, 'main', dryRun);
    return this.getScale(info, namespace, name);
  }

  /** DELETE of one object; namespaces take their objects with them, CRDs their custom objects. */
  delete(info: ResourceInfo, namespace: string, name: string, options: unknown, dryRun = false): KubeObject {
    const current = this.get(info, namespace, name);
    const object = this.parse(info, current);
    const preconditions =
      isRecord(options) && isRecord(options.preconditions) ? options.preconditions : undefined;
    if (preconditions?.uid !== undefined && preconditions.uid !== object.metadata.uid) {
      throw new KubeApiError(
        409,
        'Conflict',
        `Precondition failed: UID in precondition: ${String(preconditions.uid)}, UID in object meta: ${object.metadata.uid}`,
      );
    }
    if (
      preconditions?.resourceVersion !== undefined &&
      String(preconditions.resourceVersion) !== String(current.resourceVersion)
    ) {
      throw apiErrors.conflict(info.resource, info.group, name);
    }
    if (info.storageKey === NAMESPACES && UNDELETABLE_NAMESPACES.has(name)) {
      throw new KubeApiError(
        403,
        'Forbidden',
        `namespaces "${name}" is forbidden: this namespace may not be deleted`,
        {
          name,
          kind: 'namespaces',
        },
      );
    }
    if (dryRun) return object;
    if (info.storageKey === NAMESPACES) this.deleteNamespaceContents(name);
    this.store.remove(info.storageKey, current);
    this.hooks?.afterDelete(info, object);
    if (info.storageKey === NAMESPACES) {
      object.metadata.deletionTimestamp = kubeTime(this.now());
      object.status = { phase: 'Terminating' };
    }
    return object;
  }

  /** DELETE on a collection: every object the selectors match. */
  deleteCollection(
    info: ResourceInfo,
    namespace: string,
    options: ListOptions,
    dryRun = false,
  ): KubeObject[] {
    const deleted: KubeObject[] = [];
    const { items } = this.list(info, namespace, { ...options, limit: undefined, continueToken: undefined });
    for (const item of items) deleted.push(this.delete(info, item.namespace, item.name, undefined, dryRun));
    return deleted;
  }

  /** The object as the client sees it: parsed, with the apiVersion of the URL it was read through. */
  parse(info: ResourceInfo, stored: StoredObject): KubeObject {
    const object = JSON.parse(stored.json) as KubeObject;
    object.apiVersion = groupVersion(info.group, info.version);
    return object;
  }

  /** The stored JSON at the requested version, without a parse when the versions agree. */
  render(info: ResourceInfo, stored: StoredObject): string {
    const apiVersion = groupVersion(info.group, info.version);
    return stored.apiVersion === apiVersion ? stored.json : JSON.stringify(this.parse(info, stored));
  }

  /** `render` as UTF-8 bytes: the stored buffer itself when the versions agree (the list fast path). */
  renderBytes(info: ResourceInfo, stored: StoredObject): Buffer {
    const apiVersion = groupVersion(info.group, info.version);
    return stored.apiVersion === apiVersion
      ? stored.bytes
      : Buffer.from(JSON.stringify(this.parse(info, stored)));
  }

  /** Writes a new state of an existing object on behalf of a controller (status updates). */
  controllerWrite(info: ResourceInfo, stored: StoredObject, object: KubeObject): StoredObject {
    object.metadata.resourceVersion = undefined;
    return this.commit(info, stored.namespace, object, 'MODIFIED');
  }

  private replaceWith(
    info: ResourceInfo,
    namespace: string,
    current: StoredObject,
    incoming: KubeObject,
    target: 'main' | 'status',
    dryRun: boolean,
  ): StoredObject {
    const previous = this.parse(info, current);
    const requested = incoming.metadata.resourceVersion;
    if (
      requested !== undefined &&
      requested !== '' &&
      String(requested) !== String(current.resourceVersion)
    ) {
      throw apiErrors.conflict(info.resource, info.group, current.name);
    }
    let next: KubeObject;
    if (target === 'status') {
      next = { ...previous, status: incoming.status };
    } else {
      next = incoming;
      // Server-owned metadata survives any update.
      next.metadata.uid = previous.metadata.uid;
      next.metadata.creationTimestamp = previous.metadata.creationTimestamp;
      next.metadata.namespace = previous.metadata.namespace;
      next.metadata.name = previous.metadata.name;
      delete next.metadata.managedFields;
      if (info.subresources.has('status')) {
        if (previous.status === undefined) delete next.status;
        else next.status = previous.status;
      }
      if (previous.metadata.generation !== undefined) {
        next.metadata.generation = specChanged(previous, next)
          ? previous.metadata.generation + 1
          : previous.metadata.generation;
      }
      this.checkImmutable(info, previous, next);
    }
    if (dryRun) return this.toStored(info, namespace, next, current.resourceVersion);
    if (target === 'main') this.hooks?.beforeCommit(info, next);
    const stored = this.commit(info, namespace, next, 'MODIFIED');
    this.hooks?.afterWrite(info, next, previous);
    return stored;
  }

  private commit(
    info: ResourceInfo,
    namespace: string,
    object: KubeObject,
    type: 'ADDED' | 'MODIFIED',
  ): StoredObject {
    const stored = this.toStored(info, namespace, object, this.store.nextRevision());
    this.store.write(info.storageKey, stored, type);
    return stored;
  }

  private toStored(
    info: ResourceInfo,
    namespace: string,
    object: KubeObject,
    revision: number,
  ): StoredObject {
    const apiVersion = groupVersion(info.group, info.version);
    const meta = object.metadata;
    meta.resourceVersion = String(revision);
    // Field order as the API server writes it: apiVersion, kind, metadata, then the rest.
    const ordered: KubeObject = { apiVersion, kind: info.kind, metadata: meta };
    for (const [field, value] of Object.entries(object)) {
      if (field !== 'apiVersion' && field !== 'kind' && field !== 'metadata') ordered[field] = value;
    }
    const ns = scopeOf(info, namespace);
    const name = meta.name as string;
    return new StoredObject(
      objectKey(ns, name),
      ns,
      name,
      meta.labels,
      apiVersion,
      revision,
      this.store.encode(JSON.stringify(ordered)),
    );
  }

  private checkBody(info: ResourceInfo, namespace: string, body: unknown): KubeObject {
    if (!isRecord(body)) throw apiErrors.badRequest('the body of the request is not a JSON object');
    // The server changes what it stores; a caller's object must not change with it.
    const object = (handedOver.has(body) ? body : structuredClone(body)) as KubeObject;
    if (object.metadata === undefined) object.metadata = {};
    if (!isRecord(object.metadata)) throw apiErrors.badRequest('metadata must be an object');
    const expected = groupVersion(info.group, info.version);
    if (object.apiVersion !== undefined && object.apiVersion !== expected) {
      throw apiErrors.badRequest(
        `the API version in the data (${String(object.apiVersion)}) does not match the expected API version (${expected})`,
      );
    }
    if (object.kind !== undefined && object.kind !== info.kind) {
      throw apiErrors.badRequest(
        `the kind in the data (${String(object.kind)}) does not match the expected kind (${info.kind})`,
      );
    }
    if (info.namespaced) {
      if (
        object.metadata.namespace !== undefined &&
        object.metadata.namespace !== '' &&
        object.metadata.namespace !== namespace
      ) {
        throw apiErrors.badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      object.metadata.namespace = namespace;
    } else {
      delete object.metadata.namespace;
    }
    if (object.metadata.labels !== undefined && !isRecord(object.metadata.labels)) {
      throw apiErrors.badRequest('metadata.labels must be a map of strings');
    }
    if (info.storageKey === 'secrets') foldStringData(object);
    return object;
  }

  private requireNamespace(namespace: string): void {
    if (!namespace) throw apiErrors.badRequest('a namespace is required for a namespaced resource');
    const ns = this.store.existingTable(NAMESPACES)?.objects.get(objectKey('', namespace));
    if (!ns) throw apiErrors.notFound('namespaces', '', namespace);
  }

  private defaultOnCreate(info: ResourceInfo, object: KubeObject): void {
    const spec = object.spec;
    switch (info.storageKey) {
      case NAMESPACES:
        object.spec = { finalizers: ['kubernetes'], ...(spec ?? {}) };
        object.status = { phase: 'Active' };
        return;
      case 'secrets':
        if (object.type === undefined) object.type = 'Opaque';
        return;
      case 'services':
        this.allocateServiceAddresses(object);
        return;
      case 'persistentvolumeclaims':
        object.status = { phase: 'Pending' };
        return;
      case 'persistentvolumes':
        object.status = { phase: 'Available' };
        return;
      case 'pods':
        object.status = { phase: 'Pending', qosClass: 'BestEffort' };
        return;
      case CRD_STORAGE_KEY:
        validateCrd(object);
        return;
    }
  }

  private allocateServiceAddresses(service: KubeObject): void {
    service.spec ??= {};
    const spec = service.spec;
    const type = (spec.type as string | undefined) ?? 'ClusterIP';
    spec.type = type;
    if (type !== 'ExternalName') {
      const requested = spec.clusterIP as string | undefined;
      if (requested && requested !== 'None') {
        if (this.allocatedClusterIps.has(requested)) {
          throw apiErrors.invalid(
            'Service',
            '',
            service.metadata.name ?? '',
            'spec.clusterIPs',
            `Invalid value: []string{"${requested}"}: failed to allocate IP ${requested}: provided IP is already allocated`,
            'FieldValueInvalid',
          );
        }
        this.allocatedClusterIps.add(requested);
      } else if (requested !== 'None') {
        let ip: string;
        do {
          ip = `10.100.${Math.floor(this.nextClusterIp / 254)}.${(this.nextClusterIp % 254) + 1}`;
          this.nextClusterIp += 1;
        } while (this.allocatedClusterIps.has(ip));
        this.allocatedClusterIps.add(ip);
        spec.clusterIP = ip;
      }
      spec.clusterIPs = [spec.clusterIP];
    }
    if ((type === 'NodePort' || type === 'LoadBalancer') && Array.isArray(spec.ports)) {
      for (const port of spec.ports) {
        if (isRecord(port) && port.nodePort === undefined) port.nodePort = this.nextNodePort++;
      }
    }
    service.status = { loadBalancer: {} };
  }

  private checkImmutable(info: ResourceInfo, previous: KubeObject, next: KubeObject): void {
    if (info.storageKey === 'persistentvolumes') checkPersistentVolumeSource(previous, next);
    if (info.storageKey === 'persistentvolumeclaims') checkClaimSpec(previous, next);
    if (info.storageKey === 'services') {
      const before = previous.spec?.clusterIP;
      const after = next.spec?.clusterIP;
      if (after === undefined || after === '') {
        if (next.spec) next.spec.clusterIP = before;
        if (next.spec) next.spec.clusterIPs = previous.spec?.clusterIPs;
      } else if (after !== before) {
        throw apiErrors.invalid(
          'Service',
          '',
          previous.metadata.name ?? '',
          'spec.clusterIPs[0]',
          `Invalid value: []string{"${String(after)}"}: may not change once set`,
          'FieldValueInvalid',
        );
      }
    }
  }

  private deleteNamespaceContents(namespace: string): void {
    for (const storageKey of this.store.storageKeys()) {
      const table = this.store.existingTable(storageKey);
      const info = this.catalog.versionsOf(storageKey)[0];
      if (!table || !info?.namespaced) continue;
      for (const key of [...table.keysFrom(`${namespace}/`, undefined)]) {
        const stored = table.objects.get(key);
        if (!stored) continue;
        this.store.remove(storageKey, stored);
        this.hooks?.afterDelete(info, this.parse(info, stored));
      }
    }
  }

  private applyPatch(current: unknown, type: PatchType, patch: unknown): unknown {
    try {
      return type === 'json' ? applyJsonPatch(current, patch) : applyMergePatch(current, patch);
    } catch (error) {
      if (error instanceof KubeApiError) throw error;
      throw new KubeApiError(422, 'Invalid', error instanceof Error ? error.message : String(error));
    }
  }

  private scalePaths(info: ResourceInfo): { spec: string; status: string; selector?: string } {
    if (!this.isCustom(info)) return { spec: '.spec.replicas', status: '.status.replicas' };
    const crd = this.store
      .existingTable(CRD_STORAGE_KEY)
      ?.objects.get(objectKey('', `${info.resource}.${info.group}`));
    const parsed = crd ? (JSON.parse(crd.json) as KubeObject) : undefined;
    const versions = Array.isArray(parsed?.spec?.versions) ? parsed.spec.versions : [];
    const version = versions.find((v) => isRecord(v) && v.name === info.version);
    const scale = readPath(version, '.subresources.scale');
    if (!isRecord(scale)) throw apiErrors.pathNotFound();
    return {
      spec: String(scale.specReplicasPath ?? '.spec.replicas'),
      status: String(scale.statusReplicasPath ?? '.status.replicas'),
      selector: scale.labelSelectorPath === undefined ? undefined : String(scale.labelSelectorPath),
    };
  }

  private isCustom(info: ResourceInfo): boolean {
    return (
      this.store
        .existingTable(CRD_STORAGE_KEY)
        ?.objects.has(objectKey('', `${info.resource}.${info.group}`)) ?? false
    );
  }
}

/** A Secret's write-only stringData goes into data, base64-encoded, as kube-apiserver does. */
function foldStringData(secret: KubeObject): void {
  if (!isRecord(secret.stringData)) return;
  const data = isRecord(secret.data) ? secret.data : {};
  for (const [key, value] of Object.entries(secret.stringData)) {
    data[key] = Buffer.from(String(value), 'utf8').toString('base64');
  }
  secret.data = data;
  delete secret.stringData;
}

/** Cluster-scoped objects live under the empty namespace. */
function scopeOf(info: ResourceInfo, namespace: string): string {
  return info.namespaced ? namespace : '';
}

function supportedFields(info: ResourceInfo): string[] {
  const fields = ['metadata.name', 'metadata.namespace'];
  if (info.storageKey === 'secrets') fields.push('type');
  if (info.storageKey === 'pods') fields.push('spec.nodeName', 'status.phase', 'spec.restartPolicy');
  if (info.storageKey === 'events')
    fields.push('involvedObject.kind', 'involvedObject.name', 'involvedObject.namespace', 'reason', 'type');
  if (info.storageKey === 'nodes') fields.push('spec.unschedulable');
  return fields;
}

function fieldValue(object: KubeObject, stored: StoredObject, field: string): string | undefined {
  if (field === 'metadata.name') return stored.name;
  if (field === 'metadata.namespace') return stored.namespace;
  const value = readPath(object, field);
  return value === undefined ? undefined : String(value);
}

function parseSelectorOr400<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof InvalidSelectorError) throw apiErrors.badRequest(error.message);
    throw error;
  }
}

function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', ...token })).toString('base64url');
}

function decodeContinue(text: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<ContinueToken> & {
      v?: string;
    };
    if (parsed.v === 'meta.k8s.io/v1' && typeof parsed.rv === 'number' && typeof parsed.start === 'string') {
      return { rv: parsed.rv, start: parsed.start, page: parsed.page ?? 1 };
    }
  } catch {
    // falls through to the API server's answer for a token it cannot read
  }
  throw apiErrors.badRequest(
    'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
  );
}

/** The page number a continue token is for, without validating it (fault injection reads it). */
export function continuePage(text: string | undefined): number {
  if (!text) return 0;
  try {
    return Number(
      (JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { page?: number }).page ?? 0,
    );
  } catch {
    return 0;
  }
}

function specChanged(previous: KubeObject, next: KubeObject): boolean {
  const strip = (o: KubeObject): string => {
    const { metadata: _m, status: _s, ...rest } = o;
    return JSON.stringify(rest);
  };
  return strip(previous) !== strip(next);
}

/** Kubernetes timestamps have second precision: 2026-11-25T06:00:00Z. */
export function kubeTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';
function randomSuffix(): string {
  let out = '';
  for (let i = 0; i < 5; i++) out += NAME_CHARS[Math.floor(Math.random() * NAME_CHARS.length)];
  return out;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Resources whose names only need to be a valid path segment (RBAC names such as `system:node`). */
const PATH_SEGMENT_NAMED = new Set([
  'roles.rbac.authorization.k8s.io',
  'rolebindings.rbac.authorization.k8s.io',
  'clusterroles.rbac.authorization.k8s.io',
  'clusterrolebindings.rbac.authorization.k8s.io',
]);
const LABEL_NAMED = new Set(['namespaces', 'services']);

function validateName(info: ResourceInfo, name: string): void {
  const invalid = (detail: string) =>
    apiErrors.invalid(
      info.kind,
      info.group,
      name,
      'metadata.name',
      `Invalid value: "${name}": ${detail}`,
      'FieldValueInvalid',
    );
  if (PATH_SEGMENT_NAMED.has(info.storageKey)) {
    if (name === '.' || name === '..' || /[/%]/.test(name))
      throw invalid(`may not contain '/' or '%' and may not be '.' or '..'`);
    return;
  }
  if (LABEL_NAMED.has(info.storageKey)) {
    if (name.length > 63 || !DNS1123_LABEL.test(name)) {
      throw invalid(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
      );
    }
    return;
  }
  if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    throw invalid(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
    );
  }
}

function validateCrd(crd: KubeObject): void {
  const name = crd.metadata.name ?? '';
  const fail = (field: string, detail: string) =>
    apiErrors.invalid('CustomResourceDefinition', 'apiextensions.k8s.io', name, field, detail);
  const spec = crd.spec;
  if (!spec) throw fail('spec', 'Required value');
  const names = isRecord(spec.names) ? spec.names : undefined;
  if (typeof spec.group !== 'string' || !spec.group) throw fail('spec.group', 'Required value');
  if (!names || typeof names.plural !== 'string') throw fail('spec.names.plural', 'Required value');
  if (typeof names.kind !== 'string') throw fail('spec.names.kind', 'Required value');
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
    throw fail(
      'spec.scope',
      `Unsupported value: ${JSON.stringify(spec.scope)}: supported values: "Cluster", "Namespaced"`,
    );
  }
  if (name !== `${names.plural}.${spec.group}`) {
    throw fail('metadata.name', `Invalid value: "${name}": must be spec.names.plural+"."+spec.group`);
  }
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isRecord) : [];
  if (versions.length === 0)
    throw fail('spec.versions', 'Required value: must have exactly one version marked as storage version');
  if (versions.filter((v) => v.storage === true).length !== 1) {
    throw fail('spec.versions', 'Invalid value: must have exactly one version marked as storage version');
  }
}

// The PersistentVolume spec fields outside its volume source: everything else in spec is the source
// (csi, awsElasticBlockStore, nfs, ...), which the API server refuses to change after creation.
const PV_SPEC_NON_SOURCE = new Set([
  'capacity',
  'accessModes',
  'claimRef',
  'persistentVolumeReclaimPolicy',
  'storageClassName',
  'mountOptions',
  'volumeMode',
  'nodeAffinity',
  'volumeAttributesClassName',
]);

function volumeSourceOf(pv: KubeObject): Record<string, unknown> {
  return Object.fromEntries(Object.entries(pv.spec ?? {}).filter(([key]) => !PV_SPEC_NON_SOURCE.has(key)));
}

/** As ValidatePersistentVolumeUpdate: a PV keeps the volume it was created with. */
function checkPersistentVolumeSource(previous: KubeObject, next: KubeObject): void {
  if (isDeepStrictEqual(volumeSourceOf(previous), volumeSourceOf(next))) return;
  throw apiErrors.invalid(
    'PersistentVolume',
    '',
    previous.metadata.name ?? '',
    'spec.persistentvolumesource',
    'Forbidden: spec.persistentvolumesource is immutable after creation',
    'FieldValueForbidden',
  );
}

/**
 * As ValidatePersistentVolumeClaimUpdate: a claim's spec is fixed once created, except its requests and
 * volume attributes class; the binder may set volumeName while it is still empty.
 */
function checkClaimSpec(previous: KubeObject, next: KubeObject): void {
  const comparable = (spec: Record<string, unknown>, volumeName: unknown) => {
    const { resources, volumeAttributesClassName: _class, ...rest } = spec;
    const limits = isRecord(resources) ? resources.limits : undefined;
    return { ...rest, volumeName, limits };
  };
  const before = previous.spec ?? {};
  const after = next.spec ?? {};
  const volumeName =
    before.volumeName === undefined || before.volumeName === '' ? after.volumeName : before.volumeName;
  if (isDeepStrictEqual(comparable(before, volumeName), comparable(after, after.volumeName))) return;
  throw apiErrors.invalid(
    'PersistentVolumeClaim',
    '',
    previous.metadata.name ?? '',
    'spec',
    'Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
    'FieldValueForbidden',
  );
}
