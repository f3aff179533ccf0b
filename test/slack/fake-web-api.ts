// A small stand-in for Slack's Web API on 127.0.0.1, for tests and the benchmarks: they point the
// app's client at it (SLACK_API_URL). The demo does not use it: its console (src/console/) serves
// a Web API of its own. It records every call, keeps each message's latest state, and
// answers 429 with Retry-After when told to. It also takes interactivity responses (response_url),
// and, given an app-level token, serves Socket Mode as the console does (src/console/socket-mode-server.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SocketModeServer } from '../../src/console/socket-mode-server.js';

export interface RecordedCall {
  /** Web API method, or "response_url" for a POST to a response URL. */
  method: string;
  args: Record<string, unknown>;
  /** Real time the call arrived, ms (performance.now()). */
  at: number;
  /** HTTP status answered. */
  status: number;
  /** The request path (tells response URLs apart). */
  path: string;
  /** The token the call carried, reduced to its prefix (never stored whole). */
  tokenKind?: string;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
  /** How many times chat.update changed it. */
  updates: number;
  user: string;
}

export interface FakeUser {
  id: string;
  name: string;
  real_name?: string;
}

export interface FakeWebApiOptions {
  botUserId?: string;
  botId?: string;
  teamId?: string;
  users?: FakeUser[];
  /** User-group id → member user ids. */
  userGroups?: Record<string, string[]>;
  /** Socket Mode: the app-level token apps.connections.open takes. */
  appToken?: string;
}

type Handler = (args: Record<string, unknown>) => Record<string, unknown>;

export class FakeWebApi {
  readonly calls: RecordedCall[] = [];
  readonly messages = new Map<string, FakeMessage>();
  readonly users = new Map<string, FakeUser>();
  readonly userGroups = new Map<string, string[]>();
  readonly botUserId: string;
  readonly botId: string;
  readonly teamId: string;
  /** Given an appToken: the Socket Mode server, which delivers commands and clicks as envelopes. */
  readonly socketMode?: SocketModeServer;
  private server?: Server;
  private seq = 0;
  private readonly limits = new Map<string, { times: number; retryAfterSec: number }>();
  private readonly failures = new Map<string, { times: number; error: string }>();
  private readonly lostAnswers = new Map<string, number>();
  private readonly waiters = new Set<() => void>();
  private readonly handlers: Record<string, Handler>;

