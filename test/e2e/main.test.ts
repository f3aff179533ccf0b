// The process as people start it: `npm start` (src/main.ts) with no configuration, and with one whose
// data file cannot be read.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BASE_ENV = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' };

describe('npm start', () => {
  // Three processes start and compile (main, the world, the bot): how long that takes is the machine's
  // business, so the test waits for the banner or the process's end, and its timeout only finds a hang.
  it('with no configuration: the console demo, its URL and the kubectl command to follow the nodes', { timeout: 120_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'mngbot-demo-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { ...BASE_ENV, PORT: '0', MNG_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const banner = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (/Follow the nodes/.test(out)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`exited ${code} before its banner: ${out}`)));
    });
    try {
      await banner;
      const consoleUrl = /Slack-like console:\s+(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)![1];
      const kubeconfig = /kubectl --kubeconfig (\S+) get nodes --watch/.exec(out)![1];
      expect(await (await fetch(consoleUrl)).text()).toMatch(/mngbot console/);
      const kubectl = spawnSync('kubectl', ['--kubeconfig', kubeconfig, 'get', 'nodes', '-o', 'name'], { encoding: 'utf8' });
      expect(kubectl.stdout.trim().split('\n')).toHaveLength(3);
      // The bot is its own process, on its data directory, against the simulated cloud's AWS API.
      expect(out).toMatch(new RegExp(`The bot:\\s+process \\d+, data in ${dataDir}`));
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    expect(child.exitCode).toBe(0);
  });

  it('with a data file it cannot read: refuses to start, names the file, leaves it untouched', { timeout: 30_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mngbot-main-'));
    try {
      const file = join(dir, 'mngbot.json');
      const broken = '{"schemaVersion": 1, "runs": [ {"id": "r-1", ';
      await writeFile(file, broken);
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        env: { ...BASE_ENV, SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 'secret', SLACK_API_URL: 'http://127.0.0.1:9/api/', MNG_WORLD: 'sim', MNG_SCENARIO: 'scenarios/demo.json', MNG_DATA_DIR: dir, PORT: '0' },
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(file);
      expect(r.stderr).toMatch(/data file/);
      expect(await readFile(file, 'utf8')).toBe(broken);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
