import { createHash, randomBytes } from 'node:crypto';
import {
  type FileHandle,
  link,
  mkdir,
  open,
  readdir,
  readFile,
  rm,
  rmdir,
  stat,
  unlink,
} from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { type Readable, Writable } from 'node:stream';
import {
  type BackupListing,
  type BackupStore,
  checkedManifest,
  checkManifestName,
  newestFirst,
  type ObjectSink,
  type StoredBackup,
  type UnreadableBackup,
} from '../backup-store.ts';
import { BackupAlreadyExistsError, BackupNotFoundError, BackupStoreError } from '../errors.ts';
import { type BackupKeys, backupKeys, backupsPrefix, checkObjectKey } from '../layout.ts';
import { type BackupManifest, type BackupManifestInput, parseManifestJson } from '../manifest.ts';

/** A BackupStore in a local directory: `<dir>/backups/<name>/manifest.json` and `<dir>/backups/<name>/<name>.tar.gz`. */
export class LocalDirectoryStore implements BackupStore, ObjectSink {
  readonly directory: string;

  constructor(directory: string) {
    this.directory = resolve(directory);
  }

  describe(): string {
    return this.directory;
  }

  describeBackup(name: string, file?: 'manifest' | 'archive'): string {
    const keys = backupKeys('', name);
    return this.#path(
      file === 'manifest' ? keys.manifest : file === 'archive' ? keys.archive : keys.directory,
    );
  }

  async openArchiveUpload(name: string): Promise<Writable> {
    const keys = backupKeys('', name);
    await this.#refuseTaken(name, keys);
    await this.#sweepDeadWriters();
    await mkdir(this.#path(keys.directory), { recursive: true });
    const final = this.#path(keys.archive);
    // The temporary file sits next to the final one so that linking it into place is atomic.
    const temporary = temporaryPath(final);
    const handle = await open(temporary, 'wx');
    return new CommitOnFinishStream(handle, temporary, final, () => this.#alreadyExists(name, keys));
  }

  async putManifest(name: string, manifest: BackupManifestInput): Promise<BackupManifest> {
    const keys = backupKeys('', name);
    const target = this.#path(keys.manifest);
    const { text, parsed } = await checkedManifest(
      name,
      manifest,
      keys,
      (key) => this.#path(key),
      async () => (await statOrUndefined(this.#path(keys.archive)))?.size,
    );
    await writeNew(target, text, () => this.#alreadyExists(name, keys));
    return parsed;
  }

  async getManifest(name: string): Promise<BackupManifest> {
    const target = this.describeBackup(name, 'manifest');
    let text: string;
    try {
      text = await readFile(target, 'utf8');
    } catch (error) {
      if (isCode(error, 'ENOENT')) throw new BackupNotFoundError(name, target, 'manifest', { cause: error });
      throw new BackupStoreError(target, `cannot read: ${(error as Error).message}`, { cause: error });
    }
    const manifest = parseManifestJson(text, target);
    checkManifestName(manifest, name, target);
    return manifest;
  }

  async openArchiveRead(name: string): Promise<Readable> {
    const target = this.describeBackup(name, 'archive');
    try {
      const handle = await open(target, 'r');
      return handle.createReadStream();
    } catch (error) {
      if (isCode(error, 'ENOENT')) throw new BackupNotFoundError(name, target, 'archive', { cause: error });
      throw new BackupStoreError(target, `cannot read: ${(error as Error).message}`, { cause: error });
    }
  }

  async exists(name: string): Promise<boolean> {
    return (await statOrUndefined(this.describeBackup(name, 'manifest'))) !== undefined;
  }

  async list(): Promise<BackupListing> {
    const backups: StoredBackup[] = [];
    const unreadable: UnreadableBackup[] = [];
    let entries: string[];
    try {
      entries = await readdir(this.#path(backupsPrefix('')));
    } catch (error) {
      if (isCode(error, 'ENOENT')) return { backups, unreadable };
      throw error;
    }
    for (const name of entries.sort()) {
      try {
        backups.push({ name, manifest: await this.getManifest(name) });
      } catch (error) {
        // No manifest: an incomplete backup, or a stray directory whose name is not a backup name.
        if (error instanceof BackupNotFoundError || (error as Error).name === 'InvalidBackupNameError')
          continue;
        unreadable.push({ name, error: error as Error });
      }
    }
    return { backups: newestFirst(backups), unreadable };
  }

  async delete(name: string): Promise<void> {
    const keys = backupKeys('', name);
    const directory = this.#path(keys.directory);
    if ((await statOrUndefined(directory)) === undefined) {
      throw new BackupNotFoundError(name, this.#path(keys.manifest), 'manifest');
    }
    // The manifest goes first: from that moment the backup is incomplete, so nobody restores half of it.
    await rm(this.#path(keys.manifest), { force: true });
    await rm(directory, { recursive: true, force: true });
  }

  describeKey(key: string): string {
    return this.#path(checkObjectKey(key));
  }

  async firstKeyUnder(prefix: string): Promise<string | undefined> {
    let entries: string[];
    try {
      entries = await readdir(this.#path(checkObjectKey(prefix)));
    } catch (error) {
      if (isCode(error, 'ENOENT') || isCode(error, 'ENOTDIR')) return undefined;
      throw error;
    }
    const [first] = entries.sort();
    return first === undefined ? undefined : `${prefix}${first}`;
  }

  async openObjectUpload(key: string, _contentType: string): Promise<Writable> {
    const final = this.#path(checkObjectKey(key));
    const taken = async () =>
      (await statOrUndefined(final)) === undefined
        ? undefined
        : new BackupStoreError(final, 'already exists; objects are never overwritten');
    const error = await taken();
    if (error !== undefined) throw error;
    await mkdir(dirname(final), { recursive: true });
    const temporary = temporaryPath(final);
    return new CommitOnFinishStream(await open(temporary, 'wx'), temporary, final, taken);
  }

  /**
   * Removes what killed writers of this host left: their temporary files, and a backup directory that held
   * nothing else. Another host's files are never touched, since its processes cannot be seen from here.
   */
  async #sweepDeadWriters(): Promise<void> {
    const root = this.#path(backupsPrefix(''));
    const directories = await readdir(root).catch(() => [] as string[]);
    for (const directory of directories) {
      const path = join(root, directory);
      const files = await readdir(path).catch(() => [] as string[]);
      const dead = files.filter(leftByDeadWriter);
      if (dead.length === 0) continue;
      for (const file of dead) await unlink(join(path, file)).catch(() => {});
      if (dead.length === files.length) await rmdir(path).catch(() => {});
    }
  }

  async #refuseTaken(name: string, keys: BackupKeys): Promise<void> {
    const error = await this.#alreadyExists(name, keys);
    if (error !== undefined) throw error;
  }

  async #alreadyExists(name: string, keys: BackupKeys): Promise<BackupAlreadyExistsError | undefined> {
    if ((await statOrUndefined(this.#path(keys.manifest))) !== undefined) {
      return new BackupAlreadyExistsError(name, this.#path(keys.directory));
    }
    if ((await statOrUndefined(this.#path(keys.archive))) !== undefined) {
      return new BackupAlreadyExistsError(
        name,
        this.#path(keys.directory),
        'an incomplete backup (archive without manifest) already uses this name; delete it first',
      );
    }
    return undefined;
  }

  #path(key: string): string {
    return join(this.directory, ...key.split('/').filter((part) => part !== ''));
  }
}

/** Writes into a temporary file and links it to its final name only once every byte is on disk. */
class CommitOnFinishStream extends Writable {
  #committed = false;

  constructor(
    private readonly handle: FileHandle,
    private readonly temporary: string,
    private readonly final: string,
    private readonly explainTaken: () => Promise<Error | undefined>,
  ) {
    super({ highWaterMark: 256 * 1024 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.handle.write(chunk).then(
      () => callback(),
      (error: Error) =>
        callback(new BackupStoreError(this.temporary, `write failed: ${error.message}`, { cause: error })),
    );
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#commit().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const cleanUp = async () => {
      await this.handle.close().catch(() => {});
      await unlink(this.temporary).catch(() => {});
      // An abandoned backup leaves nothing behind, not even its directory; a directory that holds
      // anything else (a committed archive, another writer's file) is not empty and stays.
      if (!this.#committed) await rmdir(dirname(this.temporary)).catch(() => {});
    };
    cleanUp().then(() => callback(error));
  }

  async #commit(): Promise<void> {
    await this.handle.sync();
    await this.handle.close();
    try {
      // link, unlike rename, fails when the final name exists: two writers racing for one name cannot both win.
      await link(this.temporary, this.final);
    } catch (error) {
      if (isCode(error, 'EEXIST')) {
        throw (
          (await this.explainTaken()) ?? new BackupStoreError(this.final, 'already exists', { cause: error })
        );
      }
      throw new BackupStoreError(this.final, `cannot move into place: ${(error as Error).message}`, {
        cause: error,
      });
    }
    this.#committed = true;
    await unlink(this.temporary).catch(() => {});
  }
}

async function writeNew(
  target: string,
  text: string,
  explainTaken: () => Promise<Error | undefined>,
): Promise<void> {
  const temporary = temporaryPath(target);
  const handle = await open(temporary, 'wx');
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temporary, target);
  } catch (error) {
    if (isCode(error, 'EEXIST')) {
      throw (await explainTaken()) ?? new BackupStoreError(target, 'already exists', { cause: error });
    }
    throw new BackupStoreError(target, `cannot write: ${(error as Error).message}`, { cause: error });
  } finally {
    await unlink(temporary).catch(() => {});
  }
}

// A temporary file names the process writing it and that process's host, so a later run can tell a file
// left by a killed writer (SIGKILL, power loss: nothing of it ran to clean up) from one still being written.
const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
const TEMPORARY = /\.(\d+)-([0-9a-f]{8})-[0-9a-f]{12}\.partial$/;

function temporaryPath(final: string): string {
  return `${final}.${process.pid}-${HOST_TAG}-${randomBytes(6).toString('hex')}.partial`;
}

/** True when `file` is a temporary file of a writer on this host that is no longer running. */
function leftByDeadWriter(file: string): boolean {
  const match = TEMPORARY.exec(file);
  if (match === null || match[2] !== HOST_TAG) return false;
  try {
    process.kill(Number(match[1]), 0);
    return false;
  } catch (error) {
    return isCode(error, 'ESRCH');
  }
}

async function statOrUndefined(path: string) {
  try {
    return await stat(path);
  } catch (error) {
    if (isCode(error, 'ENOENT')) return undefined;
    throw error;
  }
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
