// The bot: the use cases of one composition, shown in Slack, with the background work (windows,
// schedules, approval expiry) running beside. main.ts, the demo's bot process and the end-to-end
// tests all start it through here.
import type { Application } from './app/application.js';
import { startBackground, type Background } from './app/background.js';
import type { SlackSettings } from './config.js';
import type { Engine } from './engine/commands.js';
import type { Logger } from './log.js';
import type { Replicas } from './app/compose.js';
import { errorMessage } from './engine/errors.js';
import { setLeader } from './metrics/registry.js';
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
  /**
   * Several replicas (MNG_STORE=kubernetes): every one answers Slack; only the one holding the lease
   * drives runs and runs the background work, from the moment it leads until it stops.
   */
  replicas?: Replicas;
}

export interface Bot {
  app: Application;
  engine: Engine;
  slack: SlackApp;
  /** With replicas: there only while this one leads. */
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
    ...(o.replicas ? { catchUpAtStart: false } : {}),
  });
  if (o.replicas) return startReplica(o, slack, o.replicas);
  // The only replica is its own leader.
  setLeader(true);

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

/** One of several replicas: Slack at once; runs, schedules and expiry while it holds the lease. */
async function startReplica(o: BotOptions, slack: SlackApp, replicas: Replicas): Promise<Bot> {
  const { app, log } = o;
  const { port } = await slack.start();
  let background: Background | undefined;
  const resumed: string[] = [];
  // One change of role at a time, in order: leading starts only once following has finished.
  let turn: Promise<void> = Promise.resolve();
  const lead = async () => {
    const ids = await app.engine.start();
    resumed.splice(0, resumed.length, ...ids);
    background = await startBackground(app, {
      log,
      ...(o.schedulerTrigger ? { trigger: o.schedulerTrigger } : {}),
      ...(o.options?.expiryIntervalMs !== undefined ? { expiryIntervalMs: o.options.expiryIntervalMs } : {}),
    });
    const caught = await slack.reporter.catchUp();
    log.info('leading: driving runs', { identity: replicas.identity, resumed: ids, ...(caught.length ? { endsShown: caught } : {}) });
  };
  const follow = async () => {
    await background?.stop();
    background = undefined;
    await app.engine.runner.standDown();
    log.info('following: another replica drives runs', { identity: replicas.identity });
  };
  setLeader(false);
  const unsubscribe = replicas.onChange((leading) => {
    setLeader(leading);
    turn = turn.then(leading ? lead : follow).catch((err) => log.error(leading ? 'could not take up leading' : 'could not stand down', { error: errorMessage(err) }));
  });
  replicas.start();
  return {
    app,
    engine: app.engine,
    slack,
    get scheduler() {
      if (!background) throw new Error('this replica does not lead: the scheduler runs on the leader');
      return background.scheduler;
    },
    ...(port !== undefined ? { port } : {}),
    resumed,
    async stop() {
      await background?.stop();
      await app.engine.stop();
      // The lease goes back once nothing of this replica's is under way; the other takes over at once.
      unsubscribe();
      await replicas.stop();
      await turn;
      await slack.stop();
    },
  };
}
