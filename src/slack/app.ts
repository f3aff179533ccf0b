// The Bolt app: HTTP (POST /slack/events, GET /healthz) or Socket Mode, the /mng command, the
// buttons, the progress reporter and the approval-expiry timer. Nothing here knows which world
// (simulator or AWS) is behind the engine.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel, SocketModeReceiver, webApi, type Logger as BoltLogger } from '@slack/bolt';
import type { Application } from '../app/application.js';
import type { SlackSettings } from '../config.js';
import { errorMessage } from '../engine/errors.js';
import type { Logger } from '../log.js';
import { ACTION_APPROVE, ACTION_REJECT } from './blocks/plan.js';
import { ACTION_DECIDE_PREFIX } from './blocks/thread.js';
import { approveAction } from './listeners/actions/approve.js';
import { decideAction } from './listeners/actions/decide.js';
import { rejectAction } from './listeners/actions/reject.js';
import { mngCommand } from './listeners/commands/mng.js';
import type { ActionArgs, CommandArgs, HandlerDeps } from './listeners/deps.js';
import { deliveryKey, SeenDeliveries } from './deliveries.js';
import { ProgressReporter, type ChatApi, type EditRecord } from './progress.js';
import { guardSlackRequests } from './request-guard.js';
import { showScheduledUpgrade } from './scheduled-upgrade.js';

export interface SlackAppDeps {
  settings: SlackSettings;
  /** The use cases the listeners call. */
  app: Application;
  log: Logger;
  /** Interface to listen on in HTTP mode; all by default (tests use 127.0.0.1). */
  host?: string;
  /** The slash command; "/mng" by default. */
  command?: string;
  /** Shortest real ms between two edits of one message; 1000 by default. */
  progressIntervalMs?: number;
  onEdit?: (e: EditRecord) => void;
  /** What is wrong with the bot's state (the store cannot save…): /healthz and /readyz answer 503 while any. */
  health?: () => { problems: string[] };
}

export interface SlackApp {
  readonly app: App;
  readonly reporter: ProgressReporter;
  readonly ready: boolean;
  /** Starts listening; resolves with the HTTP port (HTTP mode, or Socket Mode's health port). */
  start(): Promise<{ port?: number }>;
  /** Stops taking requests, then flushes what Slack is still owed (final states, summaries). */
  stop(): Promise<void>;
}

const EVENTS_PATH = '/slack/events';

/** Bolt logs through ours, so its lines are JSON too and pass the same redaction. */
export function boltLogger(log: Logger): BoltLogger {
  let level = LogLevel.INFO;
  let name = 'bolt';
  const text = (parts: unknown[]) => parts.map((p) => (typeof p === 'string' ? p : p instanceof Error ? p.message : JSON.stringify(p))).join(' ');
  return {
    debug: (...m: unknown[]) => log.debug(text(m), { component: name }),
    info: (...m: unknown[]) => log.info(text(m), { component: name }),
    warn: (...m: unknown[]) => log.warn(text(m), { component: name }),
    error: (...m: unknown[]) => log.error(text(m), { component: name }),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: (n: string) => {
      name = n;
    },
  };
}

