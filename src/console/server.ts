// The console: a local stand-in for Slack on 127.0.0.1, so that the bot can be used without a
// Slack workspace. One HTTP server serves
//   /                      the page (one channel, threads, buttons, a user switcher)
//   /events?user=U…        live updates for the page (Server-Sent Events)
//   /console/type, /console/click   what the person in the page does
//   /console/people, /console/state  who one can act as; what one of them sees (JSON)
//   /api/<method>          the Slack Web API methods the bot calls (point SLACK_API_URL here)
//   /response/<id>         response URLs handed to the bot with commands and clicks
//   /link/?ticket=…        Socket Mode's WebSocket (apps.connections.open hands these out)
//   /healthz
// and sends the bot what Slack would, slash commands and block_actions payloads: signed requests to
// its /slack/events, or, in Socket Mode, envelopes on the WebSocket the bot opened.
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname } from 'node:path';
import { errorMessage } from '../engine/errors.js';
import { silentLogger, type Logger } from '../log.js';
import { APP_ID, httpTransport, type BotTransport, type Team } from './bot-requests.js';
import { LiveUpdates, type Snapshot } from './live-updates.js';
import { PersonActions } from './person-actions.js';
import { BodyTooLargeError, parseArgs, readBody } from './request-body.js';
import { RESPONSE_PATH, ResponseUrls } from './response-urls.js';
import { SocketModeServer } from './socket-mode-server.js';
import { ConsoleWebApi } from './web-api.js';
import { Workspace, type ConsoleChannel, type ConsoleUser } from './workspace.js';

export type { ConsoleChannel, ConsoleUser } from './workspace.js';

export interface ConsoleOptions {
  /**
   * HTTP mode: the bot's request URL, e.g. "http://127.0.0.1:3000/slack/events". A function is read
   * at each request: the bot may start after the console (it needs the console's apiUrl first).
   */
  botEventsUrl?: string | (() => string);
  /** HTTP mode: the bot's SLACK_SIGNING_SECRET; the console signs its requests with it. */
  signingSecret?: string;
  /**
   * Socket Mode: the bot's SLACK_APP_TOKEN (xapp-…). Given, the console serves apps.connections.open
   * and the WebSocket, and reaches the bot only through it.
   */
  appToken?: string;
  /** The bot's SLACK_BOT_TOKEN: Web API calls without it are refused, as Slack would. */
  botToken: string;
  /** The people one can act as in the page; the first is the default. */
  users: ConsoleUser[];
  /** 0 (any free port) by default. */
  port?: number;
  /** 127.0.0.1 by default. */
  host?: string;
  /** The one channel; { id: "C0PLATFORMOPS", name: "platform-ops" } by default. */
  channel?: ConsoleChannel;
  /** The bot's slash command; "/mng" by default. */
  command?: string;
  /** Commands offered under the message box, one click to fill it in. */
  hints?: string[];
  /** User-group id → member user ids, for approvers given as groups. */
  userGroups?: Record<string, string[]>;
  bot?: { userId?: string; botId?: string; name?: string };
  /** Channel messages kept, threads included; 500 by default. */
  maxMessages?: number;
  /** Bytes of live updates a page may leave unread before it is dropped (it reconnects); 8 MiB by default. */
  maxPageBacklogBytes?: number;
  log?: Logger;
}

export interface ConsoleServer {
  /** The page, e.g. "http://127.0.0.1:4000/". */
  readonly url: string;
  /** The bot's SLACK_API_URL, e.g. "http://127.0.0.1:4000/api/". */
  readonly apiUrl: string;
  /** How the bot is reached. */
  readonly transport: 'http' | 'socket';
  /** Socket Mode's server: its connection state, and refresh() / drop() / loseNextAck() to play its life. */
  readonly socketMode?: SocketModeServer;
  close(): Promise<void>;
}

export const DEFAULT_CHANNEL: ConsoleChannel = { id: 'C0PLATFORMOPS', name: 'platform-ops' };
const TEAM: Team = { id: 'T0CONSOLE', domain: 'mngbot-console' };

const PAGE_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
};

