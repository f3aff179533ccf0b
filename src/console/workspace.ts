// The console's Slack workspace: one channel's messages (threads included), ephemeral messages
// for one person each, and the people. Bounded: the oldest messages go once the channel holds
// maxMessages, so that hours of a bot editing once a second cost no more than minutes of it.
// Every change is announced to subscribers (the page's live updates).

export interface ConsoleUser {
  id: string;
  /** The handle shown in the page and sent as user_name, e.g. "dana". */
  name: string;
  realName?: string;
  /** What the person is for in the demo, shown in the user switcher, e.g. "requester". */
  role?: string;
}

export interface ConsoleChannel {
  id: string;
  /** Without the "#". */
  name: string;
}

export interface ConsoleMessage {
  channel: string;
  ts: string;
  /** Set on thread replies (and absent on a thread's parent). */
  thread_ts?: string;
  /** The author's user id: a person, or the bot user. */
  user: string;
  bot_id?: string;
  text: string;
  blocks?: unknown[];
  /** Times chat.update changed it. */
  updates: number;
  reply_count?: number;
  latest_reply?: string;
  /** Ephemeral messages only: the one person who sees it. */
  for_user?: string;
}

/** A message as Slack's payloads carry it (in a click, in conversations.*). */
export function messagePayload(m: ConsoleMessage): Record<string, unknown> {
  return {
    type: 'message',
    ts: m.ts,
    user: m.user,
    text: m.text,
    ...(m.bot_id ? { bot_id: m.bot_id } : {}),
    ...(m.blocks ? { blocks: m.blocks } : {}),
    ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
  };
}

export type WorkspaceChange =
  | { kind: 'upsert'; message: ConsoleMessage }
  | { kind: 'delete'; channel: string; ts: string; for_user?: string };

export interface WorkspaceOptions {
  channel: ConsoleChannel;
  users: ConsoleUser[];
  bot: { userId: string; botId: string; name: string };
  /** Channel messages kept (threads included); 500 by default. */
  maxMessages?: number;
  /** Ephemeral messages kept, for everyone together; 200 by default. */
  maxEphemerals?: number;
}

export const DEFAULT_MAX_MESSAGES = 500;
/** Who tells a person that a command failed, as in Slack. */
export const SLACKBOT: ConsoleUser = { id: 'USLACKBOT', name: 'Slackbot', realName: 'Slackbot' };
export const DEFAULT_MAX_EPHEMERALS = 200;

export class Workspace {
  readonly channel: ConsoleChannel;
  readonly bot: { userId: string; botId: string; name: string };
  readonly maxMessages: number;
  readonly maxEphemerals: number;
  private readonly people = new Map<string, ConsoleUser>();
  /** Channel messages by ts, in posting order (Map keeps insertion order; ts only grows). */
  private readonly messages = new Map<string, ConsoleMessage>();
  private readonly ephemerals = new Map<string, ConsoleMessage>();
  private readonly listeners = new Set<(c: WorkspaceChange) => void>();
  private lastMicros = 0n;

  constructor(opts: WorkspaceOptions) {
    this.channel = opts.channel;
    this.bot = opts.bot;
    this.maxMessages = opts.maxMessages ?? DEFAULT_MAX_MESSAGES;
    this.maxEphemerals = opts.maxEphemerals ?? DEFAULT_MAX_EPHEMERALS;
    for (const u of opts.users) this.people.set(u.id, u);
  }

  get users(): ConsoleUser[] {
    return [...this.people.values()];
  }

  user(id: string): ConsoleUser | undefined {
    if (id === this.bot.userId) return { id, name: this.bot.name, realName: this.bot.name };
    if (id === SLACKBOT.id) return SLACKBOT;
    return this.people.get(id);
  }

  /** The channel's id for an id, a name, or "#name"; undefined for any other channel. */
  resolveChannel(idOrName: string): string | undefined {
    const c = this.channel;
    return idOrName === c.id || idOrName === c.name || idOrName === `#${c.name}` ? c.id : undefined;
  }

