// What the console sends the bot, received by a plain HTTP server standing where the bot would be:
// signed as Slack signs (checked with Bolt's own verifier), shaped as Slack shapes slash commands
// and block_actions, and answered through response URLs that behave like Slack's.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySlackRequest } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { startConsole, type ConsoleServer } from '../../src/console/server.js';

const SECRET = 'requests-to-bot-secret';
const TOKEN = 'xoxb-requests-to-bot';
const CHANNEL = { id: 'C0PLATFORMOPS', name: 'platform-ops' };

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  form: URLSearchParams;
}

/** Stands where the bot's /slack/events would be; answers each request with `reply`. */
async function startReceiver(): Promise<{ url: string; received: Received[]; reply: { status: number; body: string; delayMs: number }; close(): Promise<void> }> {
  const received: Received[] = [];
  const reply = { status: 200, body: '', delayMs: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ headers: req.headers, body, form: new URLSearchParams(body) });
      setTimeout(() => {
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(reply.body);
      }, reply.delayMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`,
    received,
    reply,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

let con: ConsoleServer | undefined;
let bot: Awaited<ReturnType<typeof startReceiver>> | undefined;

afterEach(async () => {
  await con?.close();
  await bot?.close();
  con = undefined;
  bot = undefined;
});

async function setup() {
  bot = await startReceiver();
  con = await startConsole({
    botEventsUrl: bot.url,
    signingSecret: SECRET,
    botToken: TOKEN,
    channel: CHANNEL,
    users: [
      { id: 'U0REQUESTER', name: 'dana', role: 'requester' },
      { id: 'U0APPROVER', name: 'sam', role: 'approver' },
    ],
  });
  return { bot, con };
}

const pagePost = (c: ConsoleServer, path: string, body: unknown) =>
  fetch(`${c.url}console/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
    (r) => r.json() as Promise<{ ok: boolean; error?: string; ts?: string }>,
  );

