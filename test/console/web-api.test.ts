// The console's Slack Web API, called the way the bot calls it (Slack's own WebClient: form-encoded,
// Bearer token) and the way other clients do (JSON bodies), plus response URLs, live updates to the
// page and the bounds that keep a long session small.
import { connect } from 'node:net';
import { webApi } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { startConsole, type ConsoleServer } from '../../src/console/server.js';
import { readEvents, type SseReader } from './sse.js';

const TOKEN = 'xoxb-console-unit-0000';
const USERS = [
  { id: 'U0REQUESTER', name: 'dana', role: 'requester' },
  { id: 'U0APPROVER', name: 'sam', role: 'approver' },
];
const CHANNEL = { id: 'C0PLATFORMOPS', name: 'platform-ops' };

let c: ConsoleServer | undefined;
const readers: SseReader[] = [];

afterEach(async () => {
  for (const r of readers.splice(0)) r.close();
  await c?.close();
  c = undefined;
});

async function start(extra: Partial<Parameters<typeof startConsole>[0]> = {}): Promise<ConsoleServer> {
  c = await startConsole({
    botEventsUrl: 'http://127.0.0.1:9/slack/events',
    signingSecret: 'unused-here',
    botToken: TOKEN,
    users: USERS,
    channel: CHANNEL,
    userGroups: { S0PLATFORM: ['U0APPROVER'] },
    ...extra,
  });
  return c;
}

/** Slack's client, as the bot has it: no retries, so an answer is an answer. */
function client(con: ConsoleServer, token = TOKEN) {
  return new webApi.WebClient(token, { slackApiUrl: con.apiUrl, retryConfig: { retries: 0 } });
}

async function state(con: ConsoleServer, user: string) {
  const res = await fetch(`${con.url}console/state?user=${user}`);
  expect(res.status).toBe(200);
  return (await res.json()) as { messages: { ts: string; text: string; thread_ts?: string; reply_count?: number; updates: number; blocks?: unknown[] }[]; ephemerals: { ts: string; text: string; for_user: string }[] };
}

