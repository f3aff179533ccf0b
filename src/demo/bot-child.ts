// mngbot as a child process of the demo, exactly as `npm start` runs it with configuration: its real
// AWS and Kubernetes adapters against the simulated cloud, its data directory, the console as Slack
// (over HTTP, or in Socket Mode when given an app-level token).
// It can be killed (SIGKILL) and started again, to see it pick a run up where it was.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { entryArgs } from './entry-args.js';
import { stopChild, type WorldChild } from './world-child.js';

export interface BotChildOptions {
  world: WorldChild;
  dataDir: string;
  port: number;
  slackApiUrl: string;
  /** HTTP mode: the console signs what it sends with it. */
  signingSecret?: string;
  /** Socket Mode: the app-level token the console takes in apps.connections.open. */
  appToken?: string;
  botToken: string;
  approvers: string[];
  /** The bot's log lines go here, not to the demo's terminal. */
  logFile: string;
  /** More environment. MNG_LOG_LEVEL may not be above info: start() waits for the bot's "mngbot ready" line. */
  env?: Record<string, string>;
}

/** What the bot processes of one BotChild wrote is kept up to this many characters (the newest). */
const OUTPUT_KEPT = 256 * 1024;

export type BotState = 'starting' | 'running' | 'stopped' | 'killed' | 'exited';

export class BotChild {
  private child?: ChildProcess;
  private stateNow: BotState = 'stopped';
  private written = '';
  private lastExit?: number | string;

  constructor(private readonly o: BotChildOptions) {
    if (o.env?.MNG_LOG_LEVEL === 'warn' || o.env?.MNG_LOG_LEVEL === 'error') throw new Error('BotChild: MNG_LOG_LEVEL above info hides the "mngbot ready" line start() waits for');
  }

  get url(): string {
    return `http://127.0.0.1:${this.o.port}`;
  }

  get state(): BotState {
    return this.stateNow;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** How the last process ended: its exit code, or the signal that ended it. */
  get exitCode(): number | string | undefined {
    return this.lastExit;
  }

  /** The newest of what its processes wrote, stdout and stderr. */
  output(): string {
    return this.written;
  }

  /**
   * Starts the bot; resolves once it has said it is ready (in Socket Mode: connected) and its /healthz
   * answers 200, rejects if it exits first.
   */
  async start(timeoutMs = 60_000): Promise<void> {
    if (this.child) return;
    const { world } = this.o;
    const child = spawn(process.execPath, entryArgs('main'), {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        SLACK_BOT_TOKEN: this.o.botToken,
        ...(this.o.appToken ? { SLACK_SOCKET_MODE: 'true', SLACK_APP_TOKEN: this.o.appToken } : { SLACK_SIGNING_SECRET: this.o.signingSecret ?? '' }),
        SLACK_API_URL: this.o.slackApiUrl,
        PORT: String(this.o.port),
        MNG_WORLD: 'aws',
        MNG_CONFIG: world.config,
        MNG_CLOCK_URL: `${world.aws}/world/clock`,
        MNG_DATA_DIR: this.o.dataDir,
        MNG_APPROVERS: this.o.approvers.join(','),
        KUBECONFIG: world.kubeconfig,
        AWS_ENDPOINT_URL: world.aws,
        AWS_REGION: 'us-west-2',
        // The simulated cloud takes any signature; nothing here is a real credential.
        AWS_ACCESS_KEY_ID: 'demo',
        AWS_SECRET_ACCESS_KEY: 'demo',
        ...this.o.env,
      },
    });
    this.child = child;
    this.stateNow = 'starting';
    this.lastExit = undefined;
    const log = createWriteStream(this.o.logFile, { flags: 'a' });
    const keep = (d: Buffer) => {
      log.write(d);
      this.written = (this.written + d.toString()).slice(-OUTPUT_KEPT);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    // 'close', not 'exit': what it wrote last is read by then.
    child.once('close', (code, signal) => {
      this.lastExit = code ?? signal ?? 'unknown';
      if (this.child === child) this.child = undefined;
      if (this.stateNow !== 'killed' && this.stateNow !== 'stopped') this.stateNow = 'exited';
      log.end(`--- mngbot ${child.pid} ended (${code ?? signal})\n`);
    });
    const outcome = await readyLine(child, timeoutMs);
    if (outcome === 'exited') throw new Error(`mngbot exited (${this.lastExit}) while starting: ${this.written.slice(-2000)}`);
    if (outcome === 'timeout') throw new Error(`mngbot did not become ready in ${timeoutMs / 1000} s: see ${this.o.logFile}`);
    const health = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(5000) });
    if (health.status !== 200) throw new Error(`mngbot said it was ready, but /healthz answers ${health.status}: ${await health.text()}`);
    this.stateNow = 'running';
  }

  /** SIGKILL, as a crash or an OOM kill: nothing is flushed, the data file keeps what was saved. */
  async kill(): Promise<void> {
    if (!this.child) return;
    this.stateNow = 'killed';
    await stopChild(this.child, 'SIGKILL');
  }

  /** SIGTERM, as Kubernetes stops a pod: the bot finishes its step and flushes Slack. */
  async stop(): Promise<void> {
    if (!this.child) return;
    this.stateNow = 'stopped';
    await stopChild(this.child, 'SIGTERM');
  }
}

/** Waits for the bot's "mngbot ready" log line: it logs it once it listens and has resumed its runs. */
function readyLine(child: ChildProcess, timeoutMs: number): Promise<'ready' | 'exited' | 'timeout'> {
  return new Promise((resolve) => {
    let partial = '';
    const done = (outcome: 'ready' | 'exited' | 'timeout') => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('close', onClose);
      resolve(outcome);
    };
    const onData = (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      if (lines.some(isReady)) done('ready');
    };
    const onClose = () => done('exited');
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    child.stdout?.on('data', onData);
    child.once('close', onClose);
  });
}

function isReady(line: string): boolean {
  try {
    return (JSON.parse(line) as { msg?: unknown }).msg === 'mngbot ready';
  } catch {
    return false;
  }
}
