// Once mngbot.json is large, a save appends what changed to mngbot.json.journal: the bytes a save
// writes follow what it changed, not the size of the run, and the files still load as the model after
// a crash at any point.
import { createHash } from 'node:crypto';
import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Run } from '../../src/engine/run.js';
import { nodeFileOps, type FileOps } from '../../src/store/atomic-file.js';
import { DataFileError } from '../../src/store/lowdb-run-store.js';
import type { Schedule } from '../../src/schedule/schedules.js';
import { event, makeRun, storesPerTest } from './fixtures.js';

const stores = storesPerTest({ log: () => {} });
const { open, closeAll } = stores;

/** Bytes the store hands to the file system, by file name. */
function countingOps(written: Map<string, number>, fail?: () => Error | undefined): FileOps {
  const open = (async (...args: Parameters<FileOps['open']>) => {
    const fh = await nodeFileOps.open(...args);
    const name = String(args[0]).split('/').at(-1)!.replace(/^\.(.*)\.\d+\.\d+\.tmp$/, '$1');
    const writeFile = fh.writeFile.bind(fh);
    fh.writeFile = (async (data: string | Uint8Array) => {
      const err = fail?.();
      if (err) throw err;
      written.set(name, (written.get(name) ?? 0) + (typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength));
      return writeFile(data);
    }) as typeof fh.writeFile;
    return fh;
  }) as FileOps['open'];
  return { ...nodeFileOps, open };
}

const schedule = (id: string, nextAt: number): Schedule =>
  ({ id, ref: { cluster: 'prod', nodegroup: 'ng-1' }, cron: '0 2 * * SAT', version: '1.30', createdBy: { user: 'U1', at: 1 }, nextAt }) as unknown as Schedule;

