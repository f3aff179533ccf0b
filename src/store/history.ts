// The append-only part of the store: ended runs (compacted) and the audit log, one JSON line per
// record in one file per month (history/runs-2026-12.jsonl, history/audit-2026-12.jsonl). A save
// appends a few lines and fsyncs them, whatever the history holds: its cost does not grow with it.
//
// - In memory: an index of the runs (what list() filters on, and each run's line, parsed on demand)
//   and the audit entries, both within the retention.
// - Changes are made in memory at once and become durable when the store's write loop flushes them;
//   until then each index change keeps what it replaced, so that a failed flush puts memory back to
//   what the files hold.
// - Retention. A run's age counts from when it went to history (the store's clock): older runs are
//   not loaded, and a runs file goes once every run in it is older. The audit log goes by whole
//   files: a month's file once the month's end is older than the retention (so entries are kept
//   between the retention and a month more), the migrated file once its migration is. Entries' own
//   `at` is not used: it is the engine's clock, which in the simulator is not the calendar's.
// - A crash in the middle of an append leaves a torn last line: on load it is cut off (its bytes kept
//   beside the file as <file>.torn-<offset>); any other unreadable line stops start-up, naming it.
// - In memory (MemoryRunStore) there are no files: flushes only mark changes durable, nothing expires.
import { mkdir, readdir, readFile, rename, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditEntry } from '../engine/ports.js';
import type { Run } from '../engine/run.js';
import { appendFileDurable, nodeFileOps, syncDir, writeFileAtomic, type FileOps } from './atomic-file.js';
import { DataFileError } from './data-file-error.js';
import { archiveLineSchema, auditEntrySchema, checked, type ArchiveLine } from './schema.js';

export const HISTORY_DIR = 'history';
const DAY_MS = 24 * 3_600_000;

export interface HistoryOptions {
  /** The store's clock. */
  now: () => number;
  runRetentionMs: number;
  auditRetentionMs: number;
  fileOps: FileOps;
  log: (message: string) => void;
}

/** What list() and get() need of an archived run without parsing it. */
export interface RunEntry {
  id: string;
  rev: number;
  status: Run['status'];
  cluster: string;
  nodegroup: string;
  createdAt: number;
  archivedAt: number;
  /** The ArchiveLine's JSON. */
  line: string;
}

type Kind = 'runs' | 'audit';
const FILE_NAME = /^(runs|audit)-(?:(\d{4})-(\d{2})|v1)\.jsonl$/;

const month = (ms: number) => new Date(ms).toISOString().slice(0, 7);
export const historyFileName = (kind: Kind, ms: number) => `${kind}-${month(ms)}.jsonl`;
/** Where the migration from version 1 puts what it moves out of mngbot.json. */
export const migratedFileName = (kind: Kind) => `${kind}-v1.jsonl`;

function entryOf(line: ArchiveLine, text: string): RunEntry {
  const { run } = line;
  return { id: run.id, rev: run.rev, status: run.status, cluster: run.ref.cluster, nodegroup: run.ref.nodegroup, createdAt: run.createdAt, archivedAt: line.archivedAt, line: text };
}

export class History {
  private readonly runs = new Map<string, RunEntry>();
  private readonly audit: AuditEntry[] = [];
  /** Newest archivedAt per runs file, for deleting files whose runs have all expired. */
  private readonly newest = new Map<string, number>();
  /** The audit files whose entries are in `audit`, in that order, and when each expires. */
  private readonly auditFiles: { name: string; count: number; expiresAt: number }[] = [];
  /** Index changes not yet durable, oldest first: what each replaced. */
  private undo: { id: string; prev?: RunEntry }[] = [];
  private pendingRuns: { line: string; archivedAt: number }[] = [];
  private durableAudit = 0;
  private lastPruneAt = 0;

  private constructor(
    /** Absent in memory. */
    readonly dir: string | undefined,
    private readonly opts: HistoryOptions,
  ) {}

  static inMemory(now: () => number): History {
    return new History(undefined, { now, runRetentionMs: Infinity, auditRetentionMs: Infinity, fileOps: nodeFileOps, log: () => {} });
  }

  static async load(dataDir: string, opts: HistoryOptions): Promise<History> {
    const dir = join(dataDir, HISTORY_DIR);
    const created = await mkdir(dir, { recursive: true });
    if (created) await syncDir(dataDir, opts.fileOps);
    const h = new History(dir, opts);
    const files = (await readdir(dir))
      .map((name) => ({ name, m: FILE_NAME.exec(name) }))
      .filter((f): f is { name: string; m: RegExpExecArray } => f.m !== null)
      // What the migration moved is older than anything appended since; months in order.
      .sort((a, b) => Number(a.m[2] !== undefined) - Number(b.m[2] !== undefined) || a.name.localeCompare(b.name));
    const now = opts.now();
    for (const { name, m } of files) await h.loadFile(name, m[1] as Kind, now);
    h.durableAudit = h.audit.length;
    await h.deleteExpiredFiles(now);
    h.lastPruneAt = now;
    return h;
  }

