// The snapshot use case: discover → filter → paged LIST of every resource → one streaming archive.
import {
  ARCHIVE_FORMAT_VERSION,
  type ArchiveBytesEntry,
  type ArchiveSummary,
  ArchiveWriter,
  type BackupManifestInput,
  type BackupPhase,
  backupKeys,
  validateBackupName,
} from '../archive/index.ts';
import type { ClusterClient, RawListItem } from '../kube/cluster-client.ts';
import {
  isTransientKubeError,
  KubeAuthError,
  KubeGoneError,
  KubeNotFoundError,
  KubeRequestError,
} from '../kube/errors.ts';
import type { KubeObject } from '../kube/kube-object.ts';
import { mapConcurrent } from '../util/concurrency.ts';
import { isPersistentVolumes } from '../volumes/persistent-volumes.ts';
import { InvalidBackupRequestError, ResourceListError } from './errors.ts';
import {
  type BackupFilters,
  type ListingContext,
  ResourceFilter,
  type ResourceSelection,
} from './resource-filter.ts';

/** Objects per LIST page unless the request says otherwise; what kubectl and Velero use. */
export const DEFAULT_PAGE_SIZE = 500;
/** Resources listed at once unless the request says otherwise. */
export const DEFAULT_LIST_CONCURRENCY = 8;
/** How often one resource's list may restart after 410 Gone before the backup gives up. */
export const DEFAULT_MAX_LIST_RESTARTS = 3;

/** What to snapshot and how. */
export interface SnapshotRequest {
  /** The backup name (DNS-1123 subdomain); names the archive part. */
  name: string;
  /** The cluster's name as the DR plan knows it, recorded in the manifest. */
  clusterName: string;
  filters?: BackupFilters;
  /** @default DEFAULT_PAGE_SIZE */
  pageSize?: number;
  /** @default DEFAULT_LIST_CONCURRENCY */
  concurrency?: number;
  /** @default DEFAULT_MAX_LIST_RESTARTS */
  maxListRestarts?: number;
  /** gzip level of the archive. @default the writer's DEFAULT_GZIP_LEVEL */
  gzipLevel?: number;
  /** AWS region of the cluster, recorded in the manifest. */
  sourceRegion?: string;
}

/** The stages of a snapshot, in order. */
export type SnapshotPhase = 'Discovering' | 'Listing' | 'Finishing' | 'Completed';

/** Reported after discovery, after every page and at the end; cheap enough to render on each call. */
export interface SnapshotProgress {
  phase: SnapshotPhase;
  /** Lists planned (a resource, or a resource in one namespace). */
  listsTotal: number;
  listsDone: number;
  /** Objects written to the archive so far. */
  objects: number;
  /** Lists restarted after 410 Gone so far. */
  restarts: number;
}

/** How listing one resource (in one namespace, when filtered so) went. */
export interface ResourceReport {
  resource: string;
  namespace?: string;
  objects: number;
  /** Objects listed but left out: owned by a controller, or in an excluded namespace. */
  skipped: number;
  pages: number;
  restarts: number;
  /** Set when the list failed with a permanent error and the backup carries on without the rest. */
  error?: string;
}

/** What a snapshot produced: the manifest to store after the archive, and figures for a summary. */
export interface SnapshotResult {
  manifest: BackupManifestInput;
  archive: ArchiveSummary;
  resources: ResourceReport[];
  /** The PersistentVolumes archived, parsed (a cluster has few), so the volume step need not read the archive back. */
  persistentVolumes: KubeObject[];
  durationMs: number;
}

/** Collaborators of a Backupper. */
export interface BackupperDeps {
  client: ClusterClient;
  /** @default () => new Date() */
  now?: () => Date;
  onProgress?: (progress: SnapshotProgress) => void;
}

interface ListTask {
  selection: ResourceSelection;
  namespace?: string;
}

/**
 * Takes a snapshot of a cluster into one archive, Velero style: every dependency through the
 * constructor, one request in, the manifest out. Memory stays bounded by concurrency × page size.
 */
export class Backupper {
  private readonly client: ClusterClient;
  private readonly now: () => Date;
  private readonly onProgress: (progress: SnapshotProgress) => void;

