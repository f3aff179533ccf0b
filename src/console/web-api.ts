// The Slack Web API methods the bot calls, answered from the console's workspace, with Slack's
// answers: HTTP 200 and { ok: true, … } or { ok: false, error } (not_authed, invalid_auth,
// channel_not_found, message_not_found, …). Unknown methods answer unknown_method, so a method the
// bot starts calling shows up as a clear error rather than a silent success.
import { messagePayload, type Workspace } from './workspace.js';

export interface WebApiOptions {
  workspace: Workspace;
  /** The bot token every call must carry (Authorization: Bearer, or a token field). */
  botToken: string;
  teamId: string;
  /** User-group id → member user ids (usergroups.users.list). */
  userGroups?: Record<string, string[]>;
  /** Socket Mode's apps.connections.open, which takes the app-level token, not the bot's. */
  openConnection?: (token: string | undefined) => Record<string, unknown>;
}

export interface WebApiAnswer {
  status: number;
  body: Record<string, unknown>;
}

type Args = Record<string, unknown>;
type Method = (args: Args) => Record<string, unknown>;

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

function fail(error: string): Record<string, unknown> {
  return { ok: false, error };
}

export class ConsoleWebApi {
  private readonly ws: Workspace;
  private readonly botToken: string;
  private readonly teamId: string;
  private readonly userGroups: Map<string, string[]>;
  private readonly methods: Record<string, Method>;
  private readonly openConnection?: (token: string | undefined) => Record<string, unknown>;

  constructor(opts: WebApiOptions) {
    if (opts.openConnection) this.openConnection = opts.openConnection;
    this.ws = opts.workspace;
    this.botToken = opts.botToken;
    this.teamId = opts.teamId;
    this.userGroups = new Map(Object.entries(opts.userGroups ?? {}));
    this.methods = {
      'api.test': (a) => ({ args: a }),
      'auth.test': () => this.authTest(),
      'chat.postMessage': (a) => this.postMessage(a),
      'chat.update': (a) => this.update(a),
      'chat.delete': (a) => this.remove(a),
      'chat.postEphemeral': (a) => this.postEphemeral(a),
      'users.info': (a) => this.userInfo(a),
      'users.list': () => ({ members: [this.ws.bot.userId, ...this.ws.users.map((u) => u.id)].map((id) => this.userObject(id)) }),
      'usergroups.users.list': (a) => {
        const members = this.userGroups.get(str(a.usergroup));
        return members ? { users: [...members] } : fail('no_such_subteam');
      },
      'conversations.info': (a) => {
        const id = this.ws.resolveChannel(str(a.channel));
        return id ? { channel: this.channelObject() } : fail('channel_not_found');
      },
      'conversations.history': (a) => this.history(a),
      'conversations.replies': (a) => this.replies(a),
    };
  }

  /** Answers one call. `token` is what the request carried, if anything. */
  call(method: string, args: Args, token: string | undefined): WebApiAnswer {
    if (method === 'apps.connections.open') {
      // Without Socket Mode, Slack refuses it whatever token comes: the bot's is the wrong kind.
      return { status: 200, body: this.openConnection?.(token) ?? fail(token ? 'not_allowed_token_type' : 'not_authed') };
    }
    // api.test is the one method Slack answers without a token.
    if (method !== 'api.test') {
      if (!token) return { status: 200, body: fail('not_authed') };
      if (token !== this.botToken) return { status: 200, body: fail('invalid_auth') };
    }
    const handler = this.methods[method];
    if (!handler) return { status: 200, body: fail('unknown_method') };
    const out = handler(args);
    return { status: 200, body: out.ok === false ? out : { ok: true, ...out } };
  }

  private authTest(): Record<string, unknown> {
    return {
      url: 'http://127.0.0.1/',
      team: 'mngbot console',
      user: this.ws.bot.name,
      team_id: this.teamId,
      user_id: this.ws.bot.userId,
      bot_id: this.ws.bot.botId,
      is_enterprise_install: false,
    };
  }

  private content(a: Args): { text: string; blocks?: unknown[] } | { error: string } {
    const text = str(a.text);
    const blocks = a.blocks;
    if (blocks !== undefined && !Array.isArray(blocks)) return { error: 'invalid_blocks' };
    if (!text && !(Array.isArray(blocks) && blocks.length)) return { error: 'no_text' };
    return { text, ...(Array.isArray(blocks) ? { blocks } : {}) };
  }

