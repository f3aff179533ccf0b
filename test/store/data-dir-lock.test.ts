// One bot per data directory, with real processes: a second is refused and told who holds it; a
// holder killed with SIGKILL is replaced at once on the same host, by staleness elsewhere; a store
// whose lock is taken away stops writing.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readdir, readFile, rmdir, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirLockedError, DataDirLockLostError, LowdbRunStore } from '../../src/store/lowdb-run-store.js';
import { bootId, startTicks } from '../../src/store/process-identity.js';
import { makeRun, tempDir } from './fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
const children: ChildProcess[] = [];
const opened: LowdbRunStore[] = [];

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(opened.splice(0).map((s) => s.close()));
  await cleanup();
});

const quiet = { log: () => {} };
/** Longer than any test may run: a takeover that happens can only be the same-host one, not staleness. */
const NEVER_STALE_MS = 3_600_000;

type Report = { ready: true; pid: number; rev: number; logs: string[] } | { error: { name: string; message: string } };

/** Starts a store in a child process; resolves with its first line of output. */
function storeProcess(dataDir: string, staleMs = NEVER_STALE_MS): Promise<{ child: ChildProcess; report: Report }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/store/store-process.ts', dataDir, String(staleMs)], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve({ child, report: JSON.parse(line) as Report }));
    child.once('exit', (code) => reject(new Error(`store process exited (${code}) before reporting: ${stderr}`)));
  });
}

const exited = (child: ChildProcess) => new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once('exit', r)));

describe('the data directory lock, between processes', () => {
  it('refuses a second process, naming the holder; after the holder is SIGKILLed a new one takes over at once, data intact', async () => {
    const first = await storeProcess(dir);
    expect(first.report).toMatchObject({ ready: true, rev: 4 });
    const holderPid = (first.report as { pid: number }).pid;

    const second = await storeProcess(dir);
    expect(second.report).toHaveProperty('error');
    const { error } = second.report as { error: { name: string; message: string } };
    expect(error.name).toBe('DataDirLockedError');
    expect(error.message).toContain(`in use by another mngbot (pid ${holderPid} on host ${hostname()}`);
    expect(error.message).toMatch(/started \d{4}-\d\d-\d\dT/);
    expect(error.message).toContain('test/store/store-process.ts');
    await exited(second.child);
    expect(second.child.exitCode).toBe(2);

    first.child.kill('SIGKILL');
    await exited(first.child);
    // The dead holder's lock is still there, and with this stale time it would be for an hour.
    expect(await readdir(dir)).toContain('mngbot.lock');

    const third = await storeProcess(dir);
    expect(third.report).toMatchObject({ ready: true, rev: 7 });
    expect((third.report as { logs: string[] }).logs.join('\n')).toContain(`took over the lock of pid ${holderPid}`);
    const holder = JSON.parse(await readFile(join(dir, 'mngbot.lock-holder.json'), 'utf8'));
    expect(holder.pid).toBe((third.report as { pid: number }).pid);
    third.child.kill('SIGKILL');
    await exited(third.child);

    // In this process too (the same host): the data are as the last holder left them.
    const store = await LowdbRunStore.open({ dataDir: dir, lockStaleMs: NEVER_STALE_MS, ...quiet });
    opened.push(store);
    expect((await store.get('r1'))!.rev).toBe(7);
    expect((await store.get('r1'))!.counters.apiErrors).toBe(6);
  });

  it('a holder that closes releases the lock and its record', async () => {
    const store = await LowdbRunStore.open({ dataDir: dir, ...quiet });
    expect((await readdir(dir)).sort()).toEqual(['history', 'mngbot.json', 'mngbot.lock', 'mngbot.lock-holder.json']);
    await store.close();
    expect((await readdir(dir)).sort()).toEqual(['history', 'mngbot.json']);
    const next = await storeProcess(dir);
    expect(next.report).toMatchObject({ ready: true });
  });
});

/** A lock as another process would have left it. */
async function foreignLock(record: Record<string, unknown>, ageMs = 0): Promise<void> {
  const lockDir = join(dir, 'mngbot.lock');
  await mkdir(lockDir);
  const { ino } = await import('node:fs/promises').then((fs) => fs.stat(lockDir));
  await writeFile(join(dir, 'mngbot.lock-holder.json'), JSON.stringify({ startedAt: 1_700_000_000_000, command: 'node mngbot', lockedAt: 1_700_000_000_000, staleMs: 20_000, lockIno: ino, ...record }));
  const t = new Date(Date.now() - ageMs);
  await utimes(lockDir, t, t);
}