describe('the console Web API', () => {
  it('answers the methods the bot calls, through Slack’s own client', async () => {
    const con = await start();
    expect(con.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
    const web = client(con);

    const auth = await web.auth.test();
    expect(auth).toMatchObject({ ok: true, user_id: 'U0MNGBOT', bot_id: 'B0MNGBOT' });

    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Plan* for `nodegroup`' } }];
    const posted = await web.chat.postMessage({ channel: CHANNEL.id, text: 'plan', blocks });
    expect(posted.ok).toBe(true);
    expect(posted.ts).toMatch(/^\d{10}\.\d{6}$/);
    // Blocks travel form-encoded as a JSON string and come back as blocks.
    const [top] = (await state(con, 'U0REQUESTER')).messages;
    expect(top).toMatchObject({ ts: posted.ts, text: 'plan', blocks });

    const reply = await web.chat.postMessage({ channel: CHANNEL.id, thread_ts: posted.ts!, text: 'progress 0/3' });
    await web.chat.update({ channel: CHANNEL.id, ts: reply.ts!, text: 'progress 3/3' });
    const thread = await web.conversations.replies({ channel: CHANNEL.id, ts: posted.ts! });
    expect(thread.messages!.map((m) => m.text)).toEqual(['plan', 'progress 3/3']);
    expect(thread.messages![0]).toMatchObject({ reply_count: 1, latest_reply: reply.ts });

    // A channel name works as well as its id, as in Slack.
    const byName = await web.chat.postMessage({ channel: '#platform-ops', text: 'by name' });
    expect(byName.channel).toBe(CHANNEL.id);
    const history = await web.conversations.history({ channel: CHANNEL.id });
    expect(history.messages!.map((m) => m.text)).toEqual(['by name', 'plan']);

    const eph = await web.chat.postEphemeral({ channel: CHANNEL.id, user: 'U0APPROVER', text: 'psst' });
    expect(eph.message_ts).toBeTruthy();
    expect((await state(con, 'U0APPROVER')).ephemerals.map((e) => e.text)).toEqual(['psst']);
    expect((await state(con, 'U0REQUESTER')).ephemerals).toEqual([]);

    expect((await web.users.info({ user: 'U0APPROVER' })).user).toMatchObject({ id: 'U0APPROVER', name: 'sam' });
    expect((await web.usergroups.users.list({ usergroup: 'S0PLATFORM' })).users).toEqual(['U0APPROVER']);
    expect((await web.conversations.info({ channel: CHANNEL.id })).channel).toMatchObject({ id: CHANNEL.id, name: 'platform-ops' });

    await web.chat.delete({ channel: CHANNEL.id, ts: byName.ts! });
    expect((await state(con, 'U0REQUESTER')).messages.map((m) => m.text)).toEqual(['plan', 'progress 3/3']);
  });

  it('answers Slack’s errors: missing or wrong token, unknown channel, message, user, method', async () => {
    const con = await start();
    const web = client(con);
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e: { data?: { error?: string } }) => e.data?.error ?? String(e),
      );
    expect(await code(client(con, 'xoxb-wrong').auth.test())).toBe('invalid_auth');
    expect(await code(web.chat.postMessage({ channel: 'C0ELSEWHERE', text: 'x' }))).toBe('channel_not_found');
    expect(await code(web.chat.postMessage({ channel: CHANNEL.id, text: '' }))).toBe('no_text');
    expect(await code(web.chat.update({ channel: CHANNEL.id, ts: '1.000001', text: 'x' }))).toBe('message_not_found');
    expect(await code(web.users.info({ user: 'U0NOBODY' }))).toBe('user_not_found');
    expect(await code(web.usergroups.users.list({ usergroup: 'S0NONE' }))).toBe('no_such_subteam');
    expect(await code(web.apiCall('views.publish', { user_id: 'U0APPROVER' }))).toBe('unknown_method');

    // Without any token at all, as raw HTTP.
    const res = await fetch(`${con.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ channel: CHANNEL.id, text: 'hi' }).toString(),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: false, error: 'not_authed' });

    // The bot may not edit what a person wrote.
    const typed = await fetch(`${con.url}console/type`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'U0REQUESTER', text: 'morning all' }),
    });
    const { ts } = (await typed.json()) as { ts: string };
    expect(await code(web.chat.update({ channel: CHANNEL.id, ts, text: 'edited by the bot' }))).toBe('cant_update_message');
    expect(await code(web.chat.delete({ channel: CHANNEL.id, ts }))).toBe('cant_delete_message');
  });

  it('takes JSON bodies and query parameters too', async () => {
    const con = await start();
    const json = await fetch(`${con.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ channel: CHANNEL.id, text: 'json', blocks: [{ type: 'divider' }] }),
    });
    const posted = (await json.json()) as { ok: boolean; ts: string };
    expect(posted.ok).toBe(true);
    const query = await fetch(`${con.apiUrl}conversations.history?channel=${CHANNEL.id}&token=${TOKEN}`);
    const history = (await query.json()) as { ok: boolean; messages: { text: string; blocks: unknown[] }[] };
    expect(history).toMatchObject({ ok: true, messages: [{ text: 'json', blocks: [{ type: 'divider' }] }] });
  });

  it('serves the page, its scripts and /healthz; refuses page actions from elsewhere', async () => {
    const con = await start();
    const page = await fetch(con.url);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain('/console.js');
    expect(html).not.toMatch(/https?:\/\//); // nothing loaded from elsewhere
    for (const f of ['console.js', 'message-view.js', 'confirm-dialog.js', 'mrkdwn.js', 'blocks.js', 'emoji.js', 'console.css']) {
      const res = await fetch(`${con.url}${f}`);
      expect(res.status, f).toBe(200);
    }
    expect(await (await fetch(`${con.url}healthz`)).json()).toMatchObject({ ok: true, messages: 0, pages: 0 });
    const forged = await fetch(`${con.url}console/type`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
      body: JSON.stringify({ user: 'U0REQUESTER', text: '/mng upgrade nodegroup 1.23' }),
    });
    expect(forged.status).toBe(403);
    const simple = await fetch(`${con.url}console/type`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
    expect(simple.status).toBe(403);
    expect((await fetch(`${con.url}console/state?user=U0NOBODY`)).status).toBe(400);
  });
});

describe('live updates', () => {
  it('pushes posts and edits to every page, and ephemerals only to their person', async () => {
    const con = await start();
    const web = client(con);
    const dana = await readEvents(`${con.url}events?user=U0REQUESTER`);
    const sam = await readEvents(`${con.url}events?user=U0APPROVER`);
    readers.push(dana, sam);
    const snap = await dana.next((e) => e.event === 'snapshot');
    expect(snap.data).toMatchObject({ me: 'U0REQUESTER', channel: CHANNEL, command: '/mng', messages: [], ephemerals: [] });

    const posted = await web.chat.postMessage({ channel: CHANNEL.id, text: 'step 1' });
    await web.chat.update({ channel: CHANNEL.id, ts: posted.ts!, text: 'step 2' });
    for (const r of [dana, sam]) {
      const edit = await r.next((e) => e.event === 'upsert' && (e.data as { text: string }).text === 'step 2');
      expect(edit.data).toMatchObject({ ts: posted.ts, updates: 1 });
    }
    await web.chat.postEphemeral({ channel: CHANNEL.id, user: 'U0APPROVER', text: 'for sam' });
    await web.chat.postMessage({ channel: CHANNEL.id, text: 'after' });
    await sam.next((e) => (e.data as { text?: string }).text === 'for sam');
    await dana.next((e) => (e.data as { text?: string }).text === 'after');
    expect(dana.events.some((e) => (e.data as { text?: string }).text === 'for sam')).toBe(false);

    await web.chat.delete({ channel: CHANNEL.id, ts: posted.ts! });
    expect((await dana.next((e) => e.event === 'delete')).data).toEqual({ channel: CHANNEL.id, ts: posted.ts });
  });
});