  private postMessage(a: Args): Record<string, unknown> {
    const channel = this.ws.resolveChannel(str(a.channel));
    if (!channel) return fail('channel_not_found');
    const content = this.content(a);
    if ('error' in content) return fail(content.error);
    const threadTs = str(a.thread_ts);
    const msg = this.ws.post({ user: this.ws.bot.userId, bot_id: this.ws.bot.botId, ...content, ...(threadTs ? { thread_ts: threadTs } : {}) });
    return { channel, ts: msg.ts, message: this.messageObject(msg) };
  }

  private update(a: Args): Record<string, unknown> {
    const channel = this.ws.resolveChannel(str(a.channel));
    if (!channel) return fail('channel_not_found');
    const ts = str(a.ts);
    const msg = this.ws.message(ts);
    if (!msg) return fail('message_not_found');
    if (msg.user !== this.ws.bot.userId) return fail('cant_update_message');
    if (a.blocks !== undefined && !Array.isArray(a.blocks)) return fail('invalid_blocks');
    const updated = this.ws.update(ts, {
      ...(a.text !== undefined ? { text: str(a.text) } : {}),
      ...(Array.isArray(a.blocks) ? { blocks: a.blocks } : {}),
    })!;
    return { channel, ts, text: updated.text, message: this.messageObject(updated) };
  }

  private remove(a: Args): Record<string, unknown> {
    const channel = this.ws.resolveChannel(str(a.channel));
    if (!channel) return fail('channel_not_found');
    const ts = str(a.ts);
    const msg = this.ws.message(ts);
    if (!msg) return fail('message_not_found');
    if (msg.user !== this.ws.bot.userId) return fail('cant_delete_message');
    this.ws.delete(ts);
    return { channel, ts };
  }

  private postEphemeral(a: Args): Record<string, unknown> {
    const channel = this.ws.resolveChannel(str(a.channel));
    if (!channel) return fail('channel_not_found');
    const user = str(a.user);
    if (!this.ws.user(user)) return fail('user_not_in_channel');
    const content = this.content(a);
    if ('error' in content) return fail(content.error);
    const threadTs = str(a.thread_ts);
    const msg = this.ws.postEphemeral({
      user: this.ws.bot.userId,
      bot_id: this.ws.bot.botId,
      for_user: user,
      ...content,
      ...(threadTs ? { thread_ts: threadTs } : {}),
    });
    return { message_ts: msg.ts };
  }

  private userInfo(a: Args): Record<string, unknown> {
    const id = str(a.user);
    if (!this.ws.user(id)) return fail('user_not_found');
    return { user: this.userObject(id) };
  }

  private history(a: Args): Record<string, unknown> {
    if (!this.ws.resolveChannel(str(a.channel))) return fail('channel_not_found');
    const limit = Math.min(1000, Math.max(1, Number(a.limit) || 100));
    // Newest first, top-level messages only, as Slack answers.
    const top = this.ws.history().filter((m) => !m.thread_ts || m.thread_ts === m.ts);
    const page = top.slice(-limit).reverse();
    return { messages: page.map((m) => this.messageObject(m)), has_more: top.length > limit };
  }

  private replies(a: Args): Record<string, unknown> {
    if (!this.ws.resolveChannel(str(a.channel))) return fail('channel_not_found');
    const ts = str(a.ts);
    const parent = this.ws.message(ts);
    if (!parent) return fail('thread_not_found');
    return { messages: [parent, ...this.ws.replies(ts)].map((m) => this.messageObject(m)), has_more: false };
  }

  private messageObject(m: ReturnType<Workspace['history']>[number]): Record<string, unknown> {
    return {
      ...messagePayload(m),
      ...(m.reply_count !== undefined ? { reply_count: m.reply_count, thread_ts: m.ts } : {}),
      ...(m.latest_reply ? { latest_reply: m.latest_reply } : {}),
      ...(m.updates > 0 ? { edited: { user: m.user, ts: m.ts } } : {}),
    };
  }

  private userObject(id: string): Record<string, unknown> {
    const u = this.ws.user(id)!;
    const isBot = id === this.ws.bot.userId;
    return {
      id: u.id,
      team_id: this.teamId,
      name: u.name,
      real_name: u.realName ?? u.name,
      tz: 'UTC',
      is_bot: isBot,
      profile: { display_name: u.name, real_name: u.realName ?? u.name, ...(isBot ? { bot_id: this.ws.bot.botId } : {}) },
    };
  }

  private channelObject(): Record<string, unknown> {
    return { id: this.ws.channel.id, name: this.ws.channel.name, is_channel: true, is_member: true, is_archived: false };
  }
}
