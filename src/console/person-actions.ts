// What a person does in the page, done as Slack does it: a message is posted to the channel; a
// slash command and a button click go to the app with a response URL (over HTTP or Socket Mode); when
// the app does not answer, the person is told the way Slack tells them (Slackbot, ephemerally).
import { blockActionsPayload, slashCommandPayload, type BotAnswer, type BotTransport, type ClickedButton, type Team } from './bot-requests.js';
import type { ResponseUrls } from './response-urls.js';
import { SLACKBOT, type ConsoleMessage, type ConsoleUser, type Workspace } from './workspace.js';

export interface PersonActionsOptions {
  workspace: Workspace;
  responseUrls: ResponseUrls;
  /** How the app is reached: HTTP or Socket Mode. */
  transport: BotTransport;
  team: Team;
  /** The console's origin, for response URLs the app can reach. */
  origin: () => string;
  /** The app's slash command, "/mng" by default. */
  command?: string;
}

/** What the page is told; errors are shown to the person as Slack would, not as HTTP errors. */
export interface ActionResult {
  status: number;
  body: { ok: boolean; error?: string; ts?: string };
}

const bad = (error: string): ActionResult => ({ status: 400, body: { ok: false, error } });

export class PersonActions {
  readonly command: string;
  private readonly ws: Workspace;
  private readonly urls: ResponseUrls;
  private readonly transport: BotTransport;
  private readonly team: Team;
  private readonly origin: () => string;

  constructor(opts: PersonActionsOptions) {
    this.ws = opts.workspace;
    this.urls = opts.responseUrls;
    this.transport = opts.transport;
    this.team = opts.team;
    this.origin = opts.origin;
    this.command = opts.command ?? '/mng';
  }

  /** A message typed into the box: a slash command, or a plain message for the channel (or a thread). */
  async type(userId: string, rawText: string, threadTs?: string): Promise<ActionResult> {
    const user = this.person(userId);
    if (!user) return bad('unknown_user');
    const text = rawText.trim();
    if (!text) return bad('no_text');
    if (text.startsWith('/')) return this.slashCommand(user, text, threadTs);
    if (threadTs && !this.ws.message(threadTs)) return bad('thread_not_found');
    const msg = this.ws.post({ user: user.id, text: this.asSlackText(text), ...(threadTs ? { thread_ts: threadTs } : {}) });
    return { status: 200, body: { ok: true, ts: msg.ts } };
  }

  /**
   * What Slack's client makes of typed text: < > & escaped (never markup), and @name of a person
   * in the workspace turned into a mention.
   */
  private asSlackText(text: string): string {
    const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    return escaped.replace(/(^|\s)@([A-Za-z0-9._-]+)/g, (all, space: string, name: string) => {
      const u = this.ws.users.find((x) => x.name === name);
      return u ? `${space}<@${u.id}>` : all;
    });
  }

  /** A button press (after its confirm dialog, if it has one: the page asks). */
  async click(userId: string, ts: string, actionId: string, blockId?: string): Promise<ActionResult> {
    const user = this.person(userId);
    if (!user) return bad('unknown_user');
    const message = this.ws.message(ts) ?? this.visibleEphemeral(ts, user.id);
    if (!message) return bad('message_not_found');
    const button = findButton(message, actionId, blockId);
    if (!button) return bad('button_not_found');
    const responseUrl = this.responseUrl({
      user: user.id,
      messageTs: message.ts,
      ...(message.for_user ? { messageIsEphemeral: true } : {}),
      ...(message.thread_ts ? { threadTs: message.thread_ts } : {}),
    });
    const answer = await this.transport.deliver(blockActionsPayload({ team: this.team, channel: this.ws.channel, user, message, button, responseUrl }));
    if (answer.error) this.tellFailure(user, `${this.ws.bot.name} did not take the click on “${buttonLabel(button)}”: ${answer.error}`, message.thread_ts);
    return { status: 200, body: { ok: !answer.error, ...(answer.error ? { error: answer.error } : {}) } };
  }

