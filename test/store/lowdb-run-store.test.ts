import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConflictError, UserError } from '../../src/engine/errors.js';
import type { AuditEntry, RunStore } from '../../src/engine/ports.js';
import { nodeFileOps, type FileOps } from '../../src/store/atomic-file.js';
import { DataFileError, LowdbRunStore, type StoreHealth } from '../../src/store/lowdb-run-store.js';
import { compactRun } from '../../src/store/compact-run.js';
import { MemoryRunStore } from '../../src/store/memory-run-store.js';
import type { Schedule } from '../../src/schedule/schedules.js';
import { event, makeRun, storesPerTest } from './fixtures.js';

const quiet = { log: () => {} };
const stores = storesPerTest(quiet);
const { open } = stores;

const file = () => join(stores.dir, 'mngbot.json');
/** The audit log as its files hold it, in order. */
async function auditOnDisk(): Promise<AuditEntry[]> {
  const names = (await readdir(join(stores.dir, 'history'))).filter((n) => n.startsWith('audit-')).sort();
  const text = (await Promise.all(names.map((n) => readFile(join(stores.dir, 'history', n), 'utf8')))).join('');
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditEntry);
}

// The port's semantics, checked against the in-memory store and ours alike.
type HealthyRunStore = RunStore & { health(): StoreHealth };
describe.each([
  ['MemoryRunStore', async (eventLimit?: number): Promise<HealthyRunStore> => new MemoryRunStore(eventLimit)],
  ['LowdbRunStore', async (eventLimit?: number): Promise<HealthyRunStore> => open({ eventLimit })],
])('%s (RunStore semantics)', (_name, make) => {
  it('is healthy while its writes succeed', async () => {
    const store = await make();
    await store.create(makeRun('r1'));
    expect(store.health()).toEqual({ ok: true });
  });

  it('round-trips runs; get returns a copy; list filters, newest first', async () => {
    const store = await make();
    const a = makeRun('a', { createdAt: 1, nodegroup: 'ng-a' });
    const b = makeRun('b', { createdAt: 2, nodegroup: 'ng-b', status: 'succeeded' });
    await store.create(a);
    await store.create(b);
    expect(a.rev).toBe(1);
    const got = (await store.get('a'))!;
    expect(got).toEqual(a);
    got.status = 'failed';
    got.nodes[0].state = 'failed';
    expect((await store.get('a'))!.status).toBe('running');
    expect((await store.get('a'))!.nodes[0].state).toBe('waiting');
    a.phase = 'done'; // the caller's object is not the stored one either
    expect((await store.get('a'))!.phase).toBe('replace');
    expect((await store.list()).map((r) => r.id)).toEqual(['b', 'a']);
    expect((await store.list({ statuses: ['succeeded'] })).map((r) => r.id)).toEqual(['b']);
    expect((await store.list({ nodegroup: 'ng-a' })).map((r) => r.id)).toEqual(['a']);
    expect(await store.get('nope')).toBeUndefined();
  });

  it('compare-and-set: a stale save is a ConflictError', async () => {
    const store = await make();
    const run = makeRun('r1');
    await store.create(run);
    const x = (await store.get('r1'))!;
    x.phase = 'scale-back';
    await store.save(x);
    expect(x.rev).toBe(2);
    const stored = (await store.get('r1'))!;
    expect(stored.rev).toBe(2);
    expect(stored.phase).toBe('scale-back');
    await expect(store.save(run)).rejects.toBeInstanceOf(ConflictError);
    await expect(store.create(makeRun('r1', { nodegroup: 'other' }))).rejects.toBeInstanceOf(ConflictError);
    await expect(store.save(makeRun('ghost'))).rejects.toBeInstanceOf(UserError);
  });

  it('compare-and-set: of two concurrent saves exactly one wins', async () => {
    const store = await make();
    await store.create(makeRun('r1'));
    const x = (await store.get('r1'))!;
    const y = (await store.get('r1'))!;
    x.phase = 'scale-back';
    y.phase = 'finish';
    const results = await Promise.allSettled([store.save(x), store.save(y)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(ConflictError);
    expect((await store.get('r1'))!.phase).toBe('scale-back');
  });

  it('one active run per node group', async () => {
    const store = await make();
    await store.create(makeRun('r1'));
    await expect(store.create(makeRun('r2'))).rejects.toThrow(/prod\/ng-1 already has an upgrade running: run r1/);
    await store.create(makeRun('r3', { status: 'awaiting-approval' }));
    await store.create(makeRun('r4', { nodegroup: 'ng-2' }));
    const r3 = (await store.get('r3'))!;
    r3.status = 'running';
    await expect(store.save(r3)).rejects.toBeInstanceOf(UserError);
    const r1 = (await store.get('r1'))!;
    r1.status = 'succeeded';
    await store.save(r1);
    await store.save(r3);
    expect((await store.get('r3'))!.status).toBe('running');
  });

  it('appends events with the save, bounded per run, oldest dropped first and counted', async () => {
    const store = await make(5);
    const r1 = makeRun('r1');
    const r2 = makeRun('r2', { nodegroup: 'ng-2' });
    await store.create(r1);
    await store.create(r2);
    await store.save(r1, [event('r1', 1), event('r1', 2), event('r1', 3)]);
    await store.save(r1, [4, 5, 6, 7, 8].map((i) => event('r1', i)));
    await store.save(r1);
    await store.save(r2, [event('r2', 1)]);
    const all = await store.events('r1');
    expect(all.events.map((e) => e.detail)).toEqual(['event 4', 'event 5', 'event 6', 'event 7', 'event 8']);
    expect(all.dropped).toBe(3);
    const last = await store.events('r1', 2);
    expect(last.events.map((e) => e.detail)).toEqual(['event 7', 'event 8']);
    expect(last.dropped).toBe(6);
    expect(await store.events('none')).toEqual({ events: [], dropped: 0 });
    expect((await store.events('r2')).events).toHaveLength(1);
    // A save that loses its compare-and-set appends nothing.
    const stale = { ...r2, rev: 1 };
    await expect(store.save(stale, [event('r2', 2)])).rejects.toBeInstanceOf(ConflictError);
    expect((await store.events('r2')).events).toHaveLength(1);
  });

  it('appends to the audit log', async () => {
    const store = await make();
    for (let i = 0; i < 60; i++) await store.audit({ at: i, user: 'U1', action: i % 2 ? 'approve' : 'request', runId: `r${i}` });
    const log = await store.auditLog();
    expect(log).toHaveLength(50);
    expect(log[0].at).toBe(10);
    expect(log[49].at).toBe(59);
    expect((await store.auditLog(3)).map((e) => e.at)).toEqual([57, 58, 59]);
  });
});

const schedule = (id: string, nextAt?: number): Schedule => ({
  id,
  ref: { cluster: 'prod', nodegroup: 'ng-1' },
  at: '0 2 * * SAT',
  timezone: 'Europe/Berlin',
  createdBy: { user: 'U1', at: 1 },
  ...(nextAt === undefined ? {} : { nextAt }),
});

describe('MemoryRunStore', () => {
  it('is the one store over lowdb\'s Memory adapter, and keeps an ended run whole once its end is shown', async () => {
    const store = new MemoryRunStore();
    expect(store).toBeInstanceOf(LowdbRunStore);
    const run = makeRun('r1');
    await store.create(run);
    run.status = 'succeeded';
    run.notify = { finalShown: true };
    await store.save(run);
    await store.save(run);
    // A data directory would have compacted it into history by now; memory has no file to keep small.
    expect(await store.get('r1')).toEqual(run);
  });
});

describe('LowdbRunStore file', () => {
  it('creates data stores.dir and file on first open, and reopening after close sees everything', async () => {
    const nested = join(stores.dir, 'a', 'b');
    const store = await LowdbRunStore.open({ dataDir: nested, ...quiet });
    expect(store.file).toBe(join(nested, 'mngbot.json'));
    expect(JSON.parse(await readFile(store.file, 'utf8'))).toEqual({ schemaVersion: 2, runs: [], events: {}, schedules: [], ended: {} });
    const run = makeRun('r1', { nodes: 5 });
    await store.create(run);
    run.phase = 'scale-back';
    await store.save(run, [event('r1', 1), event('r1', 2)]);
    await store.audit({ at: 5, user: 'U1', action: 'approve', runId: 'r1', channel: 'C1' });
    await store.putSchedule(schedule('s1', 100));
    // Not awaited: close() waits for it.
    void store.audit({ at: 6, user: 'U2', action: 'cancel' });
    await store.close();
    await expect(store.get('r1')).rejects.toThrow(/closed/);

    const again = await LowdbRunStore.open({ dataDir: nested, ...quiet });
    stores.track(again);
    expect(await again.get('r1')).toEqual(run);
    expect((await again.get('r1'))!.rev).toBe(2);
    expect((await again.events('r1')).events.map((e) => e.detail)).toEqual(['event 1', 'event 2']);
    expect((await again.auditLog()).map((e) => e.action)).toEqual(['approve', 'cancel']);
    expect(await again.listSchedules()).toEqual([schedule('s1', 100)]);
  });

  it('keeps schedules: put creates or replaces, list sorts by next time and filters by group, delete removes', async () => {
    const store = await open();
    await store.putSchedule(schedule('s1', 300));
    await store.putSchedule(schedule('s2'));
    await store.putSchedule({ ...schedule('s3', 100), ref: { cluster: 'prod', nodegroup: 'ng-2' } });
    await store.putSchedule(schedule('s1', 200));
    expect((await store.listSchedules()).map((s) => [s.id, s.nextAt])).toEqual([['s3', 100], ['s1', 200], ['s2', undefined]]);
    expect((await store.listSchedules({ ref: { cluster: 'prod', nodegroup: 'ng-2' } })).map((s) => s.id)).toEqual(['s3']);
    expect((await store.getSchedule('s1'))!.nextAt).toBe(200);
    expect(await store.deleteSchedule('s1')).toBe(true);
    expect(await store.deleteSchedule('s1')).toBe(false);
    await store.close();
    const again = await open();
    expect((await again.listSchedules()).map((s) => s.id)).toEqual(['s3', 's2']);
  });

  it('writes one record per line, valid JSON', async () => {
    const store = await open();
    const r1 = makeRun('r1');
    await store.create(r1);
    await store.create(makeRun('r2', { nodegroup: 'ng-2' }));
    await store.save(r1, [event('r1', 1), event('r1', 2)]);
    const text = await readFile(file(), 'utf8');
    expect(text.split('\n').filter((l) => l.startsWith('{"id":"r')).length).toBe(2);
    expect(JSON.parse(text).events.r1.events).toHaveLength(2);
  });

  it('the file always equals the model, through many appends that drop events (block cache)', async () => {
    const store = await open({ eventLimit: 700 });
    const run = makeRun('r1');
    await store.create(run);
    const model: string[] = [];
    let n = 0;
    let seed = 7;
    const rand = (k: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % k;
    for (let round = 0; round < 80; round++) {
      const batch = Array.from({ length: 1 + rand(60) }, () => event('r1', n++));
      model.push(...batch.map((e) => e.detail));
      await store.save(run, batch);
      await store.audit({ at: round, user: 'U', action: `a${round}` });
      if (round % 9 === 0 || round === 79) {
        const onDisk = JSON.parse(await readFile(file(), 'utf8'));
        const kept = model.slice(-700);
        expect(onDisk.events.r1.events.map((e: { detail: string }) => e.detail)).toEqual(kept);
        expect(onDisk.events.r1.dropped).toBe(model.length - kept.length);
        expect((await auditOnDisk()).map((a) => a.action)).toEqual(Array.from({ length: round + 1 }, (_, i) => `a${i}`));
        expect(onDisk.runs[0].rev).toBe(run.rev);
      }
    }
    expect(model.length).toBeGreaterThan(1400);
  });

  it('serialises writes (never two at once) and commits concurrent changes together', async () => {
    let active = 0;
    let maxActive = 0;
    let writes = 0;
    const fileOps: FileOps = {
      ...nodeFileOps,
      open: (async (path: string, flags?: string, mode?: number) => {
        const fh = await nodeFileOps.open(path, flags, mode);
        if (flags !== 'w') return fh;
        active++;
        writes++;
        maxActive = Math.max(maxActive, active);
        await new Promise((r) => setTimeout(r, 2));
        return fh;
      }) as FileOps['open'],
      rename: async (from, to) => {
        await nodeFileOps.rename(from, to);
        active--;
      },
    };
    const store = await open({ fileOps });
    writes = 0;
    const ops: Promise<void>[] = [];
    for (let i = 0; i < 40; i++) {
      const run = makeRun(`r${i}`, { nodegroup: `ng-${i}` });
      ops.push(store.create(run));
      ops.push(store.save(run, [event(`r${i}`, i)]));
      ops.push(store.audit({ at: i, user: 'U', action: 'request' }));
    }
    await Promise.all(ops);
    expect(maxActive).toBe(1);
    expect(writes).toBeLessThan(10);
    const onDisk = JSON.parse(await readFile(file(), 'utf8'));
    expect(onDisk.runs).toHaveLength(40);
    expect(await auditOnDisk()).toHaveLength(40);
    expect(Object.keys(onDisk.events)).toHaveLength(40);
  });
});

describe('LowdbRunStore crash safety', () => {
  it('a write that fails leaves the previous file whole; the store serves it, and carries on once writing works', async () => {
    let crash = false;
    const fileOps: FileOps = {
      ...nodeFileOps,
      rename: async (from, to) => {
        if (crash) throw Object.assign(new Error('EIO: simulated crash'), { code: 'EIO' });
        return nodeFileOps.rename(from, to);
      },
    };
    const store = await open({ fileOps });
    const run = makeRun('r1');
    await store.create(run);
    const before = await readFile(file());
    crash = true;
    run.phase = 'finish';
    await expect(store.save(run)).rejects.toThrow(/simulated crash/);
    expect(await readFile(file())).toEqual(before);
    expect((await readdir(stores.dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(store.health()).toMatchObject({ ok: false, problem: expect.stringMatching(/mngbot\.json: a write failed \(EIO: EIO: simulated crash\)/) });
    const stored = (await store.get('r1'))!;
    expect([stored.rev, stored.phase]).toEqual([1, 'replace']);

    crash = false;
    await store.save(run);
    expect(store.health()).toEqual({ ok: true });
    const again = await open();
    expect((await again.get('r1'))!.phase).toBe('finish');
  });

  it('a failed write rejects every call in it and queued behind it, puts memory back to the file, and gives revisions back', async () => {
    let failing: Promise<void> | undefined;
    let release!: () => void;
    let held!: () => void;
    const reached = new Promise<void>((r) => (held = r));
    const fileOps: FileOps = {
      ...nodeFileOps,
      open: (async (path: string, flags?: string, mode?: number) => {
        if (flags === 'w' && failing) {
          held();
          await failing;
          throw Object.assign(new Error('EIO: simulated I/O error'), { code: 'EIO' });
        }
        return nodeFileOps.open(path, flags, mode);
      }) as FileOps['open'],
    };
    const store = await open({ fileOps });
    const r1 = makeRun('r1');
    await store.create(r1);
    await store.audit({ at: 1, user: 'U1', action: 'a0' });

    failing = new Promise((r) => (release = r));
    r1.phase = 'finish';
    const inFlight = store.save(r1, [event('r1', 1)]);
    await reached; // the write is under way, held at its open: what follows queues behind it
    const queued = [store.create(makeRun('r2', { nodegroup: 'ng-2' })), store.audit({ at: 2, user: 'U1', action: 'a1' }), store.save(r1)];
    expect(r1.rev).toBe(3);
    // Until the write ends, callers see each other's changes.
    expect((await store.get('r2'))?.id).toBe('r2');
    release();
    for (const p of [inFlight, ...queued]) await expect(p).rejects.toThrow(/simulated I\/O error/);
    expect(r1.rev).toBe(1);
    expect((await store.get('r1'))!.phase).toBe('replace');
    expect(await store.get('r2')).toBeUndefined();
    expect(await store.events('r1')).toEqual({ events: [], dropped: 0 });
    expect((await store.auditLog()).map((e) => e.action)).toEqual(['a0']);
    expect(store.health()).toMatchObject({ ok: false, problem: expect.stringMatching(/a write failed \(EIO/) });

    // Writing works again: the store's probe notices without any call.
    failing = undefined;
    while (!store.health().ok) await new Promise((r) => setTimeout(r, 20));
    await store.save(r1);
    expect(r1.rev).toBe(2);
    const again = await open();
    expect((await again.get('r1'))!.phase).toBe('finish');
    expect((await again.auditLog()).map((e) => e.action)).toEqual(['a0']);
  });

  it('in one write, an audit entry already appended stands while the save that failed with it is rejected', async () => {
    let failRename = false;
    const fileOps: FileOps = {
      ...nodeFileOps,
      rename: async (from, to) => {
        if (failRename) throw Object.assign(new Error('EIO: simulated'), { code: 'EIO' });
        return nodeFileOps.rename(from, to);
      },
    };
    const store = await open({ fileOps });
    const r1 = makeRun('r1');
    await store.create(r1);
    failRename = true;
    r1.phase = 'finish';
    const [saved, audited] = await Promise.allSettled([store.save(r1), store.audit({ at: 1, user: 'U1', action: 'finish' })]);
    expect(saved.status).toBe('rejected');
    expect(audited.status).toBe('fulfilled');
    expect((await store.auditLog()).map((e) => e.action)).toEqual(['finish']);
    expect((await store.get('r1'))!.phase).toBe('replace');
  });

  it('a crash while writing the temporary file leaves the previous file whole; leftovers are removed on open', async () => {
    const fileOps: FileOps = {
      ...nodeFileOps,
      open: (async (path: string, flags?: string, mode?: number) => {
        const fh = await nodeFileOps.open(path, flags, mode);
        if (flags !== 'w') return fh;
        // Half the data reaches the temporary file, then the process "dies".
        return Object.assign(Object.create(fh), {
          writeFile: async (data: string | Buffer) => {
            await fh.writeFile(data.slice(0, data.length / 2));
            throw new Error('killed');
          },
          sync: () => fh.sync(),
          close: () => fh.close(),
        });
      }) as FileOps['open'],
      // A killed process removes nothing.
      rm: async () => {},
    };
    const first = await open();
    await first.create(makeRun('r1'));
    await first.close();
    const before = await readFile(file());

    const store = await open({ fileOps });
    await expect(store.create(makeRun('r2', { nodegroup: 'ng-2' }))).rejects.toThrow(/killed/);
    expect(await readFile(file())).toEqual(before);
    const leftovers = (await readdir(stores.dir)).filter((n) => n.endsWith('.tmp'));
    expect(leftovers).toHaveLength(1);

    const logs: string[] = [];
    const again = await open({ log: (m) => logs.push(m) });
    expect((await readdir(stores.dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(logs.join('\n')).toMatch(/removed 1 temporary file/);
    expect((await again.list()).map((r) => r.id)).toEqual(['r1']);
  });
});

describe('LowdbRunStore refuses a file it cannot trust, and leaves it as it was', () => {
  async function refuses(content: string | Buffer, pattern: RegExp): Promise<DataFileError> {
    await writeFile(file(), content);
    const before = await readFile(file());
    const listing = (await readdir(stores.dir)).sort();
    const err = await LowdbRunStore.open({ dataDir: stores.dir, ...quiet }).then(
      () => {
        throw new Error('opened');
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataFileError);
    const message = (err as Error).message;
    expect(message).toContain(file());
    expect(message).toMatch(pattern);
    expect(message).toMatch(/mngbot never overwrites it/);
    expect(await readFile(file())).toEqual(before);
    expect((await readdir(stores.dir)).sort()).toEqual(listing);
    return err as DataFileError;
  }

  it('truncated', async () => {
    const store = await open();
    await store.create(makeRun('r1', { nodes: 20 }));
    await store.close();
    const whole = await readFile(file(), 'utf8');
    const err = await refuses(whole.slice(0, 1234), /not valid JSON at position \d+ \(line \d+, column \d+\) of 1234 characters \(truncated\?\)/);
    expect(err.file).toBe(file());
  });

  it('not JSON at all', () => refuses('hello: world\n', /not valid JSON at position 0 \(line 1, column 1\) of 13 characters: Unexpected token/));
  it('not JSON, longer', () => refuses(`{"schemaVersion":1,\n${'x'.repeat(100)}`, /not valid JSON at position 20 \(line 2, column 1\) of 120 characters: /));
  it('garbage in the middle', () => refuses(`{"schemaVersion":1,\n"runs":[}, "audit":[]}${' '.repeat(80)}`, /not valid JSON at position 28 \(line 2, column 9\) of \d+ characters: /));
  it('empty', () => refuses('', /is empty \(0 bytes\)/));
  it('a JSON list', () => refuses('[1,2,3]', /not an mngbot data file \(no schemaVersion/));
  it('someone else’s JSON', () => refuses('{"name":"my-app","version":"1.0.0"}', /not an mngbot data file \(no schemaVersion/));
  it('runs of the wrong type', () =>
    refuses('{"schemaVersion":2,"runs":{},"events":{},"schedules":[],"ended":{}}', /not an mngbot data file: runs: expected a list/));
  it('runs of the wrong type, in a version-1 file', () =>
    refuses('{"schemaVersion":1,"runs":{},"events":{},"schedules":[],"audit":[]}', /not an mngbot data file: migrating from schemaVersion 1: runs: expected a list/));
  it('ended of the wrong type', () =>
    refuses('{"schemaVersion":2,"runs":[],"events":{},"schedules":[],"ended":[]}', /ended: expected an object of run id → time/));
  it('a run without an id', () =>
    refuses('{"schemaVersion":1,"runs":[{"rev":1}],"events":{},"schedules":[],"audit":[]}', /runs\[0\]\.id: expected a string/));
  it('a run whose nodes are null (every step would throw on it)', () =>
    refuses(JSON.stringify({ schemaVersion: 2, runs: [{ ...makeRun('r1'), nodes: null }], events: {}, schedules: [], ended: {} }), /not an mngbot data file: runs\[0\]\.nodes: expected a list/));
  it('a schedule without a time zone', () =>
    refuses(
      JSON.stringify({ schemaVersion: 2, runs: [], events: {}, schedules: [{ id: 's-1', ref: { cluster: 'c', nodegroup: 'n' }, at: '0 2 * * *', createdBy: { user: 'U1', at: 1 } }], ended: {} }),
      /not an mngbot data file: schedules\[0\]\.timezone: expected a time zone/,
    ));
  it('an event log of the run "__proto__" that is not one', () =>
    refuses('{"schemaVersion":2,"runs":[],"events":{"__proto__":{"events":"oops","dropped":0}},"schedules":[],"ended":{}}', /events\.__proto__\.events: expected a list/));
  it('missing audit', () => refuses('{"schemaVersion":1,"runs":[],"events":{},"schedules":[]}', /audit: expected a list/));
  it('schemaVersion not a number', () => refuses('{"schemaVersion":"1","runs":[]}', /schemaVersion "1"/));
  it('a newer schemaVersion', () =>
    refuses('{"schemaVersion":3,"runs":[],"events":{},"schedules":[],"ended":{}}', /schemaVersion 3 is newer than this mngbot understands \(2\)/));

  it('cannot be read', async () => {
    await mkdir(file());
    await expect(LowdbRunStore.open({ dataDir: stores.dir, ...quiet })).rejects.toThrow(
      new RegExp(`${file().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot be read \\(EISDIR\\)`),
    );
    expect((await stat(file())).isDirectory()).toBe(true);
  });
});

describe('LowdbRunStore migrations', () => {
  it('upgrades a v0 file (bare, unbounded event lists; no schedules) through v1, and keeps the original beside it', async () => {
    const run = makeRun('r1', { status: 'succeeded' });
    run.rev = 7;
    const v0 = {
      schemaVersion: 0,
      runs: [run],
      events: { r1: [1, 2, 3, 4, 5, 6, 7].map((i) => event('r1', i)) },
      audit: [{ at: 1, user: 'U1', action: 'approve', runId: 'r1' }],
    };
    const original = JSON.stringify(v0, null, 2);
    await writeFile(file(), original);
    const logs: string[] = [];
    const store = await open({ eventLimit: 5, log: (m) => logs.push(m) });
    // Ended long ago: it went to history, compacted.
    expect(await store.get('r1')).toEqual(compactRun(run));
    const ev = await store.events('r1');
    expect(ev.events.map((e) => e.detail)).toEqual(['event 3', 'event 4', 'event 5', 'event 6', 'event 7']);
    expect(ev.dropped).toBe(2);
    expect(await store.listSchedules()).toEqual([]);
    expect(await store.auditLog()).toHaveLength(1);
    const now = JSON.parse(await readFile(file(), 'utf8'));
    expect(now.schemaVersion).toBe(2);
    expect(now.schedules).toEqual([]);
    expect(now.runs).toEqual([]);
    expect(await readFile(`${file()}.v0.bak`, 'utf8')).toBe(original);
    expect(logs.join('\n')).toMatch(/migrated from schemaVersion 0 .*v1 → v2.*1 ended run\(s\) and 1 audit entries moved to history; the original is in .*mngbot\.json\.v0\.bak/);
    // Saving works against the migrated revision.
    const r = (await store.get('r1'))!;
    r.phase = 'done';
    await store.save(r);
    expect((await store.get('r1'))!.rev).toBe(8);
  });

  it('refuses a v0 file whose events are not lists, untouched', async () => {
    const content = '{"schemaVersion":0,"runs":[],"events":{"r1":"oops"}}';
    await writeFile(file(), content);
    await expect(LowdbRunStore.open({ dataDir: stores.dir, ...quiet })).rejects.toThrow(
      /migrating from schemaVersion 0: events\["r1"\]: expected a list — fix or move the file/,
    );
    expect(await readFile(file(), 'utf8')).toBe(content);
    expect(await readdir(stores.dir)).toEqual(['mngbot.json']);
  });
});

describe('LowdbRunStore odd ids', () => {
  it('keeps the events of a run whose id is "__proto__" as data', async () => {
    const store = await open();
    const run = makeRun('__proto__');
    await store.create(run);
    await store.save(run, [event('__proto__', 1)]);
    await store.close();
    const again = await open();
    expect((await again.events('__proto__')).events).toHaveLength(1);
    expect((await again.events('other')).events).toHaveLength(0);
  });
});