export function createSlackApp(deps: SlackAppDeps): SlackApp {
  const { settings, log } = deps;
  if (!settings.botToken) throw new Error('createSlackApp: SLACK_BOT_TOKEN is required');
  const clientOptions = settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {};
  let ready = false;
  let server: Server | undefined;
  // Socket Mode: Slack's connection, which drops and comes back on its own. HTTP mode has none.
  let connected = !settings.socketMode;

  /** What keeps the bot from doing its work: the store, and (for readiness) Slack's connection. */
  const problems = (forReadiness: boolean): string[] => [
    ...(ready ? [] : ['starting or stopping']),
    ...(deps.health?.().problems ?? []),
    ...(forReadiness && !connected ? ['not connected to Slack (Socket Mode); reconnecting'] : []),
  ];
  const probe = (path: string, forReadiness: boolean) => ({
    path,
    method: ['GET'],
    handler: (_req: IncomingMessage, res: ServerResponse) => {
      const found = problems(forReadiness);
      res.writeHead(found.length ? 503 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(found.length ? { ok: false, problems: found } : { ok: true }));
    },
  });
  // Liveness: a store that cannot save turns it 503, so Kubernetes restarts the pod (which reloads the
  // last saved state). Readiness also waits for Slack's connection in Socket Mode.
  const health = probe('/healthz', false);
  const readiness = probe('/readyz', true);

  const logger = boltLogger(log.child({ component: 'bolt' }));
  let receiver: SocketModeReceiver | HTTPReceiver;
  if (settings.socketMode) {
    receiver = new SocketModeReceiver({
      appToken: settings.appToken ?? '',
      customRoutes: [health, readiness],
      installerOptions: { port: settings.port },
      logger,
    });
  } else {
    const http = new HTTPReceiver({
      signingSecret: settings.signingSecret ?? '',
      endpoints: EVENTS_PATH,
      customRoutes: [health, readiness],
      logger,
    });
    http.requestListener = guardSlackRequests(http.requestListener, {
      signingSecret: settings.signingSecret ?? '',
      endpoints: [EVENTS_PATH],
      log: log.child({ component: 'request-guard' }),
    });
    receiver = http;
  }
  if (receiver instanceof SocketModeReceiver) {
    const socket = receiver.client;
    socket.on('connected', () => {
      if (!connected) log.info('connected to Slack (Socket Mode)');
      connected = true;
    });
    for (const state of ['disconnected', 'reconnecting'] as const) {
      socket.on(state, () => {
        if (connected) log.warn(`Slack's Socket Mode connection ${state === 'reconnecting' ? 'dropped; reconnecting' : 'closed'}`);
        connected = false;
      });
    }
  }
  const app = new App({
    token: settings.botToken,
    receiver,
    clientOptions,
    logger,
    // auth.test runs in init(), where a failure stops the start instead of surfacing later.
    deferInitialization: true,
  });

  // The reporter gets its own client that hands 429s back: it decides what to resend, and when.
  const reporterClient = new webApi.WebClient(settings.botToken, {
    ...clientOptions,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    logger,
  });
  const reporter = new ProgressReporter({
    engine: deps.app.engine,
    client: reporterClient as unknown as ChatApi,
    clock: deps.app.clock,
    log: log.child({ component: 'progress' }),
    ...(deps.progressIntervalMs !== undefined ? { minIntervalMs: deps.progressIntervalMs } : {}),
    ...(deps.onEdit ? { onEdit: deps.onEdit } : {}),
    windowsFor: (ref) => deps.app.windowsOf(ref),
  });
  deps.app.approvers.useClient?.(app.client);

  const handlerDeps: HandlerDeps = { app: deps.app, reporter, log: log.child({ component: 'slack' }) };
  const unsubscribe = deps.app.onScheduleFired((firing) => showScheduledUpgrade(handlerDeps, app.client as unknown as ChatApi, firing));

  const seen = new SeenDeliveries();
  app.use(async (args) => {
    const key = deliveryKey(args.body);
    if (key && !seen.first(key)) {
      log.info('repeated delivery from Slack dropped', { key, retryNum: args.context.retryNum, retryReason: args.context.retryReason });
      await (args as { ack?: () => Promise<void> }).ack?.();
      return;
    }
    await args.next();
  });
  app.command(deps.command ?? '/mng', (args) => mngCommand(handlerDeps, args as unknown as CommandArgs));
  app.action(ACTION_APPROVE, (args) => approveAction(handlerDeps, args as unknown as ActionArgs));
  app.action(ACTION_REJECT, (args) => rejectAction(handlerDeps, args as unknown as ActionArgs));
  app.action(new RegExp(`^${ACTION_DECIDE_PREFIX}(force|skip|abort)$`), (args) => decideAction(handlerDeps, args as unknown as ActionArgs));
  app.error(async (err) => {
    log.error('bolt error', { error: errorMessage(err) });
  });

  return {
    app,
    reporter,
    get ready() {
      return ready;
    },
    async start() {
      await app.init();
      reporter.start();
      const caught = await reporter.catchUp().catch((err) => {
        log.warn('could not look for run ends Slack has not seen', { error: errorMessage(err) });
        return [];
      });
      if (caught.length) log.info('showing the end of runs that ended while the bot was stopping', { runs: caught });
      let port: number | undefined;
      if (settings.socketMode) {
        await app.start();
        port = settings.port;
      } else {
        server = (await app.start({ port: settings.port, ...(deps.host ? { host: deps.host } : {}) })) as Server;
        port = (server.address() as AddressInfo).port;
      }
      ready = true;
      log.info('slack app started', { mode: settings.socketMode ? 'socket' : 'http', port, apiUrl: settings.apiUrl });
      return { port };
    },
    async stop() {
      ready = false;
      unsubscribe();
      try {
        server?.closeAllConnections?.();
        await app.stop();
      } catch (err) {
        log.warn('receiver did not stop cleanly', { error: errorMessage(err) });
      }
      await reporter.stop();
    },
  };
}