  constructor(opts: FakeWebApiOptions = {}) {
    this.botUserId = opts.botUserId ?? 'UBOT0001';
    this.botId = opts.botId ?? 'BBOT0001';
    this.teamId = opts.teamId ?? 'T0000001';
    for (const u of opts.users ?? []) this.users.set(u.id, u);
    for (const [g, members] of Object.entries(opts.userGroups ?? {})) this.userGroups.set(g, members);
    if (opts.appToken) this.socketMode = new SocketModeServer({ appToken: opts.appToken, appId: 'A0MNGBOT', origin: () => this.origin });
    this.handlers = {
      'auth.test': () => ({ url: 'https://fake.slack.test/', team: 'fake', user: 'mngbot', team_id: this.teamId, user_id: this.botUserId, bot_id: this.botId }),
      'chat.postMessage': (a) => this.post(a),
      'chat.update': (a) => this.update(a),
      'chat.delete': (a) => this.remove(a),
      'chat.postEphemeral': () => ({ message_ts: this.nextTs() }),
      'chat.getPermalink': (a) => {
        if (!this.messages.has(`${String(a.channel)}/${String(a.message_ts)}`)) return { ok: false, error: 'message_not_found' };
        return { channel: a.channel, permalink: `https://fake.slack.test/archives/${String(a.channel)}/p${String(a.message_ts).replace('.', '')}` };
      },
      'users.info': (a) => {
        const id = String(a.user ?? '');
        const user = this.users.get(id) ?? { id, name: id.toLowerCase() };
        return { user: { id: user.id, name: user.name, real_name: user.real_name ?? user.name, tz: 'UTC' } };
      },
      'usergroups.users.list': (a) => {
        const members = this.userGroups.get(String(a.usergroup ?? ''));
        if (!members) return { ok: false, error: 'no_such_subteam' };
        return { users: members };
      },
      'conversations.info': (a) => ({ channel: { id: a.channel, name: String(a.channel).toLowerCase(), is_member: true } }),
      'conversations.replies': (a) => {
        const thread = [...this.messages.values()].filter((m) => m.channel === a.channel && (m.ts === a.ts || m.thread_ts === a.ts));
        return { messages: thread.map((m) => ({ type: 'message', ts: m.ts, text: m.text, blocks: m.blocks, bot_id: this.botId, ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}) })) };
      },
    };
  }

  /** Base URL for the Web API client's slackApiUrl, ending in "/api/". */
  get url(): string {
    return `${this.origin}/api/`;
  }

  get origin(): string {
    const addr = this.server?.address() as AddressInfo | null | undefined;
    if (!addr) throw new Error('FakeWebApi is not listening');
    return `http://127.0.0.1:${addr.port}`;
  }

  /** A response_url that lands here; the id only tells calls apart. */
  responseUrl(id: string | number = ++this.seq): string {
    return `${this.origin}/response/${id}`;
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('upgrade', (req, socket, head: Buffer) => {
      if (this.socketMode) this.socketMode.upgrade(req, socket, head);
      else socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await this.socketMode?.close();
    server.closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The next `times` calls of the method answer 429 with Retry-After. */
  rateLimit(method: string, opts: { times?: number; retryAfterSec?: number } = {}): void {
    this.limits.set(method, { times: opts.times ?? 1, retryAfterSec: opts.retryAfterSec ?? 1 });
  }

  /** The next `times` calls of the method answer { ok: false, error }. */
  fail(method: string, error: string, times = 1): void {
    this.failures.set(method, { times, error });
  }

  /** The next `times` calls of the method are carried out, but their answer is lost: the connection drops. */
  loseAnswer(method: string, times = 1): void {
    this.lostAnswers.set(method, times);
  }

  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** What the app posted to one response URL. */
  responses(responseUrl: string): Record<string, unknown>[] {
    const path = new URL(responseUrl).pathname;
    return this.calls.filter((c) => c.method === 'response_url' && c.path === path).map((c) => c.args);
  }

  /** Messages in a thread (replies only, oldest first). */
  thread(channel: string, threadTs: string): FakeMessage[] {
    return [...this.messages.values()].filter((m) => m.channel === channel && m.thread_ts === threadTs && m.ts !== threadTs);
  }

  message(channel: string, ts: string): FakeMessage | undefined {
    return this.messages.get(`${channel}/${ts}`);
  }

  /** Resolves when the predicate holds, checking after every call; rejects after timeoutMs. */
  waitFor<T>(predicate: () => T | undefined | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        let value: T | undefined | false;
        try {
          value = predicate();
        } catch (err) {
          cleanup();
          reject(err);
          return;
        }
        if (value) {
          cleanup();
          resolve(value);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`FakeWebApi: timed out after ${timeoutMs} ms waiting for ${what}; calls: ${this.calls.map((c) => c.method).join(', ')}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  private nextTs(): string {
    this.seq++;
    return `1767225600.${String(this.seq).padStart(6, '0')}`;
  }

  private post(a: Record<string, unknown>): Record<string, unknown> {
    const channel = String(a.channel ?? '');
    if (!channel) return { ok: false, error: 'channel_not_found' };
    if (!a.text && !a.blocks) return { ok: false, error: 'no_text' };
    const ts = this.nextTs();
    const msg: FakeMessage = {
      channel,
      ts,
      text: String(a.text ?? ''),
      updates: 0,
      user: this.botUserId,
      ...(a.blocks ? { blocks: a.blocks as unknown[] } : {}),
      ...(a.thread_ts ? { thread_ts: String(a.thread_ts) } : {}),
    };
    this.messages.set(`${channel}/${ts}`, msg);
    return { channel, ts, message: { type: 'message', text: msg.text, ts, user: msg.user, bot_id: this.botId } };
  }

  private update(a: Record<string, unknown>): Record<string, unknown> {
    const channel = String(a.channel ?? '');
    const ts = String(a.ts ?? '');
    const msg = this.messages.get(`${channel}/${ts}`);
    if (!msg) return { ok: false, error: 'message_not_found' };
    if (a.text !== undefined) msg.text = String(a.text);
    if (a.blocks !== undefined) msg.blocks = a.blocks as unknown[];
    msg.updates++;
    return { channel, ts, text: msg.text };
  }

  private remove(a: Record<string, unknown>): Record<string, unknown> {
    const key = `${String(a.channel ?? '')}/${String(a.ts ?? '')}`;
    if (!this.messages.delete(key)) return { ok: false, error: 'message_not_found' };
    return { channel: a.channel, ts: a.ts };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const args = parseBody(body, String(req.headers['content-type'] ?? ''));
    for (const [k, v] of url.searchParams) if (!(k in args)) args[k] = v;
    const auth = String(req.headers.authorization ?? '');
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : typeof args.token === 'string' ? args.token : '';
    delete args.token;
    const tokenKind = token ? token.split('-')[0] : undefined;
    const method = url.pathname.startsWith('/response/')
      ? 'response_url'
      : url.pathname.startsWith('/api/')
        ? url.pathname.slice('/api/'.length)
        : `unknown:${url.pathname}`;

    const respond = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      this.calls.push({ method, args, at: performance.now(), status, path: url.pathname, ...(tokenKind ? { tokenKind } : {}) });
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(payload));
      for (const w of [...this.waiters]) w();
    };

    if (method === 'response_url') {
      respond(200, { ok: true });
      return;
    }
    if (method.startsWith('unknown:')) {
      respond(404, { ok: false, error: 'unknown_method' });
      return;
    }

    const limit = this.limits.get(method);
    if (limit && limit.times > 0) {
      limit.times--;
      respond(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(limit.retryAfterSec) });
      return;
    }
    if (!token) {
      respond(200, { ok: false, error: 'not_authed' });
      return;
    }
    const failure = this.failures.get(method);
    if (failure && failure.times > 0) {
      failure.times--;
      respond(200, { ok: false, error: failure.error });
      return;
    }
    if (method === 'apps.connections.open') {
      respond(200, this.socketMode?.openConnection(token) ?? { ok: false, error: 'not_allowed_token_type' });
      return;
    }
    const handler = this.handlers[method];
    if (!handler) {
      respond(200, { ok: false, error: 'unknown_method' });
      return;
    }
    const out = handler(args);
    const lose = this.lostAnswers.get(method) ?? 0;
    if (lose > 0) {
      this.lostAnswers.set(method, lose - 1);
      this.calls.push({ method, args, at: performance.now(), status: 0, path: url.pathname, ...(tokenKind ? { tokenKind } : {}) });
      res.socket?.destroy();
      return;
    }
    respond(200, { ok: true, ...out });
  }
}

/** The Web API posts form-encoded bodies whose object fields (blocks, …) are JSON strings; some clients post JSON. */
function parseBody(body: string, contentType: string): Record<string, unknown> {
  if (!body) return {};
  if (contentType.includes('application/json')) {
    try {
      const parsed = JSON.parse(body) as unknown;
      return typeof parsed === 'object' && parsed !== null ? { ...(parsed as Record<string, unknown>) } : {};
    } catch {
      return { _unparsed: body };
    }
  }
  const args: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(body)) {
    if ((v.startsWith('[') || v.startsWith('{')) && ['blocks', 'attachments', 'metadata'].includes(k)) {
      try {
        args[k] = JSON.parse(v);
        continue;
      } catch {
        // keep the text
      }
    }
    args[k] = v;
  }
  return args;
}