describe('mngbot.json.journal', () => {
  it('a save of one node of a 450-node run writes about that node, not the run', async () => {
    const written = new Map<string, number>();
    const store = await open({ fileOps: countingOps(written), journalFromBytes: 100_000 });
    const run = makeRun('r1', { nodes: 450 });
    await store.create(run);
    const runBytes = JSON.stringify(run).length;
    written.clear();
    for (let i = 0; i < 20; i++) {
      run.nodes[i].evicted = 100 + i;
      await store.save(run, [event('r1', i)]);
    }
    const total = [...written.values()].reduce((a, b) => a + b, 0);
    expect(runBytes).toBeGreaterThan(150_000);
    // Per save: the run's few small fields, one node record and one event, not the run.
    expect(total / 20).toBeLessThan(3_000);
    expect(written.get('mngbot.json') ?? 0).toBe(0);
    expect(await readdir(stores.dir)).toContain('mngbot.json.journal');

    await closeAll();
    const again = await open();
    expect(await again.get('r1')).toEqual(run);
    expect((await again.events('r1')).events.map((e) => e.detail)).toEqual(Array.from({ length: 20 }, (_, i) => `event ${i}`));
    // Folded into mngbot.json on open.
    expect(await readdir(stores.dir)).not.toContain('mngbot.json.journal');
    expect(JSON.parse(await readFile(join(stores.dir, 'mngbot.json'), 'utf8')).runs[0]).toEqual(run);
  });

  it('loads as the model after a crash after any save: runs, events past the limit, schedules, ended runs, archiving', async () => {
    let now = 1_700_000_000_000;
    const opts = { journalFromBytes: 1, eventLimit: 50, archiveGraceMs: 60_000, now: () => now };
    let store = await open(opts);
    const model = new Map<string, Run>();
    const events = new Map<string, string[]>();
    const schedules = new Map<string, Schedule>();
    let seed = 11;
    const rand = (k: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % k;
    let n = 0;
    for (let round = 0; round < 120; round++) {
      now += 1000;
      const op = rand(10);
      const live = [...model.values()].filter((r) => r.status === 'running');
      if (op === 0 || live.length === 0) {
        const run = makeRun(`r${round}`, { nodes: 5 + rand(20), nodegroup: `ng-${round}` });
        run.nodes.forEach((x) => (x.state = 'waiting'));
        await store.create(run);
        model.set(run.id, run);
        events.set(run.id, []);
      } else if (op === 1) {
        const s = schedule(`s${rand(3)}`, now);
        await store.putSchedule(s);
        schedules.set(s.id, s);
      } else {
        const run = live[rand(live.length)];
        const changes = 1 + rand(3);
        // As the engine saves: naming the records it changed, or (now and then) not saying.
        const changed = new Set<object>();
        for (let k = 0; k < changes; k++) {
          const rec = run.nodes[rand(run.nodes.length)];
          rec.evicted += 1;
          rec.at.tainted = now;
          changed.add(rec);
        }
        if (rand(4) === 0) run.newNodes.push({ instanceId: `i-new-${round}`, az: 'us-west-2a', state: 'launching', at: { launching: now } });
        if (rand(15) === 0) {
          run.status = 'succeeded';
          run.notify = { channel: 'C1', finalShown: rand(2) === 0 };
        }
        const batch = Array.from({ length: rand(40) }, () => event(run.id, n++));
        await store.save(run, batch, rand(5) === 0 ? undefined : changed);
        events.get(run.id)!.push(...batch.map((e) => e.detail));
      }
      if (round % 10 === 9) {
        await closeAll();
        store = await open(opts);
        for (const run of model.values()) expect(await store.get(run.id)).toEqual(expect.objectContaining({ id: run.id, rev: run.rev, status: run.status }));
        for (const run of model.values()) {
          const got = (await store.get(run.id))!;
          if (!('archived' in got)) expect(got).toEqual(run);
          const kept = events.get(run.id)!.slice(-50);
          expect((await store.events(run.id)).events.map((e) => e.detail)).toEqual(kept);
        }
        expect((await store.listSchedules()).map((s) => s.id).sort()).toEqual([...schedules.keys()].sort());
      }
    }
  });

  it('a torn last line (the process died while appending) is ignored; every acknowledged save is kept', async () => {
    const store = await open({ journalFromBytes: 1 });
    const run = makeRun('r1', { nodes: 30 });
    await store.create(run);
    for (let i = 0; i < 5; i++) {
      run.nodes[i].evicted = 50 + i;
      await store.save(run, [event('r1', i)]);
    }
    await closeAll();
    const journal = join(stores.dir, 'mngbot.json.journal');
    // close() leaves the journal; a crash would have too. Then half a line, as a kill during an append leaves.
    await appendFile(journal, '{"runs":[{"id":"r1","head":{"id":"r1","rev":9');
    const again = await open({ journalFromBytes: 1 });
    expect(await again.get('r1')).toEqual(run);
    expect((await again.events('r1')).events).toHaveLength(5);
    run.nodes[9].evicted = 7;
    await again.save(run);
    await closeAll();
    expect(await (await open()).get('r1')).toEqual(run);
  });

  it('a journal left by a crash after mngbot.json was rewritten whole (its base is gone) is ignored', async () => {
    const store = await open({ journalFromBytes: 1 });
    const run = makeRun('r1', { nodes: 30 });
    await store.create(run);
    // The journal is written once mngbot.json is larger than it: here, from the second save.
    await store.save(run);
    run.nodes[0].evicted = 1;
    await store.save(run);
    await closeAll();
    const journal = join(stores.dir, 'mngbot.json.journal');
    const stale = await readFile(journal, 'utf8');
    // This time mngbot.json is written whole on every save.
    const again = await open({ journalFromBytes: 10 * 2 ** 20 });
    expect(await readdir(stores.dir)).not.toContain('mngbot.json.journal');
    run.nodes[1].evicted = 2;
    await again.save(run);
    await closeAll();
    // As if the removal after the rewrite never reached the disk: the old journal, on the new file.
    await writeFile(journal, stale);
    expect(await (await open()).get('r1')).toEqual(run);
  });

  it('a failed append rejects the save and leaves memory as the files; the next save writes the file whole', async () => {
    let failing = false;
    const written = new Map<string, number>();
    const store = await open({ journalFromBytes: 1, fileOps: countingOps(written, () => (failing ? Object.assign(new Error('ENOSPC: simulated'), { code: 'ENOSPC' }) : undefined)) });
    const run = makeRun('r1', { nodes: 30 });
    await store.create(run);
    run.nodes[0].evicted = 1;
    await store.save(run);
    failing = true;
    run.nodes[1].evicted = 2;
    await expect(store.save(run)).rejects.toThrow(/ENOSPC/);
    expect((await store.get('r1'))!.nodes[1].evicted).toBe(12);
    failing = false;
    written.clear();
    await store.save(run);
    expect(written.get('mngbot.json')).toBeGreaterThan(0);
    await closeAll();
    expect(await (await open()).get('r1')).toEqual(run);
  });

  it('a journal of version 1 (lists changed as spans of their text), left by an older mngbot, is still applied', async () => {
    await (await open({ journalFromBytes: 1 })).create(makeRun('r1', { nodes: 4 }));
    await closeAll();
    // The run as read back from the file: the text an older mngbot's spans were made on.
    const run = (await (await open()).get('r1'))!;
    await closeAll();
    const base = createHash('sha256').update(await readFile(join(stores.dir, 'mngbot.json'))).digest('hex');
    const before = JSON.stringify(run.nodes);
    run.nodes[2].evicted = 99;
    run.rev = 2;
    const after = JSON.stringify(run.nodes);
    let at = 0;
    while (before[at] === after[at]) at++;
    let tail = 0;
    while (tail < Math.min(before.length, after.length) - at && before.at(-1 - tail) === after.at(-1 - tail)) tail++;
    const { plan, nodes, newNodes, ...head } = run;
    const line = {
      runs: [
        {
          id: 'r1',
          head,
          plan,
          nodes: { at, cut: before.length - at - tail, text: after.slice(at, after.length - tail), length: after.length },
          newNodes: { at: 0, cut: 2, text: JSON.stringify(newNodes), length: JSON.stringify(newNodes).length },
        },
      ],
    };
    await writeFile(join(stores.dir, 'mngbot.json.journal'), `${JSON.stringify({ journal: 1, base })}\n${JSON.stringify(line)}\n`);
    expect(await (await open()).get('r1')).toEqual(run);
  });

  it('a journal that cannot be applied stops start-up and is left as it was', async () => {
    const store = await open({ journalFromBytes: 1 });
    const run = makeRun('r1', { nodes: 3 });
    await store.create(run);
    await store.save(run);
    await store.save(run);
    await closeAll();
    const journal = join(stores.dir, 'mngbot.json.journal');
    const text = await readFile(journal, 'utf8');
    const broken = text.replace(/\n\{/, '\n{oops') + '{"runs":[]}\n';
    await writeFile(journal, broken);
    await expect(open()).rejects.toThrow(DataFileError);
    expect(await readFile(journal, 'utf8')).toBe(broken);
  });
});
