// Composition root: configuration → world (simulator or AWS) → store → bot (engine, Slack app,
// scheduler). With no configuration at all, the demo: the same bot behind a local Slack-like console.
import { createDeps } from './app/compose.js';
import { startBot } from './bot.js';
import { ConfigError, loadConfig, missingSlackSettings, TRUTHY, type Config } from './config.js';
import { SECRET_FILES } from './config/secret-files.js';
import type { Demo } from './demo/demo.js';
import { errorMessage, UserError } from './engine/errors.js';
import { createLogger, type Logger } from './log.js';
import { collectProcessMetrics } from './metrics/registry.js';
import { guardProcess } from './process-guards.js';
import { DataFileError } from './store/lowdb-run-store.js';

const SHUTDOWN_TIMEOUT_MS = 15_000;
const DEMO_CONSOLE_PORT = 3000;

function fail(message: string, code = 2): never {
  process.stderr.write(`mngbot: ${message}\n`);
  process.exit(code);
}

async function start(config: Config, log: Logger): Promise<() => Promise<void>> {
  collectProcessMetrics();
  const deps = await createDeps(config, { log });
  const bot = await startBot({ app: deps.app, slack: config.slack, log, health: deps.health, ...(deps.replicas ? { replicas: deps.replicas } : {}) }).catch(async (err: unknown) => {
    await deps.close();
    throw err;
  });
  log.info('mngbot ready', {
    world: config.world.kind,
    ...(config.world.kind === 'sim' ? { scenario: config.world.scenario } : {}),
    ...(deps.world.speed !== 1 ? { speed: deps.world.speed } : {}),
    clusters: deps.world.clusters.map((c) => c.name),
    ...(deps.dataFile ? { dataFile: deps.dataFile } : {}),
    ...(deps.replicas ? { store: 'kubernetes', identity: deps.replicas.identity } : {}),
    port: bot.port,
    resumed: bot.resumed,
  });
  return async () => {
    await bot.stop();
    await deps.close();
  };
}

/** Nothing configured at all: the demo. */
function unconfigured(env: NodeJS.ProcessEnv): boolean {
  return !['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', ...Object.values(SECRET_FILES), 'MNG_CONFIG', 'MNG_WORLD'].some((k) => env[k]);
}

async function demo(log: Logger): Promise<() => Promise<void>> {
  // Loaded only for the demo: a configured bot (the image) starts without the console and its WebSocket server.
  const { startDemo } = await import('./demo/demo.js');
  const wanted = process.env.PORT ? Number(process.env.PORT) : DEMO_CONSOLE_PORT;
  const dataDir = process.env.MNG_DATA_DIR?.trim() || undefined;
  // SLACK_SOCKET_MODE=true npm start: the same demo with the bot in Socket Mode.
  const transport = TRUTHY.includes(process.env.SLACK_SOCKET_MODE?.trim().toLowerCase() ?? '') ? 'socket' : 'http';
  // MNG_SCENARIO=scenarios/bad-image.json npm start: the same demo on another world.
  const scenario = process.env.MNG_SCENARIO?.trim() || undefined;
  const options = { log, transport, ...(dataDir ? { dataDir } : {}), ...(scenario ? { scenario } : {}) } as const;
  const d = await startDemo({ consolePort: wanted, ...options }).catch((err: NodeJS.ErrnoException) => {
    // Another program has the usual port: any free one will do for a demo.
    if (err.code === 'EADDRINUSE' && !process.env.PORT) return startDemo({ consolePort: 0, ...options });
    throw err;
  });
  process.stdout.write(`${d.banner}\n`);
  listenForKeys(d);
  return () => d.stop();
}

/** k kills the bot (SIGKILL), s starts it again: the run it had goes on from where it was. */
function listenForKeys(d: Demo): void {
  if (!process.stdin.isTTY) return;
  process.stdin.setRawMode(true);
  process.stdin.resume();
  let busy = false;
  process.stdin.on('data', (key: Buffer) => {
    const k = key.toString();
    if (k === '\u0003') {
      process.emit('SIGINT');
      return;
    }
    if (busy || (k !== 'k' && k !== 's')) return;
    busy = true;
    const act = async () => {
      if (k === 'k') {
        if (d.bot.state !== 'running') return process.stdout.write('mngbot is not running: press s to start it\n');
        const pid = d.bot.pid;
        await d.bot.kill();
        process.stdout.write(`mngbot (process ${pid}) killed with SIGKILL; the world goes on. Press s to start it again.\n`);
      } else {
        if (d.bot.state === 'running' || d.bot.state === 'starting') return process.stdout.write('mngbot is running already\n');
        process.stdout.write('starting mngbot on the same data directory…\n');
        await d.bot.start();
        process.stdout.write(`mngbot is back (process ${d.bot.pid}): it resumes what it had in flight.\n`);
      }
    };
    act()
      .catch((err) => process.stdout.write(`${errorMessage(err)}\n`))
      .finally(() => {
        busy = false;
      });
  });
}

async function main(): Promise<void> {
  let stop: () => Promise<void>;
  let log: Logger;
  if (unconfigured(process.env)) {
    // The banner says what matters; the log only speaks up when something goes wrong.
    log = createLogger({ level: 'warn', base: { app: 'mngbot-demo' } });
    guardProcess(log);
    stop = await demo(log);
  } else {
    let config: Config;
    try {
      config = await loadConfig();
    } catch (err) {
      if (err instanceof ConfigError || err instanceof UserError) fail(`configuration: ${err.message}`);
      throw err;
    }
    const missing = missingSlackSettings(config.slack);
    if (missing.length > 0) {
      fail(`cannot start without Slack settings. Missing:\n${missing.map((m) => `  - ${m}`).join('\n')}`);
    }
    log = createLogger({ level: config.logLevel, base: { app: 'mngbot' } });
    guardProcess(log);
    try {
      stop = await start(config, log);
    } catch (err) {
      if (err instanceof DataFileError) fail(`data file: ${err.message}`);
      if (err instanceof UserError || err instanceof ConfigError) fail(err.message);
      log.error('could not start', { error: err instanceof Error ? err : String(err) });
      process.exit(1);
    }
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    const timer = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    stop()
      .then(() => {
        log.info('stopped');
        process.exit(0);
      })
      .catch((err) => {
        log.error('shutdown failed', { error: errorMessage(err) });
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
