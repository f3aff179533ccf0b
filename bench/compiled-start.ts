// How long the image takes to be healthy: `npm run build` into a temporary directory, then
// `node dist/main.js` on the simulated world (as the Dockerfile's own example), timed from spawn to
// the first 200 from /livez and from /healthz. The same for the sources through tsx, for comparison.
// Slack's Web API is a stand-in on 127.0.0.1 that answers auth.test, the one call a start makes.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

async function listen(server: Server): Promise<number> {
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return (server.address() as AddressInfo).port;
}

async function freePort(): Promise<number> {
  const s = createServer();
  const port = await listen(s);
  await new Promise((ok) => s.close(ok));
  return port;
}

/** Spawns the bot and times it to the first 200 of each path; kills it afterwards. */
/** CPU time (user + system) the process has used so far, from /proc: what a start costs whatever the machine's load. */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    // utime and stime are fields 14 and 15 of the line, in clock ticks (100 a second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

interface Start {
  livezMs: number;
  healthzMs: number;
  cpuMs: number;
}

async function timeStart(args: string[], cwd: string, slackUrl: string, dataDir: string): Promise<Start> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'production',
      MNG_WORLD: 'sim',
      MNG_SCENARIO: join(ROOT, 'scenarios/demo.json'),
      MNG_DATA_DIR: dataDir,
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: 'bench-secret',
      SLACK_API_URL: slackUrl,
      PORT: String(port),
      MNG_LOG_LEVEL: 'warn',
    },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const firstOk = async (path: string): Promise<number> => {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the bot exited (${child.exitCode}): ${stderr}`);
      if (performance.now() - started > 60_000) throw new Error(`no 200 from ${path} within 60 s: ${stderr}`);
      const ok = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(1000) }).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return performance.now() - started;
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  try {
    const livezMs = await firstOk('/livez');
    const healthzMs = await firstOk('/healthz');
    return { livezMs, healthzMs, cpuMs: cpuMs(child.pid!) };
  } finally {
    child.kill('SIGKILL');
    await new Promise((ok) => (child.exitCode !== null ? ok(undefined) : child.once('exit', ok)));
  }
}

export async function benchCompiledStart(): Promise<Record<string, number | string>> {
  const dir = mkdtempSync(join(tmpdir(), 'mngbot-build-'));
  const slack = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, url: 'https://bench.slack.com/', team: 'bench', user: 'mngbot', team_id: 'T0BENCH', user_id: 'U0MNGBOT', bot_id: 'B0MNGBOT' }));
  });
  const slackUrl = `http://127.0.0.1:${await listen(slack)}/api/`;
  try {
    // npm run build, into the temporary directory: the repository's own dist/ is left alone.
    const t0 = performance.now();
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(dir, 'dist')], { cwd: ROOT, stdio: 'inherit' });
    cpSync(join(ROOT, 'src/console/page'), join(dir, 'dist/console/page'), { recursive: true });
    const buildSeconds = (performance.now() - t0) / 1000;
    // What the image has beside dist/: package.json (type: module) and the dependencies.
    cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const compiled: Start[] = [];
    for (let i = 0; i < 3; i++) compiled.push(await timeStart(['dist/main.js'], dir, slackUrl, join(dir, `data-${i}`)));
    const tsx = await timeStart(['--import', 'tsx', 'src/main.ts'], ROOT, slackUrl, join(dir, 'data-tsx'));
    const sorted = (xs: number[]) => xs.sort((a, b) => a - b);
    const healthz = sorted(compiled.map((c) => c.healthzMs));
    const livez = sorted(compiled.map((c) => c.livezMs));
    const cpu = sorted(compiled.map((c) => c.cpuMs));
    const load = (await import('node:os')).loadavg()[0];
    return {
      buildSeconds: Math.round(buildSeconds * 10) / 10,
      'compiled start → /livez 200 ms (median of 3)': Math.round(livez[1]),
      'compiled start → /healthz 200 ms (median of 3)': Math.round(healthz[1]),
      'compiled start → /healthz 200 ms (worst of 3)': Math.round(healthz[2]),
      'compiled start → /healthz CPU ms (median of 3)': Math.round(cpu[1]),
      'tsx start → /healthz 200 ms': Math.round(tsx.healthzMs),
      'tsx start → /healthz CPU ms': Math.round(tsx.cpuMs),
      // Wall times stretch with the machine's load; the CPU figures do not.
      loadAverage1m: Math.round(load * 10) / 10,
    };
  } finally {
    slack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchCompiledStart());
}
