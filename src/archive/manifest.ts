import * as z from '../util/zod.ts';
import { InvalidManifestError, type ManifestIssue, UnsupportedFormatVersionError } from './errors.ts';
import { ARCHIVE_FORMAT_VERSION, validateBackupName } from './layout.ts';

const VERSION = /^(\d+)\.(\d+)\.(\d+)$/;

const isoTime = z.iso.datetime({
  offset: true,
  error: 'expected an ISO 8601 date-time like 2024-05-01T12:00:00Z',
});
const count = z.number().check(z.int(), z.nonnegative());
const nonEmpty = () => z.string().check(z.minLength(1));
const region = nonEmpty();

/** The phases a finished backup can end in. */
export const backupPhases = ['Completed', 'PartiallyFailed', 'Failed'] as const;
/** How a backup ended: every object archived, some failed (see warnings), or nothing usable. */
export type BackupPhase = (typeof backupPhases)[number];

/** EC2 snapshot states, as DescribeSnapshots reports them. */
export const snapshotStates = ['pending', 'completed', 'error', 'recoverable', 'recovering'] as const;
/** The state of one EBS snapshot or of one of its cross-region copies. */
export type SnapshotState = (typeof snapshotStates)[number];

const archivePartSchema = z.object({
  name: z.string().check(z.regex(/^[^/]+$/, 'expected a file name without "/"')),
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex characters')),
  size: count,
  /**
   * Bytes of the tar inside the gzip stream. Readers refuse a part that unpacks to more, so a small part
   * cannot expand without bound; absent in backups written before it was recorded.
   */
  contentBytes: z.optional(count),
});

const snapshotCopySchema = z.object({
  region,
  snapshotId: nonEmpty(),
  state: z.enum(snapshotStates),
});

/** One EBS snapshot record, as the manifest holds it and the volume steps hand it on. */
export const volumeSnapshotSchema = z.object({
  persistentVolume: nonEmpty(),
  volumeId: nonEmpty(),
  snapshotId: nonEmpty(),
  region,
  sizeGiB: z.optional(z.number().check(z.int(), z.positive())),
  state: z.enum(snapshotStates),
  copies: z.optional(z.array(snapshotCopySchema)),
});

const filtersSchema = z.object({
  includeNamespaces: z.optional(z.array(z.string())),
  excludeNamespaces: z.optional(z.array(z.string())),
  includeResources: z.optional(z.array(z.string())),
  excludeResources: z.optional(z.array(z.string())),
  labelSelector: z.optional(z.string()),
  /** Absent: Velero's "auto" (see BackupFilters in src/backup/resource-filter.ts). */
  includeClusterResources: z.optional(z.boolean()),
});

/** Signature algorithms a manifest may carry: Ed25519 (CLI keys), ECDSA P-256 over SHA-256 (KMS). */
export const signatureAlgorithms = ['ed25519', 'ECDSA_SHA_256'] as const;
/** One of signatureAlgorithms. */
export type SignatureAlgorithm = (typeof signatureAlgorithms)[number];

/** Who signed a manifest, how, and the signature over its canonical bytes (src/archive/signing.ts). */
export const manifestSignatureSchema = z.object({
  keyId: nonEmpty(),
  algorithm: z.enum(signatureAlgorithms),
  value: z.string().check(z.regex(/^[A-Za-z0-9+/]+={0,2}$/, 'expected base64')),
});