  private async loadFile(name: string, kind: Kind, now: number): Promise<void> {
    const file = join(this.dir!, name);
    if (kind === 'audit') {
      const expiresAt = (await this.auditFileTime(name)) + this.opts.auditRetentionMs;
      if (expiresAt <= now) {
        await this.deleteFile(name, this.opts.auditRetentionMs);
        return;
      }
      this.auditFiles.push({ name, count: 0, expiresAt });
    }
    let text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new DataFileError(file, `cannot be read (${err.code ?? err.message})`, 'check its permissions, or move it');
    });
    text = await this.repairTornTail(file, text, kind);
    const cutoff = now - this.opts.runRetentionMs;
    let newest = -Infinity;
    let lineNo = 0;
    for (const line of text.split('\n')) {
      lineNo++;
      if (line === '') continue;
      const value = parseLine(line, kind, file, lineNo);
      if (kind === 'runs') {
        const archived = value as ArchiveLine;
        newest = Math.max(newest, archived.archivedAt);
        if (archived.archivedAt < cutoff) continue;
        const have = this.runs.get(archived.run.id);
        if (!have || have.rev <= archived.run.rev) this.runs.set(archived.run.id, entryOf(archived, line));
      } else {
        this.audit.push(value as AuditEntry);
        this.auditFiles[this.auditFiles.length - 1].count++;
      }
    }
    if (kind === 'runs') this.newest.set(name, newest);
  }

  /** A monthly file's time is the end of its month; the migrated file's, its migration (its mtime). */
  private async auditFileTime(name: string): Promise<number> {
    const m = FILE_NAME.exec(name);
    if (m?.[2] !== undefined) return Date.UTC(Number(m[2]), Number(m[3]), 1);
    return (await stat(join(this.dir!, name))).mtimeMs;
  }

  /** A last line without its newline is what a crash during an append leaves. */
  private async repairTornTail(file: string, text: string, kind: Kind): Promise<string> {
    if (text === '' || text.endsWith('\n')) return text;
    const start = text.lastIndexOf('\n') + 1;
    const tail = text.slice(start);
    try {
      parseLine(tail, kind, file, 0);
      // Whole, only its newline missing: complete it, so that the next append starts a line.
      await appendFileDurable(file, '\n', this.opts.fileOps);
      return `${text}\n`;
    } catch {
      const offset = Buffer.byteLength(text.slice(0, start));
      const aside = `${file}.torn-${offset}`;
      await writeFileAtomic(aside, tail, this.opts.fileOps);
      await truncate(file, offset);
      this.opts.log(`${file}: cut off a torn last line (${Buffer.byteLength(tail)} bytes, an append a crash interrupted); its bytes are in ${aside}`);
      return text.slice(0, start);
    }
  }

  // ---- reading

  getRun(id: string): RunEntry | undefined {
    return this.runs.get(id);
  }

  runEntries(): IterableIterator<RunEntry> {
    return this.runs.values();
  }

  /** The last limit entries, oldest first (the store's callers get copies). */
  lastAudit(limit: number): AuditEntry[] {
    return limit <= 0 ? [] : this.audit.slice(-limit);
  }

  // ---- changing (in memory now, durable once flushed)

  putRun(line: ArchiveLine): void {
    const text = JSON.stringify(line);
    this.undo.push({ id: line.run.id, prev: this.runs.get(line.run.id) });
    this.runs.set(line.run.id, entryOf(line, text));
    this.pendingRuns.push({ line: text, archivedAt: line.archivedAt });
  }

  addAudit(entry: AuditEntry): void {
    this.audit.push(entry);
  }

  /** What the next flush writes; what is changed after this goes to the flush after. */
  seal(): HistoryBatch {
    const batch = { runs: this.pendingRuns, audit: this.audit.slice(this.durableAudit + this.sealedAudit), undo: this.pendingRuns.length };
    this.pendingRuns = [];
    this.sealedAudit += batch.audit.length;
    return batch;
  }
  private sealedAudit = 0;

  async writeRuns(batch: HistoryBatch): Promise<void> {
    if (batch.runs.length === 0) return;
    if (this.dir) {
      const name = historyFileName('runs', this.opts.now());
      await appendFileDurable(join(this.dir, name), batch.runs.map((r) => `${r.line}\n`).join(''), this.opts.fileOps);
      this.newest.set(name, Math.max(this.newest.get(name) ?? -Infinity, ...batch.runs.map((r) => r.archivedAt)));
    }
    this.undo.splice(0, batch.undo);
  }

  async writeAudit(batch: HistoryBatch): Promise<void> {
    if (batch.audit.length === 0) return;
    if (this.dir) {
      const name = historyFileName('audit', this.opts.now());
      await appendFileDurable(join(this.dir, name), batch.audit.map((e) => `${JSON.stringify(e)}\n`).join(''), this.opts.fileOps);
      const last = this.auditFiles.at(-1);
      if (last?.name === name) last.count += batch.audit.length;
      else this.auditFiles.push({ name, count: batch.audit.length, expiresAt: (await this.auditFileTime(name)) + this.opts.auditRetentionMs });
    }
    this.durableAudit += batch.audit.length;
    this.sealedAudit -= batch.audit.length;
  }

  /** A flush failed: forget every change not durable, sealed or not. Returns the ids whose entry changed back. */
  rollback(): string[] {
    const ids: string[] = [];
    for (let i = this.undo.length - 1; i >= 0; i--) {
      const { id, prev } = this.undo[i];
      if (prev) this.runs.set(id, prev);
      else this.runs.delete(id);
      ids.push(id);
    }
    this.undo = [];
    this.pendingRuns = [];
    this.audit.length = this.durableAudit;
    this.sealedAudit = 0;
    return ids;
  }

  // ---- retention

  /** At most daily: drops expired records from memory and expired files from disk. Call between flushes. */
  async pruneIfDue(): Promise<void> {
    if (!this.dir) return;
    const now = this.opts.now();
    if (now - this.lastPruneAt < DAY_MS) return;
    this.lastPruneAt = now;
    const runCutoff = now - this.opts.runRetentionMs;
    // A run with a change not yet durable is left to the next pruning, so that a rollback finds it.
    const changing = new Set(this.undo.map((u) => u.id));
    for (const [id, e] of this.runs) if (e.archivedAt < runCutoff && !changing.has(id)) this.runs.delete(id);
    // Appends go to the newest file, so expired audit files are the first ones.
    while (this.auditFiles.length > 0 && this.auditFiles[0].expiresAt <= now) {
      const { name, count } = this.auditFiles.shift()!;
      this.audit.splice(0, count);
      this.durableAudit -= count;
      await this.deleteFile(name, this.opts.auditRetentionMs);
    }
    await this.deleteExpiredFiles(now);
  }

  /** Runs files whose every run is older than the retention. */
  private async deleteExpiredFiles(now: number): Promise<void> {
    const current = historyFileName('runs', now);
    for (const [name, newest] of this.newest) {
      if (name === current || newest >= now - this.opts.runRetentionMs) continue;
      this.newest.delete(name);
      await this.deleteFile(name, this.opts.runRetentionMs);
    }
  }

  private async deleteFile(name: string, retentionMs: number): Promise<void> {
    await rm(join(this.dir!, name), { force: true });
    this.opts.log(`${join(this.dir!, name)}: deleted; everything in it is older than the retention (${Math.round(retentionMs / DAY_MS)} days)`);
  }
}

