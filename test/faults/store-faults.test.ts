// The data directory under real faults, as processes: a disk that fills mid-run and then frees, and a
// second bot started on the same data directory.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../aws/moto.js';
import { health, until } from './processes.js';
import { UpgradeSession } from './upgrade-session.js';

const terminations = async (s: UpgradeSession) => Object.values((await s.world.ledger()).terminationRequests).reduce((a, b) => a + b, 0);

/** A real, small file system for the data directory: a tmpfs (needs root or CAP_SYS_ADMIN, as CI has). */
function mountTmpfs(dir: string, size: string): void {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(`this test fills a real disk: it mounts a tmpfs, which needs root (CAP_SYS_ADMIN): ${(err as Error).message}`);
  }
}

/** Writes until the file system says ENOSPC; returns the filler's path. */
async function fill(dir: string): Promise<string> {
  const filler = join(dir, 'filler');
  const fh = await open(filler, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) await fh.write(chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    await fh.close().catch(() => {});
  }
  return filler;
}

describe('the data directory under faults, as processes', () => {
  it('a disk that fills mid-run: /healthz turns 503, the run waits without spinning, and carries on once the disk frees', { timeout: 240_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mngbot-disk-full-'));
    const dataDir = join(dir, 'data');
    await mkdir(dataDir);
    mountTmpfs(dataDir, '4m');
    let s: UpgradeSession | undefined;
    try {
      s = await UpgradeSession.open({ label: 'disk-full', speed: 30, dir, dataDir });
      await s.start();
      await until(async () => (await terminations(s!)) >= 1, 'the first termination', 120_000);
      const filler = await fill(dataDir);
      await until(async () => (await health(s!.bot!.url))?.status === 503, '/healthz 503 with the disk full', 60_000);
      expect((await health(s.bot!.url))?.body).toMatch(/ENOSPC|no space/i);
      // Nothing irreversible happens while its intent cannot be saved.
      const atFull = await terminations(s);
      await new Promise((r) => setTimeout(r, 5000));
      expect(await terminations(s)).toBe(atFull);
      const complaints = s.bot!.output().split('\n').filter((l) => /cannot save/.test(l)).length;
      expect(complaints, 'log lines about the full disk').toBeLessThan(40);
      await rm(filler);
      await until(async () => (await health(s!.bot!.url))?.status === 200, '/healthz 200 once the disk has room', 90_000);
      await s.waitForEnd();
      await s.stopBot();
      const { problems } = await s.problems({ succeeded: true });
      expect(problems, `logs in ${dir}`).toEqual([]);
    } finally {
      await s?.close();
      execFileSync('umount', [dataDir]);
    }
  });

  it('a second bot on the same data directory refuses to start, naming the first; a killed holder is taken over', { timeout: 180_000 }, async () => {
    const s = await UpgradeSession.open({ label: 'two-bots', speed: 30 });
    try {
      await s.start();
      const holder = s.bot!.pid;
      const second = await s.launch({ port: await freePort(), start: false });
      await expect(second.start()).rejects.toThrow(/exited \(2\)/);
      expect(second.output()).toMatch(new RegExp(`\\b${holder}\\b`));
      expect(second.output()).toMatch(/data directory|lock/i);
      // The first goes on undisturbed; killed, its lock is taken over by the next bot.
      await s.bot!.kill();
      await s.bot!.start();
      await s.waitForEnd();
      await s.stopBot();
      const { problems } = await s.problems({ succeeded: true });
      expect(problems, `logs in ${s.dir}`).toEqual([]);
    } finally {
      await s.close();
    }
  });
});
