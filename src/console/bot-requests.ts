// What Slack sends the app when a person acts: a slash command or a button click (a block_actions
// payload), and the two ways it reaches the app. Over HTTP: as a form (the click's payload in the
// field `payload`), signed with the signing secret and POSTed to the app's request URL. In Socket
// Mode: as an envelope on the app's WebSocket (socket-mode-server.ts). Either way, like Slack, the
// console waits 3 seconds for the app's acknowledgement.
import { randomBytes } from 'node:crypto';
import { signedHeaders } from './slack-signing.js';
import { messagePayload, type ConsoleChannel, type ConsoleMessage, type ConsoleUser } from './workspace.js';

export const APP_ID = 'A0MNGCONSOLE';
/** Slack's deadline for the app's acknowledgement. */
export const ACK_TIMEOUT_MS = 3000;

export interface BotEndpoint {
  /** The app's request URL (…/slack/events); read at each request. */
  eventsUrl: () => string;
  signingSecret: string;
  timeoutMs?: number;
}

export interface Team {
  id: string;
  domain: string;
}

/** What one act of a person becomes: Socket Mode's envelope types, with their payloads. */
export type Delivery = { type: 'slash_commands'; payload: Record<string, string> } | { type: 'interactive'; payload: Record<string, unknown> };

/** How the app is reached: signed HTTP requests, or envelopes over its Socket Mode connection. */
export interface BotTransport {
  readonly kind: 'http' | 'socket';
  /** Hands the app one delivery; resolves with its acknowledgement, or the error Slack would show. Never throws. */
  deliver(d: Delivery): Promise<BotAnswer>;
}

export interface BotAnswer {
  /** HTTP status, or 0 when the app did not answer in time or at all. */
  status: number;
  body: string;
  /** Slack's word for what went wrong, as it shows it: "dispatch_failed", "operation_timeout"… */
  error?: string;
}

export function triggerId(): string {
  return `${Date.now()}.${randomBytes(6).toString('hex')}`;
}

export function slashCommandPayload(a: {
  team: Team;
  channel: ConsoleChannel;
  user: ConsoleUser;
  command: string;
  text: string;
  responseUrl: string;
}): Delivery {
  const payload = {
    token: 'console-verification-token',
    team_id: a.team.id,
    team_domain: a.team.domain,
    channel_id: a.channel.id,
    channel_name: a.channel.name,
    user_id: a.user.id,
    user_name: a.user.name,
    command: a.command,
    text: a.text,
    api_app_id: APP_ID,
    is_enterprise_install: 'false',
    response_url: a.responseUrl,
    trigger_id: triggerId(),
  };
  return { type: 'slash_commands', payload };
}

export interface ClickedButton {
  action_id: string;
  block_id?: string;
  value?: string;
  style?: string;
  text?: unknown;
}

export function blockActionsPayload(a: {
  team: Team;
  channel: ConsoleChannel;
  user: ConsoleUser;
  message: ConsoleMessage;
  button: ClickedButton;
  responseUrl: string;
}): Delivery {
  const { message: m, button: b } = a;
  const ephemeral = !!m.for_user;
  const actionTs = (Date.now() / 1000).toFixed(6);
  const payload = {
    type: 'block_actions',
    user: { id: a.user.id, username: a.user.name, name: a.user.name, team_id: a.team.id },
    api_app_id: APP_ID,
    token: 'console-verification-token',
    container: {
      type: 'message',
      message_ts: m.ts,
      channel_id: a.channel.id,
      is_ephemeral: ephemeral,
      ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
    },
    trigger_id: triggerId(),
    team: { id: a.team.id, domain: a.team.domain },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: a.channel.id, name: a.channel.name },
    // Slack leaves the message out of clicks on ephemeral messages.
    ...(ephemeral
      ? {}
      : {
          message: messagePayload(m),
        }),
    state: { values: {} },
    response_url: a.responseUrl,
    actions: [
      {
        type: 'button',
        action_id: b.action_id,
        block_id: b.block_id ?? '',
        text: b.text ?? { type: 'plain_text', text: b.action_id },
        ...(b.value !== undefined ? { value: b.value } : {}),
        ...(b.style ? { style: b.style } : {}),
        action_ts: actionTs,
      },
    ],
  };
  return { type: 'interactive', payload };
}

/** Slack's Events API over HTTP: each delivery signed and POSTed to the app's request URL. */
export function httpTransport(endpoint: BotEndpoint): BotTransport {
  return {
    kind: 'http',
    deliver: (d) => sendToBot(endpoint, d.type === 'slash_commands' ? new URLSearchParams(d.payload).toString() : new URLSearchParams({ payload: JSON.stringify(d.payload) }).toString()),
  };
}

/** Signs and POSTs a form to the app; never throws. */
async function sendToBot(endpoint: BotEndpoint, form: string): Promise<BotAnswer> {
  let url: string;
  try {
    url = endpoint.eventsUrl();
    if (!url) throw new Error('no URL');
  } catch {
    return { status: 0, body: '', error: 'dispatch_failed' };
  }
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: signedHeaders(endpoint.signingSecret, form),
      body: form,
      signal: AbortSignal.timeout(endpoint.timeoutMs ?? ACK_TIMEOUT_MS),
    });
    const body = await res.text();
    return res.ok ? { status: res.status, body } : { status: res.status, body, error: 'dispatch_failed' };
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    return { status: 0, body: '', error: timedOut ? 'operation_timeout' : 'dispatch_failed' };
  }
}
