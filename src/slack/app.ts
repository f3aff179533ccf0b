// The Bolt app: HTTP (POST /slack/events, GET /livez, /readyz, /healthz, /metrics) or Socket Mode, the /mng command, the
// buttons, the progress reporter and the approval-expiry timer. Nothing here knows which world
// (simulator or AWS) is behind the engine.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel, SocketModeReceiver, webApi, type Logger as BoltLogger } from '@slack/bolt';
import type { Application } from '../app/application.js';
import type { SlackSettings } from '../config.js';
import { errorMessage } from '../engine/errors.js';
import type { Logger } from '../log.js';
import { registry } from '../metrics/registry.js';
import { countRuns } from '../metrics/run-metrics.js';
import { meteredFetch } from '../metrics/slack-fetch.js';
import { ACTION_APPROVE, ACTION_REJECT } from './blocks/plan.js';
import { ACTION_DECIDE_PREFIX } from './blocks/thread.js';
import { approveAction } from './listeners/actions/approve.js';
import { CONTROL_ACTION_IDS, controlAction } from './listeners/actions/control.js';
import { decideAction } from './listeners/actions/decide.js';
import { rejectAction } from './listeners/actions/reject.js';
import { rollbackAction } from './listeners/actions/rollback.js';
import { ACTION_ROLLBACK } from './blocks/rollback.js';
import { mngCommand } from './listeners/commands/mng.js';
import type { ActionArgs, CommandArgs, HandlerDeps } from './listeners/deps.js';
import { deliveryKey, SeenDeliveries } from './deliveries.js';
import { ProgressReporter, type ChatApi, type EditRecord } from './progress.js';
import { guardSlackRequests } from './request-guard.js';
import { showScheduledUpgrade } from './scheduled-upgrade.js';
import { postAmiWatch } from './ami-watch-post.js';
import { ACTION_AMI_SCHEDULE } from './blocks/fleet.js';
import { amiScheduleAction } from './listeners/actions/ami-schedule.js';

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
  /**
   * Socket Mode: how long the client waits for a pong before it calls the connection dead, and the
   * unit of its back-off before reconnecting (that many ms times the failures in a row); Bolt's 5,000
   * by default. Tests shorten it.
   */
  socketPingTimeoutMs?: number;
  /** false: a follower replica, whose leader shows run ends Slack missed (the bot calls reporter.catchUp once it leads). */
  catchUpAtStart?: boolean;
}

