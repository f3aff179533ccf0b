// Ended runs and the audit log in append-only history files: what moves there and when, what it
// keeps, how reads span both places, crashes between the two writes, retention, and the migration
// of version-1 files. Real files throughout; the store's clock is the only thing replaced.
import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, UserError } from '../../src/engine/errors.js';
import type { Run } from '../../src/engine/run.js';
import { nodeFileOps, type FileOps } from '../../src/store/atomic-file.js';
import { compactRun, type ArchivedRun } from '../../src/store/compact-run.js';
import { DataFileError, LowdbRunStore, type LowdbRunStoreOptions } from '../../src/store/lowdb-run-store.js';
import { event, makeRun, tempDir } from './fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
const opened: LowdbRunStore[] = [];
const DAY = 24 * 3_600_000;
/** The store's clock: 2026-03-15. */
let now = Date.UTC(2026, 2, 15);
const clock = () => now;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  now = Date.UTC(2026, 2, 15);
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
  await cleanup();
});

async function open(opts: LowdbRunStoreOptions = {}): Promise<LowdbRunStore> {
  const s = await LowdbRunStore.open({ dataDir: dir, log: () => {}, now: clock, ...opts });
  opened.push(s);
  return s;
}
const live = async () => JSON.parse(await readFile(join(dir, 'mngbot.json'), 'utf8')) as { runs: Run[]; events: Record<string, unknown>; ended: Record<string, number> };
const historyFiles = async () => (await readdir(join(dir, 'history'))).sort();
async function historyLines(name: string): Promise<any[]> {
  return (await readFile(join(dir, 'history', name), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/** A 10-node run that ended: two nodes failed or were skipped, the rest replaced. */
async function endedRun(store: LowdbRunStore, id: string, opts: { nodegroup?: string; createdAt?: number; events?: number; channel?: boolean } = {}): Promise<Run> {
  const run = makeRun(id, { nodes: 10, nodegroup: opts.nodegroup ?? `ng-${id}`, createdAt: opts.createdAt });
  await store.create(run);
  run.nodes.forEach((n) => (n.state = 'terminated'));
  run.nodes[3].state = 'failed';
  run.nodes[7].state = 'skipped';
  run.newNodes = [{ instanceId: 'i-new', az: 'us-west-2a', state: 'ready', at: { launching: 1, ready: 2 } }];
  run.status = 'succeeded';
  run.phase = 'done';
  run.finishedAt = run.createdAt + 3_600_000;
  if (opts.channel !== false) run.notify = { channel: 'C1', threadTs: '1.0' };
  await store.save(run, Array.from({ length: opts.events ?? 60 }, (_, i) => event(id, i)));
  return run;
}

describe('ended runs move to history', () => {
  it('an ended run stays whole in mngbot.json until its end is shown, then moves to history, compacted', async () => {
    const store = await open();
    const run = await endedRun(store, 'r1');
    expect((await live()).runs.map((r) => r.id)).toEqual(['r1']);
    expect(await store.get('r1')).toEqual(run);

    run.notify = { ...run.notify, finalShown: true };
    await store.save(run);
    expect((await live()).runs).toEqual([]);
    expect((await live()).events).toEqual({});
    const files = await historyFiles();
    expect(files).toEqual(['runs-2026-03.jsonl']);
    const [line] = await historyLines('runs-2026-03.jsonl');
    expect(line.archivedAt).toBe(now);

    const archived = (await store.get('r1')) as ArchivedRun;
    expect(archived.rev).toBe(3);
    expect(archived.notify).toEqual({ channel: 'C1', threadTs: '1.0', finalShown: true });
    expect(archived.outcome).toEqual(run.outcome);
    expect(archived.nodes.map((n) => [n.name, n.state])).toEqual([
      [run.nodes[3].name, 'failed'],
      [run.nodes[7].name, 'skipped'],
    ]);
    expect(archived.nodes[0]).toEqual(run.nodes[3]);
    expect(archived.plan.nodes.map((n) => n.name)).toEqual([run.nodes[3].name, run.nodes[7].name]);
    expect(archived.newNodes).toEqual([]);
    expect(archived.archived).toEqual({
      old: { total: 10, byState: { terminated: 8, failed: 1, skipped: 1 } },
      surplus: { total: 0, byState: {} },
      newNodes: { total: 1, byState: { ready: 1 } },
      planNodes: 10,
      planPods: 170,
    });
    const ev = await store.events('r1');
    expect(ev.events).toHaveLength(50);
    expect(ev.events[49].detail).toBe('event 59');
    expect(ev.dropped).toBe(10);
    expect((await store.events('r1', 5)).dropped).toBe(55);

    // As the next bot finds it.
    await store.close();
    const again = await open();
    expect(await again.get('r1')).toEqual(archived);
    expect((await again.events('r1')).events).toHaveLength(50);
  });

  it('an ended run nobody shows moves after the grace period, at the next write or the next open', async () => {
    const store = await open({ archiveGraceMs: DAY });
    await endedRun(store, 'r1', { channel: false });
    await endedRun(store, 'r2', { channel: false });
    now += DAY - 1;
    await store.audit({ at: now, user: 'U1', action: 'noop' });
    expect((await live()).runs.map((r) => r.id)).toEqual(['r1', 'r2']);
    now += 1;
    await store.putSchedule({ id: 's1', ref: { cluster: 'prod', nodegroup: 'ng-1' }, at: '0 2 * * *', timezone: 'UTC', createdBy: { user: 'U1', at: 1 } });
    expect((await live()).runs).toEqual([]);
    expect((await historyLines('runs-2026-03.jsonl')).map((l) => l.run.id)).toEqual(['r1', 'r2']);

    const other = await open({ archiveGraceMs: DAY }); // supersedes: a fresh bot on the same directory
    const r3 = await endedRun(other, 'r3', { channel: false });
    await other.close();
    now += DAY;
    const later = await open({ archiveGraceMs: DAY });
    expect((await live()).runs).toEqual([]);
    expect(((await later.get('r3')) as ArchivedRun).archived.old.total).toBe(r3.nodes.length);
  });

  it('get, list (newest first, filtered), events and auditLog span mngbot.json and history; ids stay unique', async () => {
    const store = await open();
    for (const [id, day] of [['a', 1], ['b', 3], ['c', 5]] as const) {
      const r = await endedRun(store, id, { createdAt: Date.UTC(2026, 0, day), nodegroup: id === 'c' ? 'ng-x' : 'ng-1' });
      r.notify = { ...r.notify, finalShown: true };
      await store.save(r);
      await store.audit({ at: Date.UTC(2026, 0, day), user: 'U1', action: `approve ${id}` });
    }
    await store.create(makeRun('d', { createdAt: Date.UTC(2026, 0, 4), nodegroup: 'ng-2' }));
    await store.create(makeRun('e', { createdAt: Date.UTC(2026, 0, 2), nodegroup: 'ng-1', status: 'awaiting-approval' }));
    expect((await live()).runs.map((r) => r.id)).toEqual(['d', 'e']);

    expect((await store.list()).map((r) => r.id)).toEqual(['c', 'd', 'b', 'e', 'a']);
    expect((await store.list({ nodegroup: 'ng-1' })).map((r) => r.id)).toEqual(['b', 'e', 'a']);
    expect((await store.list({ statuses: ['succeeded'] })).map((r) => r.id)).toEqual(['c', 'b', 'a']);
    expect((await store.list({ cluster: 'prod', statuses: ['running', 'awaiting-approval'] })).map((r) => r.id)).toEqual(['d', 'e']);
    expect((await store.get('b'))!.status).toBe('succeeded');
    expect(await store.get('zz')).toBeUndefined();
    expect((await store.auditLog()).map((e) => e.action)).toEqual(['approve a', 'approve b', 'approve c']);
    expect((await store.auditLog(1)).map((e) => e.action)).toEqual(['approve c']);
    await expect(store.create(makeRun('a', { nodegroup: 'ng-9' }))).rejects.toBeInstanceOf(ConflictError);
    // Callers get copies, of archived runs too.
    const b = (await store.get('b'))!;
    b.status = 'failed';
    expect((await store.get('b'))!.status).toBe('succeeded');
  });

  it('a later save of an archived run appends a newer version; compare-and-set holds; an ended run stays ended', async () => {
    const store = await open();
    const run = await endedRun(store, 'r1');
    run.notify = { ...run.notify, finalShown: true };
    await store.save(run);
    const archived = (await store.get('r1'))!;
    archived.notify = { ...archived.notify, progressTs: '2.0' };
    await store.save(archived, [event('r1', 100)]);
    expect(archived.rev).toBe(4);
    await expect(store.save({ ...archived, rev: 3 })).rejects.toBeInstanceOf(ConflictError);
    await expect(store.save({ ...archived, status: 'running' })).rejects.toThrow(UserError);
    await expect(store.save({ ...archived, status: 'running' })).rejects.toThrow(/run r1 has ended \(succeeded\); an ended run cannot become running/);
    const lines = await historyLines('runs-2026-03.jsonl');
    expect(lines.map((l) => l.run.rev)).toEqual([3, 4]);
    expect(lines[1].archivedAt).toBe(lines[0].archivedAt);

    await store.close();
    const again = await open();
    const got = (await again.get('r1')) as ArchivedRun;
    expect(got.rev).toBe(4);
    expect(got.notify!.progressTs).toBe('2.0');
    expect(got.archived.old.byState.terminated).toBe(8);
    expect((await again.events('r1')).events.at(-1)!.detail).toBe('event 100');
    expect((await again.list()).map((r) => r.id)).toEqual(['r1']);
  });
});

describe('crashes around history', () => {
  it('the history append is durable but mngbot.json is not rewritten: the run is in both files, history wins, listed once', async () => {
    let failLive = false;
    const fileOps: FileOps = {
      ...nodeFileOps,
      rename: async (from, to) => {
        if (failLive && String(to).endsWith('mngbot.json')) throw Object.assign(new Error('EIO: simulated'), { code: 'EIO' });
        return nodeFileOps.rename(from, to);
      },
    };
    const store = await open({ fileOps });
    const run = await endedRun(store, 'r1');
    failLive = true;
    run.notify = { ...run.notify, finalShown: true };
    await expect(store.save(run)).rejects.toThrow(/simulated/);
    // What the files hold now: the run in mngbot.json (rev 2) and in history (rev 3).
    expect((await live()).runs.map((r) => [r.id, r.rev])).toEqual([['r1', 2]]);
    expect((await historyLines('runs-2026-03.jsonl')).map((l) => [l.run.id, l.run.rev])).toEqual([['r1', 3]]);
    // Memory shows what a restart would.
    expect((await store.get('r1'))!.rev).toBe(3);
    expect((await store.list()).map((r) => r.id)).toEqual(['r1']);

    const again = await open();
    expect((await again.list()).map((r) => [r.id, r.rev])).toEqual([['r1', 3]]);
    expect(((await again.get('r1')) as ArchivedRun).archived).toBeDefined();
    // The next write leaves it in one place only.
    await again.audit({ at: now, user: 'U1', action: 'x' });
    await again.create(makeRun('r2'));
    expect((await live()).runs.map((r) => r.id)).toEqual(['r2']);
  });

  it('a torn last line (a crash during an append) is cut off and kept aside; the run is still in mngbot.json', async () => {
    const store = await open();
    const run = await endedRun(store, 'r1');
    await store.close();
    const historyFile = join(dir, 'history', 'runs-2026-03.jsonl');
    await writeFile(historyFile, `${JSON.stringify({ archivedAt: now, run: compactRun({ ...run, rev: 9 }), events: [], eventsDropped: 0 })}\n`);
    const whole = await readFile(historyFile, 'utf8');
    await appendFile(historyFile, '{"archivedAt":1,"run":{"id":"r1","re');
    const logs: string[] = [];
    const again = await open({ log: (m) => logs.push(m) });
    expect(await readFile(historyFile, 'utf8')).toBe(whole);
    expect(await readFile(`${historyFile}.torn-${Buffer.byteLength(whole)}`, 'utf8')).toBe('{"archivedAt":1,"run":{"id":"r1","re');
    expect(logs.join('\n')).toMatch(/cut off a torn last line \(36 bytes/);
    expect((await again.list()).map((r) => [r.id, r.rev])).toEqual([['r1', 9]]);
  });

  it('an unreadable line in the middle stops start-up, naming the file and line, and leaves it as it was', async () => {
    const store = await open();
    await store.audit({ at: 1, user: 'U1', action: 'a' });
    await store.close();
    const auditFile = join(dir, 'history', 'audit-2026-03.jsonl');
    await appendFile(auditFile, 'oops\n{"at":2,"user":"U1","action":"b"}\n{"at":3,"user":"U1"}\n');
    const before = await readFile(auditFile, 'utf8');
    const err = await open().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataFileError);
    expect((err as Error).message).toMatch(/audit-2026-03\.jsonl: line 2 is not valid JSON .* — fix or move the file; mngbot never overwrites it/);
    expect(await readFile(auditFile, 'utf8')).toBe(before);
    await writeFile(auditFile, before.replace('oops\n', ''));
    // The field at fault, not just the entry's shape.
    await expect(open()).rejects.toThrow(/line 3 is not an mngbot audit entry: action: expected a string/);
  });
});

describe('retention', () => {
  it('drops runs and audit entries older than the retention, from memory and from disk (files go whole)', async () => {
    const logs: string[] = [];
    const opts = { runRetentionDays: 100, auditRetentionDays: 60, log: (m: string) => logs.push(m) };
    const store = await open(); // the default retention, 400 days: nothing expires while writing these
    // One run and one audit entry a month, Jan to Jun 2026.
    for (let m = 0; m < 6; m++) {
      now = Date.UTC(2026, m, 10);
      const r = await endedRun(store, `r${m}`, { createdAt: now });
      r.notify = { ...r.notify, finalShown: true };
      await store.save(r);
      await store.audit({ at: now, user: 'U1', action: `month ${m}` });
    }
    expect(await historyFiles()).toEqual([0, 1, 2, 3, 4, 5].flatMap((m) => [`audit-2026-0${m + 1}.jsonl`, `runs-2026-0${m + 1}.jsonl`]).sort());
    // 2026-06-20: runs archived before 2026-03-12 have expired, and audit files of months that ended before 2026-04-21.
    now = Date.UTC(2026, 5, 20);
    await store.close();
    const again = await open(opts);
    expect((await again.list()).map((r) => r.id)).toEqual(['r5', 'r4', 'r3']);
    expect(await again.get('r2')).toBeUndefined();
    expect((await again.auditLog()).map((e) => e.action)).toEqual(['month 3', 'month 4', 'month 5']);
    expect(await historyFiles()).toEqual(['audit-2026-04.jsonl', 'audit-2026-05.jsonl', 'audit-2026-06.jsonl', 'runs-2026-04.jsonl', 'runs-2026-05.jsonl', 'runs-2026-06.jsonl']);
    expect(logs.join('\n')).toMatch(/runs-2026-01\.jsonl: deleted; everything in it is older than the retention \(100 days\)/);

    // A bot that keeps running prunes too, at most daily, with its writes.
    // 2026-07-25: runs archived before 2026-04-16 and April's audit file (expired 2026-06-30) go.
    now = Date.UTC(2026, 6, 25);
    await again.audit({ at: now, user: 'U1', action: 'july' });
    expect((await again.list()).map((r) => r.id)).toEqual(['r5', 'r4']);
    expect((await again.auditLog()).map((e) => e.action)).toEqual(['month 4', 'month 5', 'july']);
    expect(await historyFiles()).toEqual(['audit-2026-05.jsonl', 'audit-2026-06.jsonl', 'audit-2026-07.jsonl', 'runs-2026-05.jsonl', 'runs-2026-06.jsonl']);
  });

  it('refuses a retention that is not a positive number of days', async () => {
    await expect(open({ runRetentionDays: 0 })).rejects.toThrow(/runRetentionDays must be a positive number of days, not 0/);
  });
});

describe('migration from version 1', () => {
  function v1File() {
    const active = makeRun('active', { nodegroup: 'ng-1' });
    active.rev = 5;
    const shown = { ...makeRun('shown', { nodegroup: 'ng-2', status: 'succeeded' }), rev: 9, finishedAt: now - 3 * DAY, notify: { channel: 'C1', finalShown: true } };
    const recent = { ...makeRun('recent', { nodegroup: 'ng-3', status: 'failed' }), rev: 4, finishedAt: now - 60_000, notify: { channel: 'C1' } };
    const old = { ...makeRun('old', { nodegroup: 'ng-4', status: 'cancelled' }), rev: 2, finishedAt: now - 30 * DAY };
    return {
      schemaVersion: 1,
      runs: [active, shown, recent, old],
      events: { active: { events: [event('active', 1)], dropped: 0 }, shown: { events: [1, 2, 3].map((i) => event('shown', i)), dropped: 7 }, recent: { events: [], dropped: 0 } },
      schedules: [{ id: 's1', ref: { cluster: 'prod', nodegroup: 'ng-1' }, at: '0 2 * * *', timezone: 'UTC', createdBy: { user: 'U1', at: 1 } }],
      audit: [1, 2, 3].map((i) => ({ at: i, user: 'U1', action: `a${i}` })),
    };
  }

  it('moves settled ended runs and the audit log to history, keeps live state, and keeps the original', async () => {
    const doc = v1File();
    const original = JSON.stringify(doc);
    await writeFile(join(dir, 'mngbot.json'), original);
    const logs: string[] = [];
    const store = await open({ log: (m) => logs.push(m) });
    expect(await readFile(join(dir, 'mngbot.json.v1.bak'), 'utf8')).toBe(original);
    expect(logs.join('\n')).toMatch(/migrated from schemaVersion 1 \(v1 → v2: .*\); 2 ended run\(s\) and 3 audit entries moved to history/);
    const file = await live();
    expect(file.runs.map((r) => r.id)).toEqual(['active', 'recent']);
    expect(file.ended).toEqual({ recent: now });
    expect(await historyFiles()).toEqual(['audit-v1.jsonl', 'runs-v1.jsonl']);

    expect(await store.get('active')).toEqual(doc.runs[0]);
    expect(await store.get('recent')).toEqual(doc.runs[2]);
    expect(await store.get('shown')).toEqual(compactRun(doc.runs[1]));
    expect(await store.events('shown')).toEqual({ events: doc.events.shown.events, dropped: 7 });
    expect((await store.list()).map((r) => r.id).sort()).toEqual(['active', 'old', 'recent', 'shown']);
    expect((await store.auditLog()).map((e) => e.action)).toEqual(['a1', 'a2', 'a3']);
    expect((await store.listSchedules()).map((s) => s.id)).toEqual(['s1']);
    await store.audit({ at: 4, user: 'U1', action: 'a4' });
    expect((await store.auditLog()).map((e) => e.action)).toEqual(['a1', 'a2', 'a3', 'a4']);
  });

  it('a migration interrupted before mngbot.json was rewritten is done again, without duplicates', async () => {
    const original = JSON.stringify(v1File());
    await writeFile(join(dir, 'mngbot.json'), original);
    await (await open()).close();
    // As if the bot died after writing history but before mngbot.json: the version-1 file again.
    await writeFile(join(dir, 'mngbot.json'), original);
    const store = await open();
    expect((await store.auditLog()).map((e) => e.action)).toEqual(['a1', 'a2', 'a3']);
    expect((await store.list()).map((r) => r.id).sort()).toEqual(['active', 'old', 'recent', 'shown']);
    expect((await readdir(dir)).filter((n) => n.includes('.bak')).sort()).toEqual(['mngbot.json.v1.bak', 'mngbot.json.v1.bak.1']);
  });
});