  private async slashCommand(user: ConsoleUser, text: string, threadTs?: string): Promise<ActionResult> {
    const command = text.split(/\s+/, 1)[0];
    if (command !== this.command) {
      this.tellFailure(user, `${command} is not a valid command. In this console only ${this.command} is installed.`, threadTs);
      return { status: 200, body: { ok: false, error: 'invalid_command' } };
    }
    const responseUrl = this.responseUrl({ user: user.id, ...(threadTs ? { threadTs } : {}) });
    const delivery = slashCommandPayload({
      team: this.team,
      channel: this.ws.channel,
      user,
      command,
      text: text.slice(command.length).trim(),
      responseUrl,
    });
    const answer = await this.transport.deliver(delivery);
    if (answer.error) {
      this.tellFailure(user, `${command} failed with the error "${answer.error}"`, threadTs);
      return { status: 200, body: { ok: false, error: answer.error } };
    }
    this.showAckBody(user, answer, threadTs);
    return { status: 200, body: { ok: true } };
  }

  /** An acknowledgement may carry a message: Slack shows it like a response_url answer. */
  private showAckBody(user: ConsoleUser, answer: BotAnswer, threadTs?: string): void {
    const body = answer.body.trim();
    if (!body) return;
    let msg: { text?: unknown; blocks?: unknown; response_type?: unknown };
    try {
      const parsed = JSON.parse(body) as unknown;
      msg = typeof parsed === 'object' && parsed !== null ? (parsed as typeof msg) : { text: String(parsed) };
    } catch {
      msg = { text: body };
    }
    const text = typeof msg.text === 'string' ? msg.text : '';
    const blocks = Array.isArray(msg.blocks) ? msg.blocks : undefined;
    if (!text && !blocks) return;
    const content = { user: this.ws.bot.userId, bot_id: this.ws.bot.botId, text, ...(blocks ? { blocks } : {}), ...(threadTs ? { thread_ts: threadTs } : {}) };
    if (msg.response_type === 'in_channel') this.ws.post(content);
    else this.ws.postEphemeral({ ...content, for_user: user.id });
  }

  private tellFailure(user: ConsoleUser, text: string, threadTs?: string): void {
    this.ws.postEphemeral({ user: SLACKBOT.id, for_user: user.id, text: `:warning: ${text}`, ...(threadTs ? { thread_ts: threadTs } : {}) });
  }

  private responseUrl(target: Parameters<ResponseUrls['create']>[0]): string {
    return `${this.origin()}${this.urls.create(target)}`;
  }

  /** Only the people configured for the console can act in it. */
  private person(id: string): ConsoleUser | undefined {
    return this.ws.users.find((u) => u.id === id);
  }

  private visibleEphemeral(ts: string, user: string): ConsoleMessage | undefined {
    const m = this.ws.ephemeral(ts);
    return m && m.for_user === user ? m : undefined;
  }
}

/** A button of the message by action id (and block id when given): in actions blocks or as a section's accessory. */
export function findButton(message: ConsoleMessage, actionId: string, blockId?: string): ClickedButton | undefined {
  for (const raw of message.blocks ?? []) {
    const block = raw as { type?: string; block_id?: string; elements?: unknown[]; accessory?: unknown };
    if (blockId !== undefined && (block.block_id ?? '') !== blockId) continue;
    const candidates = block.type === 'actions' ? (block.elements ?? []) : block.type === 'section' && block.accessory ? [block.accessory] : [];
    for (const el of candidates) {
      const e = el as { type?: string; action_id?: string; value?: string; style?: string; text?: unknown };
      if (e.type === 'button' && e.action_id === actionId) {
        return {
          action_id: actionId,
          ...(block.block_id !== undefined ? { block_id: block.block_id } : {}),
          ...(e.value !== undefined ? { value: e.value } : {}),
          ...(e.style ? { style: e.style } : {}),
          ...(e.text !== undefined ? { text: e.text } : {}),
        };
      }
    }
  }
  return undefined;
}

function buttonLabel(b: ClickedButton): string {
  const t = b.text as { text?: unknown } | undefined;
  return typeof t?.text === 'string' ? t.text : b.action_id;
}
