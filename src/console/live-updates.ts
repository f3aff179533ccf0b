// Server-Sent Events to the page: a snapshot when it connects (as one person), then every message
// posted, edited or deleted as it happens, and the bot's connection coming and going (Socket Mode). Ephemeral messages go only to the person they are for.
// A page that stops reading is dropped rather than buffered for (its EventSource reconnects and
// gets a fresh snapshot), so hours of once-a-second edits cannot pile up in memory.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConsoleMessage, ConsoleUser, Workspace, WorkspaceChange } from './workspace.js';

export interface Snapshot {
  me: string;
  users: ConsoleUser[];
  bot: { userId: string; name: string };
  channel: { id: string; name: string };
  command: string;
  hints: string[];
  /** How the bot is reached; in Socket Mode, whether it is connected now. */
  transport: { kind: 'http' | 'socket'; connected?: boolean };
  messages: ConsoleMessage[];
  ephemerals: ConsoleMessage[];
}

export interface LiveUpdatesOptions {
  workspace: Workspace;
  snapshot: (user: string) => Snapshot;
  /** Real ms between keep-alive comments; 15 s by default. */
  heartbeatMs?: number;
  /** Bytes a page may leave unread before it is dropped; 8 MiB by default. */
  maxBufferedBytes?: number;
}

interface Client {
  user: string;
  res: ServerResponse;
}

export class LiveUpdates {
  private readonly ws: Workspace;
  private readonly snapshot: (user: string) => Snapshot;
  private readonly maxBufferedBytes: number;
  private readonly clients = new Set<Client>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly unsubscribe: () => void;

  constructor(opts: LiveUpdatesOptions) {
    this.ws = opts.workspace;
    this.snapshot = opts.snapshot;
    this.maxBufferedBytes = opts.maxBufferedBytes ?? 8 * 1024 * 1024;
    this.unsubscribe = this.ws.subscribe((c) => this.broadcast(c));
    this.heartbeat = setInterval(() => {
      for (const c of this.clients) this.write(c, ': keep-alive\n\n');
    }, opts.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
  }

  get connected(): number {
    return this.clients.size;
  }

  connect(req: IncomingMessage, res: ServerResponse, user: string): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const client: Client = { user, res };
    this.clients.add(client);
    const drop = () => this.clients.delete(client);
    req.on('close', drop);
    res.on('close', drop);
    res.on('error', drop);
    this.write(client, `retry: 1000\nevent: snapshot\ndata: ${JSON.stringify(this.snapshot(user))}\n\n`);
  }

  /** An event for every page, whoever it acts as. */
  announce(event: string, data: unknown): void {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const c of this.clients) this.write(c, frame);
  }

  close(): void {
    clearInterval(this.heartbeat);
    this.unsubscribe();
    for (const c of this.clients) c.res.end();
    this.clients.clear();
  }

  private broadcast(change: WorkspaceChange): void {
    if (this.clients.size === 0) return;
    const forUser = change.kind === 'upsert' ? change.message.for_user : change.for_user;
    const frame = `event: ${change.kind}\ndata: ${JSON.stringify(change.kind === 'upsert' ? change.message : { channel: change.channel, ts: change.ts })}\n\n`;
    for (const c of this.clients) if (!forUser || forUser === c.user) this.write(c, frame);
  }

  private write(c: Client, frame: string): void {
    if (c.res.writableEnded || c.res.destroyed) {
      this.clients.delete(c);
      return;
    }
    if (c.res.writableLength > this.maxBufferedBytes) {
      this.clients.delete(c);
      c.res.destroy();
      return;
    }
    c.res.write(frame);
  }
}
