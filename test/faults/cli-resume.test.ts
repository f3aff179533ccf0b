// The headless CLI against the simulated cloud, as the README's recipe runs it: killed with SIGKILL
// mid-run and started again with the same data directory, `mngbot upgrade` with the same target
// continues the run it had (never a second run); `mngbot resume RUN` does the same by name.
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REGION, startWorld, until, type WorldProcess } from './processes.js';

function cli(world: WorldProcess, dataDir: string, args: string[]) {
  const child = spawn(process.execPath, ['bin/mngbot.js', ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      MNG_WORLD: 'aws',
      MNG_CONFIG: world.config,
      MNG_CLOCK_URL: `${world.aws}/world/clock`,
      MNG_DATA_DIR: dataDir,
      KUBECONFIG: world.kubeconfig,
      AWS_ENDPOINT_URL: world.aws,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return { child, exited, output: () => out };
}

describe('mngbot upgrade against the simulated cloud, killed and started again', () => {
  it('continues the run it had, never a second one; resume RUN names it', { timeout: 180_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mngbot-cli-'));
    const world = await startWorld({ scenario: 'scenarios/fault-matrix.json', speed: 60, dir });
    const dataDir = join(dir, 'data');
    // No health-gate bake: at speed 60 its five simulated minutes would cost five real seconds.
    const upgrade = ['upgrade', '--to', '1.31', '--yes', '--drain-timeout', '2h', '--no-bake'];
    try {
      const before = await world.ledger();
      const first = cli(world, dataDir, upgrade);
      await until(async () => Object.keys((await world.ledger()).terminationRequests).length >= 1, 'the first termination', 120_000);
      const runId = /run (r-[0-9a-f]{8}) is recorded/.exec(first.output())?.[1];
      expect(runId, first.output()).toBeDefined();
      first.child.kill('SIGKILL');
      await first.exited;

      const second = cli(world, dataDir, upgrade);
      await until(() => /continuing run/.test(second.output()), 'the second command to pick the run up', 60_000);
      expect(second.output()).toContain(`continuing run ${runId}`);
      await until(async () => Object.values((await world.ledger()).terminationRequests).length >= 3, 'a third termination', 120_000);
      second.child.kill('SIGKILL');
      await second.exited;

      const third = cli(world, dataDir, ['resume', runId!]);
      expect(await third.exited, third.output()).toBe(0);
      expect(third.output()).toContain(`continuing run ${runId}`);
      expect(third.output()).toMatch(/status succeeded/);

      const ledger = await world.ledger();
      expect(before.instances.map((i) => ledger.terminationRequests[i.id] ?? 0)).toEqual(before.instances.map(() => 1));
      expect(ledger.group).toEqual(before.group);
      expect(Object.keys(ledger.versions)).toEqual(['1.31']);
      expect(ledger.leftTainted + ledger.leftCordoned + ledger.terminatedTwice + ledger.podsLost + ledger.pdbViolations).toBe(0);

      // Asked again once it is done: the run is over, so the same command plans a new one (nothing to do).
      const again = cli(world, dataDir, ['resume', runId!]);
      expect(await again.exited).toBe(0);
      expect(again.output()).toMatch(new RegExp(`run ${runId} has ended`));
    } finally {
      await world.stop();
    }
  });
});