export interface SlackApp {
  readonly app: App;
  readonly reporter: ProgressReporter;
  readonly ready: boolean;
  /** Starts listening (Socket Mode: connected); resolves with the HTTP port (HTTP mode, or Socket Mode's probes). */
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
  // Every Web API client made from these options counts its calls and 429s (mngbot_slack_*).
  const clientOptions = { ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {}), fetch: meteredFetch() };
  let ready = false;
  let server: Server | undefined;
  let probes: Server | undefined;
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
  // /healthz (kept for existing checks, the image's HEALTHCHECK among them): started, and the store can
  // save. Readiness also waits for Slack's connection in Socket Mode.
  const health = probe('/healthz', false);
  const readiness = probe('/readyz', true);
  // Liveness: only that the process answers. A store that cannot save or a lost Slack connection is
  // not cured by a restart (the bot retries both itself), so it takes the pod out of readiness instead.
  const liveness = {
    path: '/livez',
    method: ['GET'],
    handler: (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    },
  };
  const metricsRoute = {
    path: '/metrics',
    method: ['GET'],
    handler: (_req: IncomingMessage, res: ServerResponse) => {
      countRuns()
        .catch((err: unknown) => log.warn('could not count runs for /metrics', { error: errorMessage(err) }))
        .then(() => registry.metrics())
        .then(
          (text) => {
            res.writeHead(200, { 'content-type': registry.contentType });
            res.end(text);
          },
          (err: unknown) => {
            res.writeHead(500, { 'content-type': 'text/plain' });
            res.end(`metrics: ${errorMessage(err)}`);
          },
        );
    },
  };
  const routes = [health, readiness, liveness, metricsRoute];

  const logger = boltLogger(log.child({ component: 'bolt' }));
  let receiver: SocketModeReceiver | HTTPReceiver;
  if (settings.socketMode) {
    receiver = new SocketModeReceiver({
      appToken: settings.appToken ?? '',
      // The Socket Mode client opens its connection (apps.connections.open) with a Web API client of
      // its own, built from these options: without them it goes to slack.com whatever SLACK_API_URL says.
      installerOptions: { clientOptions },
      logger,
      ...(deps.socketPingTimeoutMs !== undefined ? { clientPingTimeout: deps.socketPingTimeoutMs } : {}),
    });
    // The probes get a server of ours, on the host asked for (Bolt's listens on every interface).
    probes = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      const route = routes.find((r) => r.path === path && req.method === 'GET');
      if (route) return route.handler(req, res);
      res.writeHead(404).end();
    });
    watchConnection(receiver.client);
  } else {
    const http = new HTTPReceiver({
      signingSecret: settings.signingSecret ?? '',
      endpoints: EVENTS_PATH,
      customRoutes: routes,
      logger,
    });
    http.requestListener = guardSlackRequests(http.requestListener, {
      signingSecret: settings.signingSecret ?? '',
      endpoints: [EVENTS_PATH],
      log: log.child({ component: 'request-guard' }),
    });
    receiver = http;
  }

  /**
   * Readiness follows the connection. The client says 'close' as soon as the socket is gone (Slack
   * asked for a refresh, or the network dropped it) and 'connected' once Slack's hello arrives on the
   * new one; its own 'reconnecting' only comes after a back-off of several seconds.
   */
  function watchConnection(socket: SocketModeReceiver['client']): void {
    let everConnected = false;
    let lostAt = 0;
    socket.on('connected', () => {
      if (!connected) {
        if (everConnected) log.info('reconnected to Slack (Socket Mode)', { downMs: Date.now() - lostAt });
        else log.info('connected to Slack (Socket Mode)');
      }
      connected = true;
      everConnected = true;
    });
    for (const state of ['close', 'disconnected'] as const) {
      socket.on(state, () => {
        if (connected && ready) log.warn("Slack's Socket Mode connection closed; reconnecting");
        if (connected) lostAt = Date.now();
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
  const watch = deps.app.amiWatchSettings;
  if (watch && !watch.channel) log.warn('the AMI watch has no channel to post in: set amiWatch.channel in MNG_CONFIG (or name channels for a cluster), or turn it off with MNG_AMI_WATCH=off');
  const unsubscribeWatch = deps.app.onAmiWatch((finding) => postAmiWatch(app.client as unknown as ChatApi, finding, log.child({ component: 'ami-watch' })));

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
  app.action(new RegExp(`^${ACTION_DECIDE_PREFIX}(force|skip|abort|continue)$`), (args) => decideAction(handlerDeps, args as unknown as ActionArgs));
  app.action(ACTION_AMI_SCHEDULE, (args) => amiScheduleAction(handlerDeps, args as unknown as ActionArgs));
  app.action(ACTION_ROLLBACK, (args) => rollbackAction(handlerDeps, args as unknown as ActionArgs));
  app.action(CONTROL_ACTION_IDS, (args) => controlAction(handlerDeps, args as unknown as ActionArgs));
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
      const caught = await (deps.catchUpAtStart === false ? Promise.resolve([]) : reporter.catchUp()).catch((err) => {
        log.warn('could not look for run ends Slack has not seen', { error: errorMessage(err) });
        return [];
      });
      if (caught.length) log.info('showing the end of runs that ended while the bot was stopping', { runs: caught });
      let port: number | undefined;
      if (probes) {
        // Probes first: they answer 503 until Slack's hello.
        const listening = probes;
        await new Promise<void>((resolve, reject) => {
          listening.once('error', reject);
          listening.listen(settings.port, deps.host, () => {
            listening.off('error', reject);
            resolve();
          });
        });
        port = (listening.address() as AddressInfo).port;
        await app.start().catch(async (err: unknown) => {
          await new Promise((resolve) => listening.close(resolve));
          throw err;
        });
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
      unsubscribeWatch();
      try {
        server?.closeAllConnections?.();
        await app.stop();
        if (probes?.listening) {
          probes.closeAllConnections();
          await new Promise((resolve) => probes!.close(resolve));
        }
      } catch (err) {
        log.warn('receiver did not stop cleanly', { error: errorMessage(err) });
      }
      await reporter.stop();
    },
  };
}