/** The schema of `<prefix>/backups/<name>/manifest.json`. */
export const backupManifestSchema = z
  .object({
    formatVersion: z.string().check(z.regex(VERSION, 'expected a version like 1.1.0')),
    name: z.string().check(
      z.superRefine((name, ctx) => {
        try {
          validateBackupName(name);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
        }
      }),
    ),
    cluster: z.object({
      name: nonEmpty(),
      server: z.optional(z.string()),
      kubernetesVersion: z.optional(z.string()),
    }),
    created: isoTime,
    completed: isoTime,
    filters: z._default(filtersSchema, {}),
    counts: z.record(nonEmpty(), count),
    totalObjects: count,
    parts: z.array(archivePartSchema),
    volumeSnapshots: z._default(z.array(volumeSnapshotSchema), []),
    sourceRegion: z.optional(region),
    copiedRegions: z._default(z.array(region), []),
    phase: z.enum(backupPhases),
    warnings: z._default(z.array(z.string()), []),
    /** Absent in an unsigned backup; readers refuse those unless told to allow them. */
    signature: z.optional(manifestSignatureSchema),
  })
  .check(
    z.superRefine((manifest, ctx) => {
      // Cross-field checks catch a manifest that was hand-edited or assembled from two different runs.
      const sum = Object.values(manifest.counts).reduce((a, b) => a + b, 0);
      if (sum !== manifest.totalObjects) {
        ctx.addIssue({
          code: 'custom',
          path: ['totalObjects'],
          message: `is ${manifest.totalObjects} but counts add up to ${sum}`,
        });
      }
      if (Date.parse(manifest.completed) < Date.parse(manifest.created)) {
        ctx.addIssue({ code: 'custom', path: ['completed'], message: 'is before created' });
      }
      const names = manifest.parts.map((part) => part.name);
      names.forEach((name, index) => {
        if (names.indexOf(name) !== index) {
          ctx.addIssue({ code: 'custom', path: ['parts', index, 'name'], message: `duplicate part ${name}` });
        }
      });
    }),
  );

/** A validated manifest.json, defaults filled in. */
export type BackupManifest = z.output<typeof backupManifestSchema>;
/** What a writer may hand to serializeManifest: the manifest with defaulted fields optional. */
export type BackupManifestInput = z.input<typeof backupManifestSchema>;
/** The signature a manifest carries. */
export type ManifestSignature = z.output<typeof manifestSignatureSchema>;
/** One archive part as the manifest records it. */
export type ArchivePart = BackupManifest['parts'][number];
/** One EBS snapshot of a persistent volume as the manifest records it. */
export type VolumeSnapshotRecord = BackupManifest['volumeSnapshots'][number];

/** Validates a parsed manifest.json; `source` (e.g. its s3:// URL) names it in every error. */
export function parseManifest(json: unknown, source: string): BackupManifest {
  // The major version is checked first: a newer major may have reshaped fields, and "unsupported version"
  // is the useful message then, not a list of schema complaints.
  const found = formatVersionOf(json);
  if (found !== undefined && majorOf(found) !== majorOf(ARCHIVE_FORMAT_VERSION)) {
    throw new UnsupportedFormatVersionError(`manifest ${source}`, found, ARCHIVE_FORMAT_VERSION);
  }
  const result = backupManifestSchema.safeParse(json);
  if (!result.success) {
    throw new InvalidManifestError(source, result.error.issues.map(toIssue), { cause: result.error });
  }
  return result.data;
}

/** Parses and validates the raw text of a manifest.json. */
export function parseManifestJson(text: string | Uint8Array, source: string): BackupManifest {
  const raw = typeof text === 'string' ? text : Buffer.from(text).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new InvalidManifestError(
      source,
      [{ path: '(root)', message: `not valid JSON: ${(error as Error).message}` }],
      {
        cause: error,
      },
    );
  }
  return parseManifest(json, source);
}

/** Validates a manifest and renders it as manifest.json text, so an invalid manifest is never stored. */
export function serializeManifest(manifest: BackupManifestInput, target: string): string {
  return `${JSON.stringify(parseManifest(manifest, target), null, 2)}\n`;
}

/** The major component of a `major.minor.patch` version, or undefined when it is not one. */
export function majorOf(version: string): number | undefined {
  const match = VERSION.exec(version.trim());
  return match ? Number(match[1]) : undefined;
}

function formatVersionOf(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const version = (json as { formatVersion?: unknown }).formatVersion;
  return typeof version === 'string' && VERSION.test(version) ? version : undefined;
}

function toIssue(issue: z.core.$ZodIssue): ManifestIssue {
  const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
  // Zod prefixes type errors with "Invalid input: "; the field path already says where, so keep the substance.
  return { path, message: issue.message.replace(/^Invalid input: /, '') };
}