export interface HistoryBatch {
  runs: { line: string; archivedAt: number }[];
  audit: AuditEntry[];
  undo: number;
}

function parseLine(line: string, kind: Kind, file: string, lineNo: number): ArchiveLine | AuditEntry {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new DataFileError(file, `line ${lineNo} is not valid JSON (${(err as Error).message})`);
  }
  try {
    return kind === 'runs' ? checked(archiveLineSchema, value, 'line') : checked(auditEntrySchema, value, 'entry');
  } catch (err) {
    throw new DataFileError(file, `line ${lineNo} is not an mngbot ${kind === 'runs' ? 'archived run' : 'audit entry'}: ${(err as Error).message}`);
  }
}

/**
 * Writes what the migration from version 1 moves out of mngbot.json, before History.load reads it.
 * Whole files, not appends: a migration repeated after a crash writes the same files again rather
 * than a second copy of each record. A different file of that name (a restored version-1 file
 * migrated again) is moved aside, not overwritten.
 */
export async function writeMigratedHistory(dataDir: string, moved: { archive: ArchiveLine[]; audit: AuditEntry[] }, ops: FileOps, log: (m: string) => void): Promise<void> {
  const dir = join(dataDir, HISTORY_DIR);
  if (await mkdir(dir, { recursive: true })) await syncDir(dataDir, ops);
  for (const [kind, records] of [
    ['runs', moved.archive],
    ['audit', moved.audit],
  ] as const) {
    if (records.length === 0) continue;
    const file = join(dir, migratedFileName(kind));
    const text = records.map((r) => `${JSON.stringify(r)}\n`).join('');
    const existing = await readFile(file, 'utf8').catch(() => undefined);
    if (existing !== undefined && existing !== text) {
      const aside = await freeName(`${file}.previous`);
      await rename(file, aside);
      log(`${file}: an earlier migration's file differs; moved to ${aside}`);
    }
    await writeFileAtomic(file, text, ops);
  }
}

export async function freeName(name: string): Promise<string> {
  const exists = (n: string) => stat(n).then(() => true, () => false);
  if (!(await exists(name))) return name;
  for (let n = 1; ; n++) if (!(await exists(`${name}.${n}`))) return `${name}.${n}`;
}
