// Crash-safe replacement of a file: write a temporary file beside it, fsync it, rename it over the
// old one, fsync the directory. A crash at any point leaves either the old file or the new one, whole.
//
// Why not lowdb's JSONFile: its writer (steno 4) does writeFile + rename without fsync, so after a
// power loss the rename can be on disk before the data, leaving an empty or partial file.
import * as fsp from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** The file-system calls a write makes; tests replace some to simulate crashes. */
export interface FileOps {
  open: typeof fsp.open;
  rename: typeof fsp.rename;
  rm: typeof fsp.rm;
}

export const nodeFileOps: FileOps = { open: fsp.open, rename: fsp.rename, rm: fsp.rm };

let counter = 0;

/** Temporary files are named .<file>.<pid>.<n>.tmp, so leftovers of a crash can be found and removed. */
export const tempPrefix = (file: string) => `.${basename(file)}.`;

export async function writeFileAtomic(file: string, data: string | Buffer, ops: FileOps = nodeFileOps): Promise<void> {
  const temp = join(dirname(file), `${tempPrefix(file)}${process.pid}.${++counter}.tmp`);
  try {
    const fh = await ops.open(temp, 'w', 0o600);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await ops.rename(temp, file);
  } catch (err) {
    await ops.rm(temp, { force: true }).catch(() => {});
    throw err;
  }
  await syncDir(dirname(file), ops);
}

/** Makes the rename itself durable. Some platforms cannot open a directory for fsync: skip there. */
export async function syncDir(dir: string, ops: FileOps = nodeFileOps): Promise<void> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await ops.open(dir, 'r');
    await fh.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw err;
  } finally {
    await fh?.close();
  }
}

/** Removes temporary files a crashed write left beside file; returns their names. */
export async function removeStaleTemps(file: string): Promise<string[]> {
  const prefix = tempPrefix(file);
  const names = (await fsp.readdir(dirname(file))).filter((n) => n.startsWith(prefix) && n.endsWith('.tmp'));
  await Promise.all(names.map((n) => fsp.rm(join(dirname(file), n), { force: true })));
  return names;
}

/**
 * Appends data to file, durably (and syncs the directory when the file is new): a DurableAppender used
 * once. On failure the file is cut back to its previous length, so that a half-written line (a full
 * disk) is not left behind for the next append to be glued to; if even that fails, the reader's
 * torn-tail repair handles it.
 */
export async function appendFileDurable(file: string, data: string | Buffer, ops: FileOps = nodeFileOps, expectSize?: number): Promise<void> {
  const out = new DurableAppender(file, ops);
  let before: number;
  try {
    before = await out.append(data, expectSize);
  } finally {
    await out.close();
  }
  if (before === 0) await syncDir(dirname(file), ops);
}

/**
 * Appends to one file, each append made durable with fdatasync (the data and the file's length, all
 * that reading it back needs), keeping the file open between appends: a store appends a line a save.
 * `expectSize`, when given, is how long the caller knows the file to be, checked when the file is
 * opened. A failed append cuts the file back to its length before it, and closes it: the next append
 * opens it (and checks it) again.
 */
export class DurableAppender {
  private fh?: fsp.FileHandle;
  /** The file's length, as this appender has seen and made it. */
  private size = 0;

  constructor(
    readonly file: string,
    private readonly ops: FileOps = nodeFileOps,
  ) {}

  /** Returns the file's length before the append. */
  async append(data: string | Buffer, expectSize?: number): Promise<number> {
    if (!this.fh) {
      const fh = await this.ops.open(this.file, 'a', 0o600);
      const size = await fh.stat().then((st) => st.size, async (err: unknown) => {
        await fh.close().catch(() => {});
        throw err;
      });
      // Someone else changed the file (or a failed append could not be cut back): the caller starts over.
      if (expectSize !== undefined && size !== expectSize) {
        await fh.close().catch(() => {});
        throw new Error(`${this.file} is ${size} bytes, not the ${expectSize} written to it`);
      }
      [this.fh, this.size] = [fh, size];
    }
    const before = this.size;
    try {
      await this.fh.writeFile(data);
      await this.fh.datasync();
    } catch (err) {
      await this.fh.truncate(before).catch(() => {});
      await this.close();
      throw err;
    }
    this.size += typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
    return before;
  }

  /** Lets the file go: the next append opens it again (it may have been replaced or removed meanwhile). */
  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    await fh?.close().catch(() => {});
  }
}