describe('the data directory lock, judging a holder', () => {
  it('a live process on this host holds it; the same pid with another start time is a recycled pid, not the holder', async () => {
    const sleeper = spawn('sleep', ['60']);
    children.push(sleeper);
    await new Promise((r) => sleeper.once('spawn', r));
    const ticks = startTicks(sleeper.pid!);
    expect(ticks, '/proc/<pid>/stat must be readable').toBeDefined();
    await foreignLock({ pid: sleeper.pid, host: hostname(), bootId: bootId(), startTicks: ticks });
    const refused = await LowdbRunStore.open({ dataDir: dir, lockStaleMs: NEVER_STALE_MS, ...quiet }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DataDirLockedError);
    expect((refused as Error).message).toContain(`pid ${sleeper.pid} on host ${hostname()}`);

    // The record says the pid's process started at another time: whoever runs under that pid now
    // (a restarted container's pid 1) is not the holder.
    await rmdir(join(dir, 'mngbot.lock'));
    await foreignLock({ pid: sleeper.pid, host: hostname(), bootId: bootId(), startTicks: String(Number(ticks) - 1) });
    const logs: string[] = [];
    const store = await LowdbRunStore.open({ dataDir: dir, lockStaleMs: NEVER_STALE_MS, log: (m) => logs.push(m) });
    opened.push(store);
    expect(logs.join('\n')).toContain(`took over the lock of pid ${sleeper.pid}`);
  });

  it('a holder on another host is waited for until its lock goes stale', async () => {
    await foreignLock({ pid: 4242, host: 'some-other-host' }, 1_000);
    const refused = await LowdbRunStore.open({ dataDir: dir, lockStaleMs: 60_000, ...quiet }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DataDirLockedError);
    expect((refused as Error).message).toMatch(/pid 4242 on host some-other-host, started 2023-11-14T22:13:20\.000Z, command: node mngbot\); its lock was refreshed \d+s ago/);
    expect((refused as Error).message).toMatch(/taken over once it has not been refreshed for 60s/);

    const old = new Date(Date.now() - 120_000);
    await utimes(join(dir, 'mngbot.lock'), old, old);
    const store = await LowdbRunStore.open({ dataDir: dir, lockStaleMs: 60_000, ...quiet });
    opened.push(store);
    await store.create(makeRun('r1'));
  });

  it('a lock nobody has recorded yet is not taken over (its holder may be writing its record now)', async () => {
    await mkdir(join(dir, 'mngbot.lock'));
    const refused = await LowdbRunStore.open({ dataDir: dir, lockStaleMs: NEVER_STALE_MS, ...quiet }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DataDirLockedError);
    expect((refused as Error).message).toContain('a process that has not recorded itself');
  });
});

describe('a store that loses its lock stops writing', () => {
  async function until(what: string, ok: () => boolean): Promise<void> {
    for (let i = 0; i < 600 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
    if (!ok()) throw new Error(`timed out waiting for ${what}`);
  }

  it('when someone removes the lock: health says so, writes are refused, reads still answer', async () => {
    const logs: string[] = [];
    const store = await LowdbRunStore.open({ dataDir: dir, lockStaleMs: 2_000, lockUpdateMs: 1_000, log: (m) => logs.push(m) });
    opened.push(store);
    const run = makeRun('r1');
    await store.create(run);
    expect(store.health()).toEqual({ ok: true });
    await rmdir(join(dir, 'mngbot.lock'));
    await until('the lock to be found lost', () => !store.health().ok);
    expect(store.health().problem).toMatch(/lost the lock on .*mngbot\.lock was taken or removed by someone else.*restart mngbot/);
    await expect(store.save(run)).rejects.toBeInstanceOf(DataDirLockLostError);
    await expect(store.audit({ at: 1, user: 'U1', action: 'x' })).rejects.toThrow(/restart mngbot/);
    expect((await store.get('r1'))!.rev).toBe(1);
    expect(logs.join('\n')).toMatch(/this store stops writing/);
  });

  it('when another store in this process opens the same directory (a restart in place)', async () => {
    const first = await LowdbRunStore.open({ dataDir: dir, ...quiet });
    opened.push(first);
    const run = makeRun('r1');
    await first.create(run);
    const second = await LowdbRunStore.open({ dataDir: dir, ...quiet });
    opened.push(second);
    expect(first.health()).toMatchObject({ ok: false, problem: expect.stringMatching(/another store in this process opened/) });
    await expect(first.save(run)).rejects.toBeInstanceOf(DataDirLockLostError);
    const again = (await second.get('r1'))!;
    await second.save(again);
    expect(again.rev).toBe(2);
    expect(second.health()).toEqual({ ok: true });
  });
});
