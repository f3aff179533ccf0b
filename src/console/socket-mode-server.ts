// Slack's Socket Mode, served on 127.0.0.1 as Slack serves it. apps.connections.open, called with
// the app-level token, hands out a one-time ws:// URL; on connecting the app gets `hello`; every slash
// command and click then arrives as an envelope ({ envelope_id, type, payload,
// accepts_response_payload, retry_attempt, retry_reason }) that the app acknowledges by envelope_id.
// An envelope whose connection goes before its ack is delivered again on the next connection, its
// retry_attempt counting up, as Slack does; the app is to recognise what it has already done.
// The connection's life can be played: refresh() sends `disconnect` (refresh_requested), as Slack
// does every few hours; drop() cuts the sockets without a word; loseNextAck() cuts the connection as
// the next ack arrives, so the app has acted on an envelope Slack never saw acknowledged;
// refuseConnections() keeps the app out for a while (apps.connections.open fails, and is retried).
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { silentLogger, type Logger } from '../log.js';
import { ACK_TIMEOUT_MS, type BotAnswer, type BotTransport, type Delivery } from './bot-requests.js';

/** Where the WebSocket URLs apps.connections.open hands out point, as Slack's wss://…/link/?ticket=…. */
export const SOCKET_PATH = '/link/';
/** Slack delivers an envelope at most this many times more. */
const MAX_RETRIES = 3;
/** A ticket not used within this long is refused. */
const TICKET_TTL_MS = 60_000;
/** Slack closes a connection itself when the app has not, this long after asking it to refresh. */
const REFRESH_GRACE_MS = 10_000;

export interface Envelope {
  envelope_id: string;
  type: Delivery['type'];
  payload: Delivery['payload'];
  accepts_response_payload: boolean;
  retry_attempt: number;
  retry_reason: string;
}

interface Connection {
  ws: WebSocket;
  /** Hello sent and no refresh asked: new envelopes go here. */
  open: boolean;
}

interface Pending {
  envelope: Envelope;
  /** How many times it was sent. */
  sends: number;
  /** The connection it was last sent on, while that connection lives. */
  on?: Connection;
  /** Tells the person: the first ack, or Slack's error when none came in time. */
  answer: (a: BotAnswer) => void;
  answered: boolean;
  deadline?: NodeJS.Timeout;
  expiry: NodeJS.Timeout;
}

export interface SocketModeServerOptions {
  /** The app's SLACK_APP_TOKEN (xapp-…): apps.connections.open takes no other. */
  appToken: string;
  appId: string;
  /** The console's origin ("http://127.0.0.1:4000"); read when a URL is handed out. */
  origin: () => string;
  /** How long the person waits for the app's ack once an envelope is sent; 3 s, as Slack. */
  ackTimeoutMs?: number;
  /**
   * How long an envelope is kept for (re)delivery while no connection takes it; 30 s by default. A
   * command typed while the app is away is delivered when it is back within that time.
   */
  lifetimeMs?: number;
  log?: Logger;
}

export class SocketModeServer implements BotTransport {
  readonly kind = 'socket';
  private readonly o: SocketModeServerOptions;
  private readonly log: Logger;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  private readonly tickets = new Map<string, number>();
  private readonly connections = new Set<Connection>();
  private readonly pending = new Map<string, Pending>();
  private readonly listeners = new Set<(connected: boolean) => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private loseAck = false;
  private refusing = false;
  private wasConnected = false;

  constructor(opts: SocketModeServerOptions) {
    this.o = opts;
    this.log = opts.log ?? silentLogger;
  }

  /** An open connection takes envelopes. */
  get connected(): boolean {
    return [...this.connections].some((c) => c.open);
  }

  /** Envelopes not yet acknowledged. */
  get unacked(): number {
    return this.pending.size;
  }

