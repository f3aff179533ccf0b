// Real processes for the fault tests: the simulated cloud (npm run world) and mngbot itself
// (src/main.ts with its real AWS and Kubernetes adapters), started, killed with SIGKILL and started
// again the way an operator or Kubernetes would. Only 127.0.0.1.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../aws/moto.js';

export const REGION = 'us-west-2';
const NODE_ARGS = ['--import', 'tsx'];
const BASE_ENV = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TMPDIR: process.env.TMPDIR ?? '/tmp' };

export interface Ledger {
  podsLost: number;
  pdbViolations: number;
  forcedDeletions: number;
  terminatedTwice: number;
  nodesTerminatedWithPods: number;
  leftTainted: number;
  leftCordoned: number;
  pendingPods: number;
  group: { min: number; max: number; desired: number };
  versions: Record<string, number>;
  terminationRequests: Record<string, number>;
  instances: { id: string; state: string; imageId: string; az: string }[];
  now: number;
}

export interface WorldProcess {
  aws: string;
  kube: string;
  kubeconfig: string;
  /** The mngbot configuration file the world wrote (clusters, self-managed groups). */
  config: string;
  ledger(): Promise<Ledger>;
  faults(body: Record<string, unknown>): Promise<void>;
  stop(): Promise<void>;
}

/** Waits for a line on the child's stdout matching re; rejects if the child exits first. */
function lineFrom(child: ChildProcess, re: RegExp, what: string, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`${what}: no line matching ${re} within ${timeoutMs} ms; got ${JSON.stringify(buffered.slice(-2000))}`)), timeoutMs);
    const onData = (d: Buffer) => {
      buffered += d.toString();
      const m = re.exec(buffered);
      if (m) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve(m);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code ?? signal}) before it was ready; stdout ${JSON.stringify(buffered.slice(-2000))}`));
    });
  });
}

export async function startWorld(opts: { scenario: string; speed: number; dir: string; seed?: number }): Promise<WorldProcess> {
  const kubeconfig = join(opts.dir, 'kubeconfig');
  const config = join(opts.dir, 'mngbot.yaml');
  const args = ['src/world-cli.ts', '--scenario', opts.scenario, '--speed', String(opts.speed), '--kubeconfig', kubeconfig, '--config', config];
  if (opts.seed !== undefined) args.push('--seed', String(opts.seed));
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], { env: BASE_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(join(opts.dir, 'world.log'));
  child.stderr?.pipe(log);
  const m = await lineFrom(child, /^world: aws (http:\/\/127\.0\.0\.1:\d+) kube (http:\/\/127\.0\.0\.1:\d+)$/m, 'the world', 60_000);
  const aws = m[1];
  const json = async <T>(path: string, init?: RequestInit): Promise<T> => {
    const res = await fetch(`${aws}${path}`, init);
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  return {
    aws,
    kube: m[2],
    kubeconfig,
    config,
    ledger: () => json<Ledger>('/world/ledger'),
    faults: async (body) => {
      await json('/world/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    },
    stop: async () => {
      await stopChild(child, 'SIGTERM');
      log.end();
    },
  };
}

export interface BotProcess {
  url: string;
  child: ChildProcess;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
  /** Everything the process wrote, stdout and stderr. */
  output(): string;
}

export interface BotOptions {
  world: WorldProcess;
  dataDir: string;
  slackApiUrl: string;
  signingSecret: string;
  botToken: string;
  approvers: string[];
  /** Where its output is appended. */
  logFile: string;
  port?: number;
  env?: Record<string, string>;
}

/** Starts mngbot as `npm start` would, against the world; resolves once /healthz answers 200. */
export async function startBot(o: BotOptions, opts: { waitHealthy?: boolean } = {}): Promise<BotProcess> {
  const port = o.port ?? (await freePort());
  const env = {
    ...BASE_ENV,
    SLACK_BOT_TOKEN: o.botToken,
    SLACK_SIGNING_SECRET: o.signingSecret,
    SLACK_API_URL: o.slackApiUrl,
    MNG_WORLD: 'aws',
    MNG_CONFIG: o.world.config,
    MNG_CLOCK_URL: `${o.world.aws}/world/clock`,
    MNG_DATA_DIR: o.dataDir,
    MNG_APPROVERS: o.approvers.join(','),
    MNG_LOG_LEVEL: 'info',
    KUBECONFIG: o.world.kubeconfig,
    AWS_ENDPOINT_URL: o.world.aws,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    PORT: String(port),
    ...o.env,
  };
  const child = spawn(process.execPath, [...NODE_ARGS, 'src/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const log: WriteStream = createWriteStream(o.logFile, { flags: 'a' });
  log.write(`--- bot pid ${child.pid} started ${new Date().toISOString()}\n`);
  const keep = (d: Buffer) => {
    output += d.toString();
    log.write(d);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      log.end(`--- bot pid ${child.pid} ended ${code ?? signal}\n`);
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  const bot = { url: `http://127.0.0.1:${port}`, child, exited, output: () => output };
  if (opts.waitHealthy !== false) await untilHealthy(bot, 60_000);
  return bot;
}

export async function health(url: string): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
    return { status: res.status, body: await res.text() };
  } catch {
    return undefined;
  }
}

async function untilHealthy(bot: BotProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let ended = false;
  void bot.exited.then(() => (ended = true));
  for (;;) {
    if (ended) throw new Error(`mngbot exited before it was healthy:\n${bot.output().slice(-3000)}`);
    if ((await health(bot.url))?.status === 200) return;
    if (Date.now() > deadline) throw new Error(`mngbot not healthy within ${timeoutMs} ms:\n${bot.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** SIGKILL: no handler runs, nothing is flushed; resolves once the process is gone. */
export async function kill(bot: BotProcess): Promise<void> {
  await stopChild(bot.child, 'SIGKILL');
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await gone;
}

/** Polls (real time) until cond holds. */
export async function until(cond: () => Promise<boolean> | boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
