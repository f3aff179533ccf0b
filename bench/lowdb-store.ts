// The durable store's cost: raw saves of a 450-node run, the 450-node upgrade on a data directory,
// and a year of daily 450-node upgrades in history: its size on disk, start-up time and memory with
// it (in a fresh process), and a save's cost with and without it.
//
// `node --import tsx bench/lowdb-store.ts --open DIR` opens the store on DIR and prints start-up
// figures as JSON: the parent runs it so that memory is measured in a process that did nothing else.
import { execFileSync } from 'node:child_process';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProgressEvent } from '../src/engine/events.js';
import type { Run } from '../src/engine/run.js';
import { loadScenario } from '../src/sim/scenario.js';
import { simulate } from '../src/app/simulate.js';
import { LowdbRunStore } from '../src/store/lowdb-run-store.js';
import { DEFAULT_EVENT_LIMIT } from '../src/store/memory-run-store.js';
import { event, makeRun, tempDir } from '../test/store/fixtures.js';

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
const DAY_MS = 24 * 3_600_000;
const quiet = { log: () => {} };

async function sizeOf(path: string): Promise<number> {
  const s = await stat(path);
  if (!s.isDirectory()) return s.size;
  let total = 0;
  for (const name of await readdir(path)) total += await sizeOf(join(path, name));
  return total;
}

/** ms per save of a 450-node run with one event, its log full (DEFAULT_EVENT_LIMIT events), on dir's store. */
async function msPerSave(dir: string, now: () => number): Promise<{ ms: number; liveFileKiB: number }> {
  const store = await LowdbRunStore.open({ dataDir: dir, now, ...quiet });
  const run = makeRun('active', { nodes: 450, nodegroup: 'ng-active' });
  await store.create(run);
  await store.save(run, Array.from({ length: DEFAULT_EVENT_LIMIT }, (_, i) => event('active', i)));
  for (let i = 0; i < 200; i++) await store.audit({ at: i, user: 'U1', action: 'approve' });
  const t0 = performance.now();
  for (let i = 0; i < 1000; i++) {
    run.nodes[i % 450].evicted = i;
    await store.save(run, [event('active', i)]);
  }
  const ms = (performance.now() - t0) / 1000;
  const liveFileKiB = (await stat(join(dir, 'mngbot.json'))).size / 1024;
  // Leave history as it was: end the run and let it be archived elsewhere, not here.
  await store.close();
  return { ms, liveFileKiB };
}

/** A year of daily upgrades of the 450-node group, each as the engine leaves it, through the store into history. */
async function writeYear(dir: string, template: Run, events: ProgressEvent[], now: { ms: number }): Promise<{ asOneFileMB: number }> {
  const store = await LowdbRunStore.open({ dataDir: dir, now: () => now.ms, ...quiet });
  let asOneFile = 0;
  for (let day = 0; day < 365; day++) {
    now.ms = Date.UTC(2025, 0, 1) + day * DAY_MS;
    const id = `run-${day}`;
    const shift = now.ms - template.createdAt;
    const run: Run = { ...structuredClone(template), id, rev: 0, createdAt: now.ms, finishedAt: (template.finishedAt ?? template.createdAt) + shift, notify: { channel: 'C1' } };
    const ev = events.map((e) => ({ ...e, runId: id, at: e.at + shift }));
    asOneFile += JSON.stringify(run).length + JSON.stringify(ev).length;
    const status = run.status;
    run.status = 'running';
    await store.create(run);
    run.status = status;
    await store.save(run, ev);
    run.notify = { ...run.notify, finalShown: true };
    await store.save(run);
    await store.audit({ at: now.ms, user: 'U1', action: 'request', runId: id });
    await store.audit({ at: now.ms, user: 'U2', action: 'approve', runId: id });
  }
  await store.close();
  return { asOneFileMB: asOneFile / 2 ** 20 };
}

/** Start-up in a fresh process: how long open() takes and what it adds to memory. */
function startUp(dir: string, nowMs: number): { ms: number; heapMB: number; rssMB: number; runs: number; listMs: number } {
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/lowdb-store.ts', '--open', dir, String(nowMs)], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

async function openOnly(dir: string, nowMs: number): Promise<void> {
  global.gc?.();
  const before = process.memoryUsage();
  const t0 = performance.now();
  const store = await LowdbRunStore.open({ dataDir: dir, now: () => nowMs, ...quiet });
  const ms = performance.now() - t0;
  global.gc?.();
  const after = process.memoryUsage();
  const t1 = performance.now();
  const runs = (await store.list()).length;
  const listMs = performance.now() - t1;
  await store.close();
  process.stdout.write(`${JSON.stringify({ ms, heapMB: (after.heapUsed - before.heapUsed) / 2 ** 20, rssMB: (after.rss - before.rss) / 2 ** 20, runs, listMs })}\n`);
}

export async function benchLowdbStore(): Promise<Record<string, number | string>> {
  const { dir, cleanup } = await tempDir();
  try {
    const empty = join(dir, 'empty');
    const withYear = join(dir, 'year');
    const saveEmpty = await msPerSave(empty, Date.now);

    // The real thing once: the 450-node upgrade on a data directory; its run and events are the template.
    const onDisk = join(dir, 'large-450');
    const durable = await LowdbRunStore.open({ dataDir: onDisk, ...quiet });
    const started = performance.now();
    const result = await simulate({ scenario: await loadScenario('scenarios/large-450.json'), store: durable });
    const wallSeconds = (performance.now() - started) / 1000;
    const template = (await durable.get(result.run.id))!;
    const { events, dropped } = await durable.events(result.run.id);
    await durable.close();

    const clock = { ms: 0 };
    const { asOneFileMB } = await writeYear(withYear, template, events, clock);
    const yearMB = (await sizeOf(withYear)) / 2 ** 20;
    const boot = startUp(withYear, clock.ms);
    const saveYear = await msPerSave(withYear, () => clock.ms);
    await rm(empty, { recursive: true, force: true });

    return {
      runRecordKiB: round(JSON.stringify(template).length / 1024, 0),
      eventsPerRun: events.length + dropped,
      large450OnDataFileStatus: result.report.status,
      large450OnDataFileWallSeconds: round(wallSeconds, 2),
      liveFileKiBWithActiveRun: round(saveEmpty.liveFileKiB, 0),
      msPerSaveHistoryEmpty: round(saveEmpty.ms, 2),
      msPerSaveHistory365Runs: round(saveYear.ms, 2),
      yearOfDaily450RunsOnDiskMB: round(yearMB, 1),
      yearAsVersion1FileMB: round(asOneFileMB, 1),
      startupMsWithYear: round(boot.ms, 0),
      startupHeapMBWithYear: round(boot.heapMB, 1),
      startupRssMBWithYear: round(boot.rssMB, 1),
      listAllRunsMsWithYear: round(boot.listMs, 0),
      runsListed: boot.runs,
    };
  } finally {
    await cleanup();
  }
}

if (process.argv[2] === '--open') await openOnly(process.argv[3], Number(process.argv[4]));