  /** Called with the new state whenever `connected` changes. */
  onChange(listener: (connected: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** apps.connections.open: the Web API's answer for the token the call carried. */
  openConnection(token: string | undefined): Record<string, unknown> {
    if (!token) return { ok: false, error: 'not_authed' };
    if (token !== this.o.appToken) return { ok: false, error: token.startsWith('xapp-') ? 'invalid_auth' : 'not_allowed_token_type' };
    // An error the Socket Mode client retries after its back-off (an HTTP 5xx would stop it).
    if (this.refusing) return { ok: false, error: 'internal_error' };
    const now = Date.now();
    for (const [t, at] of this.tickets) if (now - at > TICKET_TTL_MS) this.tickets.delete(t);
    const ticket = randomBytes(16).toString('hex');
    this.tickets.set(ticket, now);
    const ws = this.o.origin().replace(/^http/, 'ws');
    return { ok: true, url: `${ws}${SOCKET_PATH}?ticket=${ticket}&app_id=${this.o.appId}` };
  }

  /** The HTTP server's 'upgrade': a WebSocket with a ticket from apps.connections.open, used once. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ticket = url.searchParams.get('ticket') ?? '';
    const issued = this.tickets.get(ticket);
    if (url.pathname !== SOCKET_PATH || issued === undefined || Date.now() - issued > TICKET_TTL_MS) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\n\r\n');
      return;
    }
    this.tickets.delete(ticket);
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  /** Hands the app an envelope; resolves with its ack, or with Slack's error when none came in time. */
  deliver(d: Delivery): Promise<BotAnswer> {
    return new Promise((resolve) => {
      const envelope: Envelope = {
        envelope_id: randomUUID(),
        type: d.type,
        payload: d.payload,
        // Slack takes a message in a slash command's ack; a click's ack carries none.
        accepts_response_payload: d.type === 'slash_commands',
        retry_attempt: 0,
        retry_reason: '',
      };
      const p: Pending = {
        envelope,
        sends: 0,
        answered: false,
        answer: (a) => {
          if (p.answered) return;
          p.answered = true;
          clearTimeout(p.deadline);
          resolve(a);
        },
        expiry: setTimeout(() => this.forget(p, 'dispatch_failed'), this.o.lifetimeMs ?? 30_000),
      };
      this.pending.set(envelope.envelope_id, p);
      const conn = this.firstOpen();
      if (conn) this.send(p, conn);
      else this.log.info('no Socket Mode connection: the envelope waits for one', { envelope: envelope.envelope_id, type: d.type });
    });
  }

  /** Asks every connection to refresh, as Slack does every few hours; the app is to reconnect. */
  refresh(): number {
    let n = 0;
    for (const c of this.connections) {
      if (!c.open) continue;
      c.open = false;
      n++;
      c.ws.send(JSON.stringify({ type: 'disconnect', reason: 'refresh_requested', debug_info: { host: 'mngbot-console' } }));
      this.later(() => c.ws.terminate(), REFRESH_GRACE_MS);
    }
    this.changed();
    return n;
  }

  /** Cuts every connection without a close frame, as a network failure would. */
  drop(): number {
    const n = this.connections.size;
    for (const c of this.connections) c.ws.terminate();
    return n;
  }

  /** While on, no new connection is opened: the app stays out, retrying. */
  refuseConnections(on: boolean): void {
    this.refusing = on;
  }

  /** The next ack is lost: the connection is cut as it arrives, and the envelope delivered again. */
  loseNextAck(): void {
    this.loseAck = true;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const p of [...this.pending.values()]) this.forget(p, 'dispatch_failed');
    for (const c of this.connections) c.ws.terminate();
    this.connections.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(ws: WebSocket): void {
    const conn: Connection = { ws, open: true };
    this.connections.add(conn);
    ws.on('error', (err) => this.log.warn('Socket Mode connection error', { error: err.message }));
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.onMessage(conn, data.toString());
    });
    ws.on('close', () => {
      this.connections.delete(conn);
      conn.open = false;
      // What it was carrying goes out again on another connection (now, or when one comes).
      const other = this.firstOpen();
      for (const p of this.pending.values()) {
        if (p.on !== conn) continue;
        p.on = undefined;
        if (other) this.send(p, other);
      }
      this.changed();
    });
    const hello = {
      type: 'hello',
      num_connections: this.connections.size,
      debug_info: { host: 'mngbot-console', build_number: 1, approximate_connection_time: 18_060 },
      connection_info: { app_id: this.o.appId },
    };
    ws.send(JSON.stringify(hello));
    for (const p of this.pending.values()) if (!p.on) this.send(p, conn);
    this.changed();
  }

  private onMessage(conn: Connection, text: string): void {
    let msg: { envelope_id?: unknown; payload?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return;
    }
    const p = typeof msg.envelope_id === 'string' ? this.pending.get(msg.envelope_id) : undefined;
    if (!p) return;
    if (this.loseAck) {
      this.loseAck = false;
      this.log.info('losing an ack: the connection is cut before it counts', { envelope: p.envelope.envelope_id });
      conn.ws.terminate();
      return;
    }
    const payload = msg.payload && typeof msg.payload === 'object' && Object.keys(msg.payload).length ? JSON.stringify(msg.payload) : '';
    p.answer({ status: 200, body: payload });
    this.forget(p);
  }

  private send(p: Pending, conn: Connection): void {
    if (p.sends > MAX_RETRIES) return this.forget(p, 'dispatch_failed');
    const envelope = { ...p.envelope, retry_attempt: p.sends, retry_reason: p.sends > 0 ? 'timeout' : '' };
    p.sends++;
    p.on = conn;
    conn.ws.send(JSON.stringify(envelope));
    // The person waits 3 s from the first send, as Slack's clients do; retries go on after that.
    if (!p.deadline && !p.answered) p.deadline = setTimeout(() => p.answer({ status: 0, body: '', error: 'operation_timeout' }), this.o.ackTimeoutMs ?? ACK_TIMEOUT_MS);
  }

  private forget(p: Pending, error?: string): void {
    clearTimeout(p.expiry);
    clearTimeout(p.deadline);
    this.pending.delete(p.envelope.envelope_id);
    if (error) p.answer({ status: 0, body: '', error });
  }

  private firstOpen(): Connection | undefined {
    return [...this.connections].find((c) => c.open);
  }

  private changed(): void {
    const now = this.connected;
    if (now === this.wasConnected) return;
    this.wasConnected = now;
    for (const l of this.listeners) l(now);
  }

  private later(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }
}