describe('bounds', () => {
  it('keeps the last maxMessages channel messages, and thread counts follow', async () => {
    const con = await start({ maxMessages: 20 });
    const web = client(con);
    const parent = await web.chat.postMessage({ channel: CHANNEL.id, text: 'parent' });
    for (let i = 0; i < 5; i++) await web.chat.postMessage({ channel: CHANNEL.id, thread_ts: parent.ts!, text: `reply ${i}` });
    expect((await web.conversations.replies({ channel: CHANNEL.id, ts: parent.ts! })).messages![0].reply_count).toBe(5);
    for (let i = 0; i < 16; i++) await web.chat.postMessage({ channel: CHANNEL.id, text: `filler ${i}` });
    const s = await state(con, 'U0REQUESTER');
    expect(s.messages.length).toBe(20);
    // The parent went first, then the oldest reply; the other four replies stay.
    expect(s.messages.some((m) => m.text === 'parent')).toBe(false);
    expect(s.messages.filter((m) => m.thread_ts === parent.ts).map((m) => m.text)).toEqual(['reply 1', 'reply 2', 'reply 3', 'reply 4']);
    expect(s.messages.at(-1)!.text).toBe('filler 15');
  });

  it('edits replace a message in place, and a page that stops reading is dropped, not buffered for', async () => {
    const con = await start({ maxPageBacklogBytes: 256 * 1024 });
    const web = client(con);
    const posted = await web.chat.postMessage({ channel: CHANNEL.id, text: 'progress' });
    // A page that connects and then reads nothing more.
    const port = new URL(con.url).port;
    const stuck = connect({ host: '127.0.0.1', port: Number(port) });
    stuck.write(`GET /events?user=U0REQUESTER HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    stuck.pause();
    const live = await readEvents(`${con.url}events?user=U0APPROVER`);
    readers.push(live);
    await live.next((e) => e.event === 'snapshot');
    expect(((await (await fetch(`${con.url}healthz`)).json()) as { pages: number }).pages).toBe(2);

    const blocks = JSON.stringify([{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(2900) } }, { type: 'section', text: { type: 'mrkdwn', text: 'y'.repeat(2900) } }]);
    const edit = (i: number) =>
      fetch(`${con.apiUrl}chat.update`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${TOKEN}` },
        body: new URLSearchParams({ channel: CHANNEL.id, ts: posted.ts!, text: `edit ${i}`, blocks }).toString(),
      }).then((r) => r.json());
    const edits = 2000;
    for (let i = 0; i < edits; i += 50) await Promise.all(Array.from({ length: 50 }, (_, k) => edit(i + k)));
    await live.next((e) => e.event === 'upsert' && (e.data as { updates: number }).updates === edits, 10_000);

    const health = (await (await fetch(`${con.url}healthz`)).json()) as Record<string, number>;
    // One message, edited 2000 times; the page that reads stays, the stuck one is gone.
    expect(health).toMatchObject({ ok: true, messages: 1, ephemerals: 0, pages: 1 });
    const s = await state(con, 'U0REQUESTER');
    expect(s.messages).toHaveLength(1);
    expect(s.messages[0].updates).toBe(edits);
    stuck.destroy();
  });
});

describe('when the bot is not there', () => {
  it('a click or a command tells the person, as Slack does', async () => {
    const con = await start();
    const web = client(con);
    const plan = await web.chat.postMessage({ channel: CHANNEL.id, text: 'plan', blocks: [{ type: 'actions', block_id: 'b1', elements: [{ type: 'button', action_id: 'go', text: { type: 'plain_text', text: 'Go' }, value: 'v' }] }] });
    const post = (path: string, body: unknown) =>
      fetch(`${con.url}console/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
    expect(await post('click', { user: 'U0APPROVER', ts: plan.ts, action_id: 'go', block_id: 'b1' })).toMatchObject({ ok: false, error: 'dispatch_failed' });
    expect(await post('type', { user: 'U0APPROVER', text: '/mng list' })).toMatchObject({ ok: false, error: 'dispatch_failed' });
    expect(await post('type', { user: 'U0APPROVER', text: '/deploy prod' })).toMatchObject({ ok: false, error: 'invalid_command' });
    const told = (await state(con, 'U0APPROVER')).ephemerals.map((e) => e.text);
    expect(told).toEqual([
      expect.stringMatching(/did not take the click on “Go”: dispatch_failed/),
      expect.stringMatching(/\/mng failed with the error "dispatch_failed"/),
      expect.stringMatching(/\/deploy is not a valid command/),
    ]);
    expect((await state(con, 'U0REQUESTER')).ephemerals).toEqual([]);
    expect(await post('click', { user: 'U0APPROVER', ts: plan.ts, action_id: 'nope' })).toMatchObject({ ok: false, error: 'button_not_found' });
    expect(await post('type', { user: 'U0NOBODY', text: 'hi' })).toMatchObject({ ok: false, error: 'unknown_user' });
  });
});
