import { EventEmitter } from 'node:events';

/**
 * One stored object. Its JSON is kept as UTF-8 bytes, not as a parsed object nor a JS string: 100k
 * objects then sit outside the JS heap, and a list writes them to the socket as they are.
 */
export class StoredObject {
  constructor(
    readonly key: string,
    readonly namespace: string,
    readonly name: string,
    readonly labels: Readonly<Record<string, string>> | undefined,
    /** apiVersion written in `bytes`; a read at another version rewrites it. */
    readonly apiVersion: string,
    readonly resourceVersion: number,
    readonly bytes: Buffer,
  ) {}

  /** The JSON text (decoded on each call: reads that need it parse it anyway). */
  get json(): string {
    return this.bytes.toString('utf8');
  }
}

const SLAB_BYTES = 1024 * 1024;
const UTF8_MAX_BYTES_PER_CHAR = 3;

/**
 * Turns JSON text into UTF-8 bytes carved out of shared 1 MB slabs: one allocation per few hundred
 * objects instead of one each (each fresh allocation costs page faults). A slab lives while any object
 * in it does; deleted objects leave holes, a fair price in a simulator.
 */
export class SlabEncoder {
  private slab = Buffer.allocUnsafeSlow(0);
  private used = 0;

  encode(text: string): Buffer {
    const worstCase = text.length * UTF8_MAX_BYTES_PER_CHAR;
    if (worstCase > SLAB_BYTES / 4) return Buffer.from(text, 'utf8');
    if (this.used + worstCase > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.used = 0;
    }
    const written = this.slab.write(text, this.used, 'utf8');
    const bytes = this.slab.subarray(this.used, this.used + written);
    this.used += written;
    return bytes;
  }
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreChange {
  type: WatchEventType;
  storageKey: string;
  object: StoredObject;
}

/** The etcd key order kube-apiserver lists in: `<namespace>/<name>`, or `/<name>` for cluster objects. */
export function objectKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** All objects of one group/resource, with a lazily sorted key index for paged lists. */
export class ResourceTable {
  readonly objects = new Map<string, StoredObject>();
  private sorted: string[] | null = null;

  get size(): number {
    return this.objects.size;
  }

  put(object: StoredObject): void {
    const isNew = !this.objects.has(object.key);
    this.objects.set(object.key, object);
    if (isNew && this.sorted) this.sorted.splice(lowerBound(this.sorted, object.key), 0, object.key);
  }

  remove(key: string): void {
    if (!this.objects.delete(key)) return;
    if (this.sorted) {
      const at = lowerBound(this.sorted, key);
      if (this.sorted[at] === key) this.sorted.splice(at, 1);
    }
  }

  /** Keys in list order, optionally only those under a namespace and after a continue position. */
  *keysFrom(prefix: string, after: string | undefined): Generator<string> {
    if (!this.sorted) this.sorted = [...this.objects.keys()].sort(compareKeys);
    const keys = this.sorted;
    const start = after !== undefined && after >= prefix ? upperBound(keys, after) : lowerBound(keys, prefix);
    for (let i = start; i < keys.length; i++) {
      const key = keys[i] as string;
      if (!key.startsWith(prefix)) return;
      yield key;
    }
  }

  /** How many keys remain after a position under a prefix (metadata.remainingItemCount). */
  countAfter(prefix: string, after: string): number {
    if (!this.sorted) this.sorted = [...this.objects.keys()].sort(compareKeys);
    const keys = this.sorted;
    const start = upperBound(keys, after);
    if (prefix === '') return keys.length - start;
    const end = lowerBound(keys, prefixEnd(prefix));
    return Math.max(0, end - start);
  }
}

/** Every table, the one resourceVersion counter, and change events for watches. */
export class ObjectStore {
  private readonly tables = new Map<string, ResourceTable>();
  private revision = 1;
  private readonly encoder = new SlabEncoder();
  readonly changes = new EventEmitter();

  constructor() {
    // A watch per connected client; many tests hold several open at once.
    this.changes.setMaxListeners(0);
  }

  /** The bytes an object's JSON is stored as. */
  encode(json: string): Buffer {
    return this.encoder.encode(json);
  }

  /** The newest resourceVersion handed out. */
  get currentRevision(): number {
    return this.revision;
  }

  nextRevision(): number {
    this.revision += 1;
    return this.revision;
  }

  table(storageKey: string): ResourceTable {
    let table = this.tables.get(storageKey);
    if (!table) {
      table = new ResourceTable();
      this.tables.set(storageKey, table);
    }
    return table;
  }

  existingTable(storageKey: string): ResourceTable | undefined {
    return this.tables.get(storageKey);
  }

  dropTable(storageKey: string): void {
    this.tables.delete(storageKey);
  }

  storageKeys(): string[] {
    return [...this.tables.keys()];
  }

  write(storageKey: string, object: StoredObject, type: WatchEventType): void {
    this.table(storageKey).put(object);
    this.emit(type, storageKey, object);
  }

  remove(storageKey: string, object: StoredObject): void {
    this.tables.get(storageKey)?.remove(object.key);
    this.emit('DELETED', storageKey, object);
  }

  private emit(type: WatchEventType, storageKey: string, object: StoredObject): void {
    if (this.changes.listenerCount('change') === 0) return;
    const change: StoreChange = { type, storageKey, object };
    this.changes.emit('change', change);
  }
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function lowerBound(keys: readonly string[], target: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as string) < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(keys: readonly string[], target: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as string) <= target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The smallest string greater than every string starting with prefix. */
function prefixEnd(prefix: string): string {
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}
