// Response URLs, as Slack hands them to an app with each slash command and button click: the app
// POSTs a message there to answer the person. Like Slack's, each works a few times within 30
// minutes; at most `max` are remembered, so a long session cannot grow them without end.
import { randomBytes } from 'node:crypto';
import type { Workspace } from './workspace.js';

/** Where the answer goes: who asked, and from which message (a click) or thread. */
export interface ResponseTarget {
  user: string;
  threadTs?: string;
  /** The message the click came from: replace_original and delete_original act on it. */
  messageTs?: string;
  messageIsEphemeral?: boolean;
}

interface Entry {
  target: ResponseTarget;
  createdAt: number;
  usesLeft: number;
}

export interface ResponseUrlOptions {
  workspace: Workspace;
  /** How long one works, real ms; 30 minutes by default, as Slack's. */
  ttlMs?: number;
  /** How many answers one takes; 5 by default, as Slack's. */
  uses?: number;
  /** How many are remembered at once; 1,000 by default. */
  max?: number;
  now?: () => number;
}

export const RESPONSE_PATH = '/response/';

export interface ResponseAnswer {
  status: number;
  body: Record<string, unknown>;
}

export class ResponseUrls {
  private readonly ws: Workspace;
  private readonly ttlMs: number;
  private readonly uses: number;
  private readonly max: number;
  private readonly now: () => number;
  private readonly entries = new Map<string, Entry>();

  constructor(opts: ResponseUrlOptions) {
    this.ws = opts.workspace;
    this.ttlMs = opts.ttlMs ?? 30 * 60_000;
    this.uses = opts.uses ?? 5;
    this.max = opts.max ?? 1000;
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** A new response URL's path (under the console's origin). */
  create(target: ResponseTarget): string {
    const id = randomBytes(12).toString('hex');
    this.entries.set(id, { target, createdAt: this.now(), usesLeft: this.uses });
    this.prune();
    return `${RESPONSE_PATH}${id}`;
  }

  /** Applies what the app POSTed to a response URL's path. */
  answer(path: string, body: Record<string, unknown>): ResponseAnswer {
    const id = path.slice(RESPONSE_PATH.length);
    const entry = this.entries.get(id);
    if (!entry || this.now() - entry.createdAt > this.ttlMs) {
      this.entries.delete(id);
      return { status: 404, body: { ok: false, error: 'expired_url' } };
    }
    if (entry.usesLeft <= 0) return { status: 404, body: { ok: false, error: 'used_url' } };
    entry.usesLeft--;
    const t = entry.target;
    const text = typeof body.text === 'string' ? body.text : '';
    const blocks = Array.isArray(body.blocks) ? body.blocks : undefined;
    const bot = { user: this.ws.bot.userId, bot_id: this.ws.bot.botId };
    const truthy = (v: unknown) => v === true || v === 'true';

    if (truthy(body.delete_original)) {
      if (!t.messageTs) return { status: 400, body: { ok: false, error: 'no_original_message' } };
      const gone = t.messageIsEphemeral ? this.ws.deleteEphemeral(t.messageTs) : this.ws.delete(t.messageTs);
      return gone ? { status: 200, body: { ok: true } } : { status: 404, body: { ok: false, error: 'message_not_found' } };
    }
    if (!text && !blocks) return { status: 400, body: { ok: false, error: 'no_text' } };
    const content = { text, ...(blocks ? { blocks } : {}) };
    if (truthy(body.replace_original)) {
      if (!t.messageTs) return { status: 400, body: { ok: false, error: 'no_original_message' } };
      const done = t.messageIsEphemeral ? this.ws.updateEphemeral(t.messageTs, content) : this.ws.update(t.messageTs, content);
      return done ? { status: 200, body: { ok: true } } : { status: 404, body: { ok: false, error: 'message_not_found' } };
    }
    const threadTs = typeof body.thread_ts === 'string' ? body.thread_ts : t.threadTs;
    if (body.response_type === 'in_channel') {
      this.ws.post({ ...bot, ...content, ...(threadTs ? { thread_ts: threadTs } : {}) });
    } else {
      this.ws.postEphemeral({ ...bot, for_user: t.user, ...content, ...(threadTs ? { thread_ts: threadTs } : {}) });
    }
    return { status: 200, body: { ok: true } };
  }

  private prune(): void {
    const now = this.now();
    for (const [id, e] of this.entries) {
      if (this.entries.size <= this.max && now - e.createdAt <= this.ttlMs) break;
      this.entries.delete(id);
    }
  }
}
