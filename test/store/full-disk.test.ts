// A real full disk: a small tmpfs, filled. A save that cannot be written is rejected, the store says
// it is unhealthy and keeps answering from what is on disk; once there is room again it notices by
// itself and saves work again. Mounting needs root (CAP_SYS_ADMIN), as these tests run here.
import { execFileSync } from 'node:child_process';
import { open as openFile, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { LowdbRunStore } from '../../src/store/lowdb-run-store.js';
import { event, makeRun, tempDir } from './fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
let mounted = false;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'pipe' });
    mounted = true;
  } catch (err) {
    throw new Error(`this test mounts a 1 MiB tmpfs to fill it, which needs root / CAP_SYS_ADMIN: ${(err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message}`);
  }
});
afterEach(async () => {
  if (mounted) execFileSync('umount', ['-l', dir]);
  mounted = false;
  await cleanup();
});

/** Writes until the file system is full; resolves with the filler's name. */
async function fill(): Promise<string> {
  const filler = join(dir, 'filler');
  const fh = await openFile(filler, 'w');
  const chunk = Buffer.alloc(4096, 120);
  try {
    for (;;) await fh.write(chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    await fh.close();
  }
  return filler;
}

async function until(what: string, ok: () => boolean): Promise<void> {
  // Bounded by the test's timeout, not by a figure here: the probe backs off from 1 s.
  while (!ok()) await new Promise((r) => setTimeout(r, 50));
  expect(ok(), what).toBe(true);
}

it('a save on a full disk is rejected; the store serves what is on disk, says it is unhealthy, and recovers by itself', { timeout: 30_000 }, async () => {
  const logs: string[] = [];
  const store = await LowdbRunStore.open({ dataDir: dir, log: (m) => logs.push(m) });
  try {
    const run = makeRun('r1', { nodes: 20 });
    await store.create(run);
    await store.save(run, [event('r1', 1)]);
    const onDisk = await readFile(join(dir, 'mngbot.json'), 'utf8');

    const filler = await fill();
    run.phase = 'finish';
    const saving = store.save(run, [event('r1', 2)]);
    const other = makeRun('r2', { nodegroup: 'ng-2' });
    const creating = store.create(other); // queued behind the failing write: rejected with it
    await expect(saving).rejects.toMatchObject({ code: 'ENOSPC' });
    await expect(creating).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(run.rev).toBe(2); // given back: the caller may try again with the same object

    const health = store.health();
    expect(health.ok).toBe(false);
    expect(health.problem).toMatch(/mngbot\.json: a write failed \(ENOSPC: .*no space left on device/);
    expect(typeof health.since).toBe('number');
    // Reads answer what is on disk, not what failed to get there.
    expect(await readFile(join(dir, 'mngbot.json'), 'utf8')).toBe(onDisk);
    const stored = (await store.get('r1'))!;
    expect([stored.rev, stored.phase]).toEqual([2, 'replace']);
    expect((await store.events('r1')).events.map((e) => e.detail)).toEqual(['event 1']);
    expect(await store.get('r2')).toBeUndefined();
    // Still served, still trying: a later save is attempted (and fails while the disk is full).
    await expect(store.save(run)).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(store.health().since).toBe(health.since);

    await rm(filler);
    // No call is made: the store's own probe finds out.
    await until('health to recover without traffic', () => store.health().ok);
    expect(logs.join('\n')).toMatch(/writing works again/);

    await store.save(run, [event('r1', 2)]);
    await store.create(other);
    await store.close();
    const again = await LowdbRunStore.open({ dataDir: dir, log: () => {} });
    try {
      expect((await again.get('r1'))!.phase).toBe('finish');
      expect((await again.get('r1'))!.rev).toBe(3);
      expect((await again.list()).map((r) => r.id).sort()).toEqual(['r1', 'r2']);
    } finally {
      await again.close();
    }
  } finally {
    await store.close();
  }
});
