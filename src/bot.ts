// The bot: the use cases of one composition, shown in Slack, with the background work (windows,
// schedules, approval expiry) running beside. main.ts, the demo's bot process and the end-to-end
// tests all start it through here.
import type { Application } from './app/application.js';
import { startBackground, type Background } from './app/background.js';
import type { SlackSettings } from './config.js';
import type { Engine } from './engine/commands.js';
import type { Logger } from './log.js';
import type { WindowScheduler } from './schedule/scheduler.js';
import { createSlackApp, type SlackApp, type SlackAppDeps } from './slack/app.js';

export interface BotOptions {
  app: Application;
  slack: SlackSettings;
  log: Logger;
  /** Interface the Slack receiver listens on; all by default. */
  host?: string;
  /** Tests: the scheduler ticks only when told (bot.scheduler.tick). */
  schedulerTrigger?: 'cron' | 'manual';
  /** What keeps the bot from saving (compose.ts Deps.health). */
  health?: () => { problems: string[] };
  options?: Pick<SlackAppDeps, 'progressIntervalMs' | 'onEdit' | 'socketPingTimeoutMs'> & { expiryIntervalMs?: number };
}

export interface Bot {
  app: Application;
  engine: Engine;
  slack: SlackApp;
  scheduler: WindowScheduler;
  /** The Slack receiver's HTTP port (Socket Mode: its probes'). */
  port?: number;
  /** Runs picked up again from the store at start. */
  resumed: string[];
  stop(): Promise<void>;
}

export async function startBot(o: BotOptions): Promise<Bot> {
  const { app, log } = o;
  const slack = createSlackApp({
    settings: o.slack,
    app,
    log,
    ...(o.host ? { host: o.host } : {}),
    ...(o.health ? { health: o.health } : {}),
    ...(o.options?.progressIntervalMs !== undefined ? { progressIntervalMs: o.options.progressIntervalMs } : {}),
    ...(o.options?.onEdit ? { onEdit: o.options.onEdit } : {}),
    ...(o.options?.socketPingTimeoutMs !== undefined ? { socketPingTimeoutMs: o.options.socketPingTimeoutMs } : {}),
  });

  // Slack first, so the reporter hears what resumed runs say; then the runs; then the clock.
  const { port } = await slack.start();
  const resumed = await app.engine.start();
  let background: Background;
  try {
    background = await startBackground(app, {
      log,
      ...(o.schedulerTrigger ? { trigger: o.schedulerTrigger } : {}),
      ...(o.options?.expiryIntervalMs !== undefined ? { expiryIntervalMs: o.options.expiryIntervalMs } : {}),
    });
  } catch (err) {
    await app.engine.stop();
    await slack.stop();
    throw err;
  }

  return {
    app,
    engine: app.engine,
    slack,
    scheduler: background.scheduler,
    ...(port !== undefined ? { port } : {}),
    resumed,
    async stop() {
      // Stop starting things, let runs reach a safe point, then flush what Slack is still owed.
      await background.stop();
      await app.engine.stop();
      await slack.stop();
    },
  };
}