  subscribe(listener: (c: WorkspaceChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Channel messages, oldest first: top-level ones and thread replies alike. */
  history(): ConsoleMessage[] {
    return [...this.messages.values()];
  }

  get size(): number {
    return this.messages.size;
  }

  get ephemeralCount(): number {
    return this.ephemerals.size;
  }

  message(ts: string): ConsoleMessage | undefined {
    return this.messages.get(ts);
  }

  /** A thread's replies, oldest first (the parent not included). */
  replies(threadTs: string): ConsoleMessage[] {
    return this.history().filter((m) => m.thread_ts === threadTs && m.ts !== threadTs);
  }

  ephemeralsFor(user: string): ConsoleMessage[] {
    return [...this.ephemerals.values()].filter((m) => m.for_user === user);
  }

  ephemeral(ts: string): ConsoleMessage | undefined {
    return this.ephemerals.get(ts);
  }

  post(m: { user: string; text: string; blocks?: unknown[]; thread_ts?: string; bot_id?: string }): ConsoleMessage {
    const msg: ConsoleMessage = {
      channel: this.channel.id,
      ts: this.nextTs(),
      user: m.user,
      text: m.text,
      updates: 0,
      ...(m.bot_id ? { bot_id: m.bot_id } : {}),
      ...(m.blocks ? { blocks: m.blocks } : {}),
      ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
    };
    this.messages.set(msg.ts, msg);
    this.emit({ kind: 'upsert', message: msg });
    if (msg.thread_ts) this.recount(msg.thread_ts);
    while (this.messages.size > this.maxMessages) {
      const oldest = this.messages.keys().next().value as string;
      this.delete(oldest);
    }
    return msg;
  }

  update(ts: string, patch: { text?: string; blocks?: unknown[] }): ConsoleMessage | undefined {
    return this.edit(this.messages, ts, patch);
  }

  delete(ts: string): boolean {
    const msg = this.messages.get(ts);
    if (!msg) return false;
    this.messages.delete(ts);
    this.emit({ kind: 'delete', channel: msg.channel, ts });
    if (msg.thread_ts && msg.thread_ts !== ts) this.recount(msg.thread_ts);
    return true;
  }

  postEphemeral(m: { user: string; for_user: string; text: string; blocks?: unknown[]; thread_ts?: string; bot_id?: string }): ConsoleMessage {
    const msg: ConsoleMessage = {
      channel: this.channel.id,
      ts: this.nextTs(),
      user: m.user,
      for_user: m.for_user,
      text: m.text,
      updates: 0,
      ...(m.bot_id ? { bot_id: m.bot_id } : {}),
      ...(m.blocks ? { blocks: m.blocks } : {}),
      ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
    };
    this.ephemerals.set(msg.ts, msg);
    this.emit({ kind: 'upsert', message: msg });
    while (this.ephemerals.size > this.maxEphemerals) {
      const oldest = this.ephemerals.keys().next().value as string;
      this.deleteEphemeral(oldest);
    }
    return msg;
  }

  updateEphemeral(ts: string, patch: { text?: string; blocks?: unknown[] }): ConsoleMessage | undefined {
    return this.edit(this.ephemerals, ts, patch);
  }

  private edit(where: Map<string, ConsoleMessage>, ts: string, patch: { text?: string; blocks?: unknown[] }): ConsoleMessage | undefined {
    const msg = where.get(ts);
    if (!msg) return undefined;
    if (patch.text !== undefined) msg.text = patch.text;
    if (patch.blocks !== undefined) msg.blocks = patch.blocks;
    msg.updates++;
    this.emit({ kind: 'upsert', message: msg });
    return msg;
  }

  deleteEphemeral(ts: string): boolean {
    const msg = this.ephemerals.get(ts);
    if (!msg) return false;
    this.ephemerals.delete(ts);
    this.emit({ kind: 'delete', channel: msg.channel, ts, ...(msg.for_user ? { for_user: msg.for_user } : {}) });
    return true;
  }

  /** A thread parent carries its reply count and latest reply, as in conversations.history. */
  private recount(threadTs: string): void {
    const parent = this.messages.get(threadTs);
    if (!parent) return;
    const replies = this.replies(threadTs);
    parent.reply_count = replies.length;
    if (replies.length) parent.latest_reply = replies[replies.length - 1].ts;
    else delete parent.latest_reply;
    this.emit({ kind: 'upsert', message: parent });
  }

  /** Slack's ts: seconds.microseconds, unique and increasing within the channel. */
  private nextTs(): string {
    const now = BigInt(Date.now()) * 1000n;
    this.lastMicros = now > this.lastMicros ? now : this.lastMicros + 1n;
    const s = this.lastMicros / 1_000_000n;
    const us = this.lastMicros % 1_000_000n;
    return `${s}.${us.toString().padStart(6, '0')}`;
  }

  private emit(change: WorkspaceChange): void {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch {
        // a listener's failure is its own (a closed page): the workspace goes on
      }
    }
  }
}