  constructor(deps: BackupperDeps) {
    this.client = deps.client;
    this.now = deps.now ?? (() => new Date());
    this.onProgress = deps.onProgress ?? (() => {});
  }

  /**
   * Lists every selected resource into an archive streamed to `sink`; returns the manifest for it.
   * The request is validated before the first API call. On failure the archive is aborted (the sink is
   * destroyed, so a store discards it) and the error is rethrown.
   */
  async backup(request: SnapshotRequest, sink: NodeJS.WritableStream): Promise<SnapshotResult> {
    const options = validateRequest(request);
    const filter = new ResourceFilter(request.filters);
    const started = this.now();
    const progress: SnapshotProgress = {
      phase: 'Discovering',
      listsTotal: 0,
      listsDone: 0,
      objects: 0,
      restarts: 0,
    };
    this.onProgress({ ...progress });

    const discovery = await this.client.discover();
    const kubernetesVersion = await this.client.serverVersion();
    const plan = filter.plan(discovery.resources);
    const warnings = [
      ...discovery.unavailableGroups.map(
        (g) => `discovery: API group ${g.groupVersion} did not answer: ${g.error}`,
      ),
      ...plan.warnings,
    ];
    const tasks: ListTask[] = plan.selections.flatMap((selection) =>
      selection.namespaces
        ? selection.namespaces.map((namespace) => ({ selection, namespace }))
        : [{ selection }],
    );
    progress.phase = 'Listing';
    progress.listsTotal = tasks.length;
    this.onProgress({ ...progress });

    const writer = new ArchiveWriter(sink, {
      mtime: started,
      ...(request.gzipLevel === undefined ? {} : { gzipLevel: request.gzipLevel }),
    });
    let resources: ResourceReport[];
    let archive: ArchiveSummary;
    const persistentVolumes: KubeObject[] = [];
    try {
      const listAll = (batch: ListTask[], context: ListingContext) =>
        mapConcurrent(batch, options.concurrency, async (task) => {
          const kept = isPersistentVolumes(task.selection.resource) ? persistentVolumes : undefined;
          const report = await this.listInto(writer, task, filter, options, progress, context, kept);
          progress.listsDone += 1;
          this.onProgress({ ...progress });
          return report;
        });
      // CRDs tied to the backed-up namespaces are those of custom resources the backup holds objects of,
      // known only once everything else is listed.
      const isDeferred = (task: ListTask) => task.selection.related === 'definitions-of-backed-up-resources';
      const first = await listAll(
        tasks.filter((task) => !isDeferred(task)),
        { backedUpResources: new Set() },
      );
      const backedUpResources = new Set(first.filter((r) => r.objects > 0).map((r) => r.resource));
      const deferred = await listAll(tasks.filter(isDeferred), { backedUpResources });
      resources = [...first, ...deferred];
      if (progress.objects === 0 && resources.every((r) => r.error === undefined)) {
        // Every cluster has objects (Namespaces at least), so nothing selected means the filters name nothing
        // that exists: a namespace or selector typo. A green "Completed: 0 objects" would hide it until restore.
        throw new InvalidBackupRequestError(
          'filters',
          `select no object in the cluster: nothing to back up (${describeFilters(request.filters)})`,
        );
      }
      progress.phase = 'Finishing';
      this.onProgress({ ...progress });
      archive = await writer.finish();
    } catch (error) {
      await writer.abort(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }

    const failed = resources.filter((r) => r.error !== undefined);
    for (const report of failed) warnings.push(`${describeList(report)}: ${report.error}`);
    const phase: BackupPhase = failed.length > 0 ? 'PartiallyFailed' : 'Completed';
    const completed = this.now();
    // Every listed resource gets a count, 0 included, so `inspect` shows what was looked at.
    const counts: Record<string, number> = Object.fromEntries(plan.selections.map((s) => [s.key, 0]));
    Object.assign(counts, archive.counts);
    const manifest: BackupManifestInput = {
      formatVersion: ARCHIVE_FORMAT_VERSION,
      name: request.name,
      cluster: {
        name: request.clusterName,
        server: this.client.server,
        ...(kubernetesVersion ? { kubernetesVersion } : {}),
      },
      created: started.toISOString(),
      completed: completed.toISOString(),
      filters: manifestFilters(request.filters),
      counts: Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      totalObjects: archive.totalObjects,
      parts: [
        {
          name: backupKeys('', request.name).archivePart,
          sha256: archive.sha256,
          size: archive.size,
          contentBytes: archive.contentBytes,
        },
      ],
      ...(request.sourceRegion ? { sourceRegion: request.sourceRegion } : {}),
      phase,
      warnings,
    };
    progress.phase = 'Completed';
    this.onProgress({ ...progress });
    const durationMs = completed.getTime() - started.getTime();
    return { manifest, archive, resources, persistentVolumes, durationMs };
  }

  /**
   * Pages through one resource, writing each page into the archive as it arrives; objects written are
   * also parsed into `kept` when given.
   *
   * Restart after 410 Gone without duplicates and without buffering: the API server returns a paged
   * list in storage key order (namespace/name; the continue token IS the last key), so everything
   * written so far has a key ≤ `lastKey`. The restarted list skips those keys and writes the rest.
   * The archive then holds keys ≤ lastKey as of the first list and the others as of the second, which
   * is exactly what the API server's own "inconsistent continue" offers after a compaction. The order is
   * checked as pages arrive; a list that was not in key order is not resumed but fails, naming the resource.
   * (The alternatives cost more: spilling every resource to a temp file doubles the serialisation work
   * and the disk traffic, and holding pages in memory breaks the bound on large resources.)
   */
  private async listInto(
    writer: ArchiveWriter,
    task: ListTask,
    filter: ResourceFilter,
    options: ValidOptions,
    progress: SnapshotProgress,
    context: ListingContext,
    kept?: KubeObject[],
  ): Promise<ResourceReport> {
    const { resource, key } = task.selection;
    const report: ResourceReport = {
      resource: key,
      ...(task.namespace ? { namespace: task.namespace } : {}),
      objects: 0,
      skipped: 0,
      pages: 0,
      restarts: 0,
    };
    let lastKey: string | undefined;
    let ordered = true;
    for (;;) {
      const resuming = report.restarts > 0;
      let previous: string | undefined;
      let continueToken: string | undefined;
      try {
        do {
          // Items stay bytes: the archive gets them as the server sent them, parsed only where a filter must look.
          const page = await this.client.listRawPage({
            resource,
            ...(task.namespace ? { namespace: task.namespace } : {}),
            ...(filter.labelSelector ? { labelSelector: filter.labelSelector } : {}),
            limit: options.pageSize,
            ...(continueToken ? { continueToken } : {}),
          });
          report.pages += 1;
          let written = 0;
          for (const item of page.items) {
            const name = item.name;
            if (!name)
              throw new ResourceListError(
                describeList(report),
                'the API returned an object without metadata.name',
              );
            const objectKey = `${resource.namespaced ? (item.namespace ?? '') : ''}/${name}`;
            if (previous !== undefined && objectKey <= previous) {
              ordered = false;
              if (resuming) {
                throw new ResourceListError(
                  describeList(report),
                  'restarted list is not in key order, cannot resume it',
                );
              }
            }
            previous = objectKey;
            if (lastKey !== undefined && objectKey <= lastKey) {
              if (resuming) continue; // written by the attempt before the 410
            } else lastKey = objectKey;
            if (!filter.wantsListed(task.selection, item, context)) {
              report.skipped += 1;
              continue;
            }
            writer.appendBytes(entryFor(task.selection, item, name));
            kept?.push(item.object());
            written += 1;
            report.objects += 1;
          }
          // Awaiting the page's writes is how the archive's backpressure slows the listing down.
          await writer.ready();
          progress.objects += written;
          this.onProgress({ ...progress });
          continueToken = page.continueToken;
        } while (continueToken);
        return report;
      } catch (error) {
        if (error instanceof KubeGoneError && continueToken !== undefined) {
          if (!ordered) {
            throw new ResourceListError(
              describeList(report),
              'continue token expired (410) and the list was not in key order, so it cannot be resumed',
              { cause: error },
            );
          }
          if (report.restarts >= options.maxListRestarts) {
            throw new ResourceListError(
              describeList(report),
              `continue token expired (410) ${report.restarts + 1} times; the list is slower than the API server's compaction`,
              { cause: error },
            );
          }
          report.restarts += 1;
          progress.restarts += 1;
          continue;
        }
        if (isPermanentListError(error)) {
          // Velero's way: a resource we may not (or can no longer) list is reported, the rest is backed up.
          report.error = (error as Error).message;
          return report;
        }
        if (error instanceof ResourceListError) throw error;
        throw new ResourceListError(describeList(report), (error as Error).message ?? String(error), {
          cause: error,
        });
      }
    }
  }
}

interface ValidOptions {
  pageSize: number;
  concurrency: number;
  maxListRestarts: number;
}

/** Throws InvalidBackupRequestError or InvalidBackupFilterError for a request that cannot run; no side effects. */
export function validateSnapshotRequest(request: SnapshotRequest): void {
  validateRequest(request);
  new ResourceFilter(request.filters);
}

function validateRequest(request: SnapshotRequest): ValidOptions {
  try {
    validateBackupName(request.name);
  } catch (error) {
    throw new InvalidBackupRequestError('name', (error as Error).message, { cause: error });
  }
  if (typeof request.clusterName !== 'string' || request.clusterName.trim() === '') {
    throw new InvalidBackupRequestError('clusterName', 'must be a non-empty string');
  }
  const pageSize = integerIn('pageSize', request.pageSize ?? DEFAULT_PAGE_SIZE, 1, 100_000);
  const concurrency = integerIn('concurrency', request.concurrency ?? DEFAULT_LIST_CONCURRENCY, 1, 256);
  const maxListRestarts = integerIn(
    'maxListRestarts',
    request.maxListRestarts ?? DEFAULT_MAX_LIST_RESTARTS,
    0,
    100,
  );
  if (request.gzipLevel !== undefined) integerIn('gzipLevel', request.gzipLevel, 0, 9);
  return { pageSize, concurrency, maxListRestarts };
}

function integerIn(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidBackupRequestError(field, `must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}

function entryFor(selection: ResourceSelection, item: RawListItem, name: string): ArchiveBytesEntry {
  const { resource } = selection;
  const namespace = resource.namespaced ? item.namespace : undefined;
  return {
    resource: resource.resource,
    group: resource.group,
    namespace,
    name,
    bytes: item.bytes,
    ...(item.typeMeta ? { typeMeta: item.typeMeta } : {}),
    ...(item.managedFields ? { managedFields: item.managedFields } : {}),
  };
}

/** 403 (no permission), 404 (resource went away since discovery), 405 (list not allowed after all). */
function isPermanentListError(error: unknown): boolean {
  if (error instanceof KubeAuthError || error instanceof KubeNotFoundError) return true;
  return error instanceof KubeRequestError && !isTransientKubeError(error) && error.status === 405;
}

function describeList(report: Pick<ResourceReport, 'resource' | 'namespace'>): string {
  return report.namespace ? `${report.resource} in namespace ${report.namespace}` : report.resource;
}

function manifestFilters(filters: BackupFilters | undefined): NonNullable<BackupManifestInput['filters']> {
  const out: NonNullable<BackupManifestInput['filters']> = {};
  if (filters?.includeNamespaces?.length) out.includeNamespaces = [...filters.includeNamespaces];
  if (filters?.excludeNamespaces?.length) out.excludeNamespaces = [...filters.excludeNamespaces];
  if (filters?.includeResources?.length) out.includeResources = [...filters.includeResources];
  if (filters?.excludeResources?.length) out.excludeResources = [...filters.excludeResources];
  if (filters?.labelSelector) out.labelSelector = filters.labelSelector;
  if (filters?.includeClusterResources !== undefined)
    out.includeClusterResources = filters.includeClusterResources;
  return out;
}

function describeFilters(filters: BackupFilters | undefined): string {
  const named = Object.entries(filters ?? {}).filter(([, value]) => value !== undefined);
  if (named.length === 0) return 'no filters';
  return named
    .map(([field, value]) => `${field}: ${Array.isArray(value) ? value.join(',') : String(value)}`)
    .join('; ');
}
