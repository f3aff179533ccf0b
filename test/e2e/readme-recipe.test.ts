// The README's recipe for the simulated cloud, followed as written (only its ports and its directory
// are swapped for free ones): npm run world, the real CLI with its real adapters paced to the world's
// clock, and kubectl --watch following the nodes through the upgrade.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../aws/moto.js';

/** The recipe's commands, continuation lines joined. */
function recipe(): string[] {
  const readme = readFileSync('README.md', 'utf8');
  const block = /<!-- recipe:world -->\s*```sh\n([\s\S]*?)```\s*<!-- \/recipe:world -->/.exec(readme);
  if (!block) throw new Error('README.md has no <!-- recipe:world --> block');
  return block[1].replace(/\\\n\s*/g, '').split('\n').map((l) => l.trim()).filter(Boolean);
}

function run(command: string, env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const [cmd, ...args] = command.split(/\s+/);
  // Its own process group: npm starts the world as a grandchild, which must go with it.
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  return { child, output: () => out, exited: new Promise((r) => child.once('exit', (code) => r(code))) };
}

describe("the README's recipe for npm run world", () => {
  it('the world, the CLI against it with its real adapters, and kubectl --watch following the upgrade', { timeout: 180_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mngbot-recipe-'));
    const [aws, kube] = [await freePort(), await freePort()];
    const lines = recipe().map((l) => l.replaceAll('/tmp/mngbot-world', dir).replaceAll('4566', String(aws)).replaceAll('4567', String(kube)));
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
    const started: ChildProcess[] = [];
    try {
      let world: ReturnType<typeof run> | undefined;
      let watch: ReturnType<typeof run> | undefined;
      let upgrade: ReturnType<typeof run> | undefined;
      for (const line of lines) {
        if (line.startsWith('mkdir ')) continue; // mkdtemp made it
        if (line.startsWith('export ')) {
          for (const pair of line.slice('export '.length).split(/\s+/)) {
            const [k, v] = pair.split('=');
            env[k] = v;
          }
          continue;
        }
        if (line.endsWith('&')) {
          world = run(line.slice(0, -1).trim(), env);
          started.push(world.child);
          const deadline = Date.now() + 60_000;
          while (!/^world: aws http:\/\/127\.0\.0\.1:\d+ kube http:\/\/127\.0\.0\.1:\d+$/m.test(world.output())) {
            if (Date.now() > deadline) throw new Error(`npm run world printed no address line: ${world.output()}`);
            await new Promise((r) => setTimeout(r, 100));
          }
          expect(world.output()).toContain(`world: aws http://127.0.0.1:${aws} kube http://127.0.0.1:${kube}`);
          continue;
        }
        if (line.includes('--watch')) {
          // A second terminal in the recipe: it starts while the upgrade has only just begun.
          watch = run(line, env);
          started.push(watch.child);
          continue;
        }
        if (line.startsWith('npx mngbot')) {
          upgrade = run(line, env);
          continue;
        }
        throw new Error(`the recipe has a line this test does not know how to follow: ${line}`);
      }
      expect(world && watch && upgrade).toBeTruthy();
      expect(await upgrade!.exited, upgrade!.output()).toBe(0);
      expect(upgrade!.output()).toMatch(/status succeeded/);
      await new Promise((r) => setTimeout(r, 1000));
      process.kill(-watch!.child.pid!, 'SIGTERM');
      await watch!.exited;
      const seen = watch!.output();
      // The old nodes going NotReady/SchedulingDisabled and the new nodes joining, as they happened.
      expect(seen).toMatch(/SchedulingDisabled/);
      expect(seen).toMatch(/v1\.31\./);
      expect(seen).toMatch(/v1\.30\./);
    } finally {
      for (const c of started) {
        try {
          process.kill(-c.pid!, 'SIGTERM');
        } catch {
          // already gone
        }
      }
    }
  });
});
