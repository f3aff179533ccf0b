// One mngbot per data directory. Two bots writing the same file both drive the same runs and lose
// each other's saves, so the store holds this lock from before it reads the file until it closes.
//
// - proper-lockfile does the locking: mkdir of <dir>/mngbot.lock (atomic, also on NFS), refreshed
//   (mtime) every updateMs; a lock not refreshed for staleMs is taken over, and a holder whose lock
//   was touched or removed by someone else is told (compromised) and must stop writing.
// - Beside it, mngbot.lock-holder.json names the holder (pid, host, start, command line), so that a
//   refused start says who holds the directory.
// - A holder killed with SIGKILL on this host is detected at once: same host and boot, and its pid is
//   gone or now belongs to a process that started at another time (a restarted container is pid 1
//   again). Its lock is then renamed aside (atomic: of two starters only one wins) and taken. The
//   record must name the lock's inode: a record left by the dead holder must not condemn the fresh
//   lock a racing starter has just made, whose own record is not written yet.
// - Within one process a second open of the same directory supersedes the first (a bot restarted in
//   the same process, as the restart tests do): the first is told it lost the lock.
import { readdir, readFile, realpath, rename, rm, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { removeStaleTemps, writeFileAtomic } from './atomic-file.js';
import { DataFileError } from './data-file-error.js';
import { liveness, thisProcess, type ProcessIdentity } from './process-identity.js';

export const LOCK_NAME = 'mngbot.lock';
export const HOLDER_NAME = 'mngbot.lock-holder.json';
const ASIDE_PREFIX = '.mngbot.lock.dead-';

export const DEFAULT_LOCK_STALE_MS = 20_000;
export const DEFAULT_LOCK_UPDATE_MS = 5_000;

export interface HolderRecord extends ProcessIdentity {
  /** When the lock was taken. */
  lockedAt: number;
  /** The lock directory's inode: ties this record to one lock, not to a later one at the same path. */
  lockIno: number;
  staleMs: number;
}

const when = (ms: number) => new Date(ms).toISOString();

/** Another process holds the data directory. */
export class DataDirLockedError extends DataFileError {
  override name = 'DataDirLockedError';
  constructor(
    readonly dir: string,
    readonly holder: HolderRecord | undefined,
    readonly lockAgeMs: number | undefined,
    staleMs: number,
  ) {
    const who = holder
      ? `pid ${holder.pid} on host ${holder.host}, started ${when(holder.startedAt)}, command: ${holder.command}`
      : `a process that has not recorded itself in ${HOLDER_NAME} yet`;
    const fresh = lockAgeMs === undefined ? '' : `; its lock was refreshed ${Math.round(lockAgeMs / 1000)}s ago`;
    super(
      dir,
      `in use by another mngbot (${who})${fresh}`,
      `stop that process first, or give this one another MNG_DATA_DIR; if it died, its lock is taken over once it has not been refreshed for ${Math.round(staleMs / 1000)}s (at once when it ran on this host)`,
    );
  }
}

export interface LockOptions {
  staleMs?: number;
  updateMs?: number;
  /** The lock is gone (compromised, or superseded in this process): stop writing. Called once. */
  onLost: (err: Error) => void;
  log: (message: string) => void;
}

const heldHere = new Map<string, DataDirLock>();

export class DataDirLock {
  private lost = false;
  private released = false;

  private constructor(
    readonly dir: string,
    private readonly unlock: () => Promise<void>,
    private readonly holder: HolderRecord,
    private readonly onLost: (err: Error) => void,
  ) {}

  get lockPath(): string {
    return join(this.dir, LOCK_NAME);
  }

  /** Takes the lock on dir (which must exist), or rejects with a DataDirLockedError naming the holder. */
  static async acquire(dir: string, opts: LockOptions): Promise<DataDirLock> {
    const real = await realpath(dir);
    await heldHere.get(real)?.supersede();
    const lockPath = join(real, LOCK_NAME);
    const staleMs = Math.max(2000, opts.staleMs ?? DEFAULT_LOCK_STALE_MS);
    const updateMs = Math.max(1000, Math.min(opts.updateMs ?? DEFAULT_LOCK_UPDATE_MS, staleMs / 2));
    let lock: DataDirLock | undefined;
    let triedTakeover = false;
    for (;;) {
      try {
        const unlock = await lockfile.lock(real, {
          lockfilePath: lockPath,
          realpath: false,
          stale: staleMs,
          update: updateMs,
          onCompromised: (err) => lock?.loseLock(`${lockPath} was taken or removed by someone else (${err.message})`),
        });
        const self = thisProcess();
        const holder: HolderRecord = { ...self, lockedAt: Date.now(), lockIno: (await stat(lockPath)).ino, staleMs };
        lock = new DataDirLock(real, unlock, holder, opts.onLost);
        break;
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code !== 'ELOCKED') {
          throw new DataFileError(real, `cannot take the lock ${lockPath} (${e.code ?? e.message})`, 'check the directory exists and is writable by mngbot');
        }
        const holder = await readHolder(real);
        const lockStat = await stat(lockPath).catch(() => undefined);
        if (!lockStat) continue; // released meanwhile
        if (!triedTakeover && holder && holder.lockIno === lockStat.ino && liveness(holder) === 'dead') {
          // Once only: after that a lock at this path is someone else's fresh one.
          triedTakeover = true;
          const aside = join(real, `${ASIDE_PREFIX}${process.pid}-${Date.now()}`);
          const moved = await rename(lockPath, aside).then(
            () => true,
            () => false,
          );
          if (moved) opts.log(`${real}: took over the lock of pid ${holder.pid} (host ${holder.host}, started ${when(holder.startedAt)}), which is no longer running`);
          continue;
        }
        throw new DataDirLockedError(real, holder, Date.now() - lockStat.mtimeMs, staleMs);
      }
    }
    heldHere.set(real, lock);
    await removeStaleTemps(join(real, HOLDER_NAME));
    await writeFileAtomic(join(real, HOLDER_NAME), `${JSON.stringify(lock.holder)}\n`);
    // Locks moved aside are removed only now: until the record names the new lock's inode, the old
    // inode must stay in use so that the new lock cannot be given the same number.
    for (const name of await readdir(real)) {
      if (name.startsWith(ASIDE_PREFIX)) await rmdir(join(real, name)).catch(() => {});
    }
    return lock;
  }

  /** Why the lock is no longer held, if it is not. */
  get lostReason(): string | undefined {
    return this.lost ? this.reason : undefined;
  }
  private reason?: string;

  private loseLock(reason: string): void {
    if (this.lost || this.released) return;
    this.lost = true;
    this.reason = reason;
    if (heldHere.get(this.dir) === this) heldHere.delete(this.dir);
    this.onLost(new Error(`lost the lock on ${this.dir}: ${reason}`));
  }

  /** Another store in this process opens the directory: this one stops writing and lets go. */
  private async supersede(): Promise<void> {
    this.loseLock('another store in this process opened the same directory');
    await this.letGo();
  }

  async release(): Promise<void> {
    if (this.released) return;
    if (heldHere.get(this.dir) === this) heldHere.delete(this.dir);
    if (this.lost) {
      this.released = true;
      return;
    }
    await this.letGo();
  }

  private async letGo(): Promise<void> {
    if (this.released) return;
    this.released = true;
    // The record first: once the lock is gone the next holder writes its own, which must survive.
    const recorded = await readHolder(this.dir);
    if (recorded?.pid === this.holder.pid && recorded.lockIno === this.holder.lockIno) {
      await rm(join(this.dir, HOLDER_NAME), { force: true });
    }
    await this.unlock().catch(() => {});
  }
}

async function readHolder(dir: string): Promise<HolderRecord | undefined> {
  try {
    const h = JSON.parse(await readFile(join(dir, HOLDER_NAME), 'utf8')) as HolderRecord;
    return typeof h === 'object' && h !== null && Number.isInteger(h.pid) ? h : undefined;
  } catch {
    return undefined;
  }
}