/** Every file of page/, read once: the page is plain HTML, CSS and ES modules, with no build step. */
async function loadPage(): Promise<Map<string, { body: Buffer; type: string }>> {
  const dir = new URL('./page/', import.meta.url);
  const out = new Map<string, { body: Buffer; type: string }>();
  for (const file of await readdir(dir)) {
    const type = PAGE_TYPES[extname(file)];
    if (!type) continue;
    const body = await readFile(new URL(file, dir));
    out.set(file === 'index.html' ? '/' : `/${file}`, { body, type });
  }
  return out;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function bearer(req: IncomingMessage, args: Record<string, unknown>): string | undefined {
  const auth = String(req.headers.authorization ?? '');
  if (auth.startsWith('Bearer ')) return auth.slice(7).trim();
  return typeof args.token === 'string' ? args.token : undefined;
}

/** The page's own requests: JSON only, and from the page's origin (no other site can drive the bot through it). */
function fromThePage(req: IncomingMessage): boolean {
  if (!String(req.headers['content-type'] ?? '').includes('application/json')) return false;
  const origin = req.headers.origin;
  return !origin || origin === `http://${req.headers.host}`;
}

export async function startConsole(opts: ConsoleOptions): Promise<ConsoleServer> {
  if (opts.users.length === 0) throw new Error('startConsole: at least one user is needed');
  const log = opts.log ?? silentLogger;
  const page = await loadPage();
  const command = opts.command ?? '/mng';
  const workspace = new Workspace({
    channel: opts.channel ?? DEFAULT_CHANNEL,
    users: opts.users,
    bot: { userId: opts.bot?.userId ?? 'U0MNGBOT', botId: opts.bot?.botId ?? 'B0MNGBOT', name: opts.bot?.name ?? 'mngbot' },
    ...(opts.maxMessages !== undefined ? { maxMessages: opts.maxMessages } : {}),
  });
  let origin = '';
  const socketMode = opts.appToken ? new SocketModeServer({ appToken: opts.appToken, appId: APP_ID, origin: () => origin, log }) : undefined;
  const webApi = new ConsoleWebApi({
    workspace,
    botToken: opts.botToken,
    teamId: TEAM.id,
    ...(opts.userGroups ? { userGroups: opts.userGroups } : {}),
    ...(socketMode ? { openConnection: (token: string | undefined) => socketMode.openConnection(token) } : {}),
  });
  const responseUrls = new ResponseUrls({ workspace });
  let transport: BotTransport;
  if (socketMode) {
    transport = socketMode;
  } else {
    const { botEventsUrl, signingSecret } = opts;
    if (botEventsUrl === undefined || signingSecret === undefined) throw new Error('startConsole: botEventsUrl and signingSecret are needed without appToken (HTTP mode)');
    const eventsUrl = typeof botEventsUrl === 'function' ? botEventsUrl : () => botEventsUrl;
    transport = httpTransport({ eventsUrl, signingSecret });
  }
  const actions = new PersonActions({ workspace, responseUrls, transport, team: TEAM, origin: () => origin, command });
  const connection = () => ({ kind: transport.kind, ...(socketMode ? { connected: socketMode.connected } : {}) });
  const snapshot = (user: string): Snapshot => ({
    me: user,
    users: workspace.users,
    bot: { userId: workspace.bot.userId, name: workspace.bot.name },
    channel: workspace.channel,
    command,
    hints: opts.hints ?? [`${command} help`, `${command} list`],
    transport: connection(),
    messages: workspace.history(),
    ephemerals: workspace.ephemeralsFor(user),
  });
  const live = new LiveUpdates({ workspace, snapshot, ...(opts.maxPageBacklogBytes !== undefined ? { maxBufferedBytes: opts.maxPageBacklogBytes } : {}) });
  socketMode?.onChange(() => live.announce('transport', connection()));
  const known = (user: string | null): user is string => !!user && workspace.users.some((u) => u.id === user);

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const method = req.method ?? 'GET';

    if (path.startsWith('/api/')) {
      const body = method === 'POST' ? await readBody(req) : '';
      const args = parseArgs(body, String(req.headers['content-type'] ?? ''), url.searchParams);
      const token = bearer(req, args);
      delete args.token;
      const answer = webApi.call(path.slice('/api/'.length), args, token);
      sendJson(res, answer.status, answer.body);
      return;
    }
    if (path.startsWith(RESPONSE_PATH) && method === 'POST') {
      const body = await readBody(req);
      const args = parseArgs(body, String(req.headers['content-type'] ?? 'application/json'));
      const answer = responseUrls.answer(path, typeof args.payload === 'string' ? (parseArgs(args.payload, 'application/json')) : args);
      sendJson(res, answer.status, answer.body);
      return;
    }
    if (path === '/healthz') {
      // What the console holds: every figure is bounded, whatever the session's length.
      sendJson(res, 200, { ok: true, transport: connection(), messages: workspace.size, ephemerals: workspace.ephemeralCount, responseUrls: responseUrls.size, pages: live.connected });
      return;
    }
    if (path === '/events' && method === 'GET') {
      const user = url.searchParams.get('user');
      if (!known(user)) return sendJson(res, 400, { ok: false, error: 'unknown_user' });
      live.connect(req, res, user);
      return;
    }
    if (path === '/console/people' && method === 'GET') {
      sendJson(res, 200, { users: workspace.users });
      return;
    }
    if (path === '/console/state' && method === 'GET') {
      const user = url.searchParams.get('user');
      if (!known(user)) return sendJson(res, 400, { ok: false, error: 'unknown_user' });
      sendJson(res, 200, snapshot(user));
      return;
    }
    if ((path === '/console/type' || path === '/console/click') && method === 'POST') {
      if (!fromThePage(req)) return sendJson(res, 403, { ok: false, error: 'not_from_the_page' });
      const args = parseArgs(await readBody(req, 64 * 1024), 'application/json');
      const s = (k: string) => (typeof args[k] === 'string' ? (args[k] as string) : undefined);
      const result =
        path === '/console/type'
          ? await actions.type(s('user') ?? '', s('text') ?? '', s('thread_ts'))
          : await actions.click(s('user') ?? '', s('ts') ?? '', s('action_id') ?? '', s('block_id'));
      sendJson(res, result.status, result.body);
      return;
    }
    const file = method === 'GET' ? page.get(path) : undefined;
    if (file) {
      res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
      res.end(file.body);
      return;
    }
    sendJson(res, 404, { ok: false, error: 'not_found' });
  };

  const server: Server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (err instanceof BodyTooLargeError) {
        if (!res.headersSent) sendJson(res, 413, { ok: false, error: 'request_too_large' });
        req.resume();
        return;
      }
      log.error('console request failed', { path: req.url, error: errorMessage(err) });
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'internal_error' });
      else res.end();
    });
  });
  server.on('upgrade', (req, socket, head: Buffer) => {
    if (socketMode) socketMode.upgrade(req, socket, head);
    else socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  // Reached from this machine: 0.0.0.0 listens everywhere but is not an address to call.
  origin = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${addr.port}`;
  log.info('console started', { url: `${origin}/`, channel: `#${workspace.channel.name}`, transport: transport.kind });

  return {
    url: `${origin}/`,
    apiUrl: `${origin}/api/`,
    transport: transport.kind,
    ...(socketMode ? { socketMode } : {}),
    async close() {
      live.close();
      await socketMode?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