const api = (c: ConsoleServer, method: string, args: Record<string, unknown>) =>
  fetch(`${c.apiUrl}${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(args),
  }).then((r) => r.json() as Promise<Record<string, unknown>>);

async function seen(c: ConsoleServer, user: string) {
  return (await fetch(`${c.url}console/state?user=${user}`).then((r) => r.json())) as {
    messages: { ts: string; text: string; user: string; updates: number }[];
    ephemerals: { ts: string; text: string; for_user: string }[];
  };
}

function verifies(r: Received, secret: string): boolean {
  try {
    verifySlackRequest({
      signingSecret: secret,
      body: r.body,
      headers: { 'x-slack-signature': String(r.headers['x-slack-signature']), 'x-slack-request-timestamp': Number(r.headers['x-slack-request-timestamp']) },
    });
    return true;
  } catch {
    return false;
  }
}

const respond = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));

describe('a slash command', () => {
  it('arrives signed and shaped as Slack sends it, with a response URL the console serves', async () => {
    const { bot, con } = await setup();
    expect(await pagePost(con, 'type', { user: 'U0REQUESTER', text: '/mng  upgrade nodegroup 1.23 --dry-run' })).toEqual({ ok: true });
    expect(bot.received).toHaveLength(1);
    const [r] = bot.received;
    expect(r.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Math.abs(Number(r.headers['x-slack-request-timestamp']) - Date.now() / 1000)).toBeLessThan(5);
    expect(verifies(r, SECRET)).toBe(true);
    expect(verifies(r, 'another-secret')).toBe(false);
    expect(Object.fromEntries(r.form)).toMatchObject({
      command: '/mng',
      text: 'upgrade nodegroup 1.23 --dry-run',
      user_id: 'U0REQUESTER',
      user_name: 'dana',
      channel_id: CHANNEL.id,
      channel_name: CHANNEL.name,
      team_id: expect.stringMatching(/^T/),
      api_app_id: expect.stringMatching(/^A/),
      trigger_id: expect.stringMatching(/\S/),
    });
    const responseUrl = r.form.get('response_url')!;
    expect(responseUrl.startsWith(`${con.url}response/`)).toBe(true);

    // Ephemeral by default: only dana sees it.
    expect(await respond(responseUrl, { text: 'Plan posted, needs an approver' })).toEqual({ status: 200, body: { ok: true } });
    expect((await seen(con, 'U0REQUESTER')).ephemerals.map((e) => e.text)).toEqual(['Plan posted, needs an approver']);
    expect((await seen(con, 'U0APPROVER')).ephemerals).toEqual([]);
    // in_channel: everyone sees it, from the bot.
    await respond(responseUrl, { response_type: 'in_channel', text: 'for everyone' });
    expect((await seen(con, 'U0APPROVER')).messages).toMatchObject([{ text: 'for everyone', user: 'U0MNGBOT' }]);
    // Five answers per URL, as Slack allows; then it is used up. A made-up one never worked.
    for (let i = 0; i < 3; i++) expect((await respond(responseUrl, { text: `more ${i}` })).status).toBe(200);
    expect(await respond(responseUrl, { text: 'one too many' })).toEqual({ status: 404, body: { ok: false, error: 'used_url' } });
    expect((await respond(`${con.url}response/0123456789abcdef`, { text: 'x' })).body).toEqual({ ok: false, error: 'expired_url' });
  });

  it('shows a message in the acknowledgement, and Slack’s errors when the bot refuses or is slow', { timeout: 20_000 }, async () => {
    const { bot, con } = await setup();
    bot.reply.body = JSON.stringify({ text: 'acknowledged with words' });
    await pagePost(con, 'type', { user: 'U0APPROVER', text: '/mng help' });
    expect((await seen(con, 'U0APPROVER')).ephemerals.map((e) => e.text)).toEqual(['acknowledged with words']);

    bot.reply.status = 401;
    bot.reply.body = '';
    expect(await pagePost(con, 'type', { user: 'U0APPROVER', text: '/mng help' })).toEqual({ ok: false, error: 'dispatch_failed' });
    bot.reply.status = 200;
    bot.reply.delayMs = 3500;
    expect(await pagePost(con, 'type', { user: 'U0APPROVER', text: '/mng list' })).toEqual({ ok: false, error: 'operation_timeout' });
    expect((await seen(con, 'U0APPROVER')).ephemerals.map((e) => e.text).slice(1)).toEqual([
      ':warning: /mng failed with the error "dispatch_failed"',
      ':warning: /mng failed with the error "operation_timeout"',
    ]);
  });
});

describe('a button click', () => {
  it('arrives as a signed block_actions payload; its response URL can replace or delete the message', async () => {
    const { bot, con } = await setup();
    const blocks = [
      { type: 'section', text: { type: 'mrkdwn', text: '*Upgrade* nodegroup' } },
      {
        type: 'actions',
        block_id: 'decide:r-1',
        elements: [
          { type: 'button', action_id: 'mng_approve', text: { type: 'plain_text', text: 'Approve' }, value: 'r-1', style: 'primary', confirm: { title: { type: 'plain_text', text: 'Sure?' }, text: { type: 'mrkdwn', text: 'Really' }, confirm: { type: 'plain_text', text: 'Yes' }, deny: { type: 'plain_text', text: 'No' } } },
          { type: 'button', action_id: 'mng_reject', text: { type: 'plain_text', text: 'Reject' }, value: 'r-1', style: 'danger' },
        ],
      },
    ];
    const plan = await api(con, 'chat.postMessage', { channel: CHANNEL.id, text: 'plan', blocks });
    const ts = plan.ts as string;
    expect(await pagePost(con, 'click', { user: 'U0APPROVER', ts, action_id: 'mng_approve', block_id: 'decide:r-1' })).toEqual({ ok: true });
    const [r] = bot.received;
    expect(verifies(r, SECRET)).toBe(true);
    const payload = JSON.parse(r.form.get('payload')!) as Record<string, any>;
    expect(payload).toMatchObject({
      type: 'block_actions',
      user: { id: 'U0APPROVER', username: 'sam' },
      channel: { id: CHANNEL.id, name: CHANNEL.name },
      container: { type: 'message', message_ts: ts, channel_id: CHANNEL.id, is_ephemeral: false },
      message: { ts, text: 'plan', blocks },
      trigger_id: expect.stringMatching(/\S/),
      actions: [{ type: 'button', action_id: 'mng_approve', block_id: 'decide:r-1', value: 'r-1', style: 'primary' }],
    });
    const responseUrl = payload.response_url as string;
    expect(responseUrl.startsWith(`${con.url}response/`)).toBe(true);

    // A refusal goes only to the person who clicked.
    await respond(responseUrl, { response_type: 'ephemeral', replace_original: false, text: 'someone else must approve' });
    expect((await seen(con, 'U0APPROVER')).ephemerals.map((e) => e.text)).toEqual(['someone else must approve']);
    expect((await seen(con, 'U0REQUESTER')).ephemerals).toEqual([]);
    await respond(responseUrl, { replace_original: true, text: 'approved' });
    expect((await seen(con, 'U0REQUESTER')).messages).toMatchObject([{ ts, text: 'approved', updates: 1 }]);
    await respond(responseUrl, { delete_original: true });
    expect((await seen(con, 'U0REQUESTER')).messages).toEqual([]);
  });
});
