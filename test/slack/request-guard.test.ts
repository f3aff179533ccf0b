// What reaches Bolt: signed requests through Bolt's real HTTP receiver (the e2e harness), with bodies
// Slack never sends and timestamps off by minutes. Each is refused as Slack's verification would be,
// and the bot goes on answering.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedHeaders, startHarness, type Harness } from '../e2e/harness.js';

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

/** /mng help, answered through its response_url: the bot is alive and taking requests. */
async function answersHelp(timestamp?: number): Promise<number> {
  const { body, responseUrl } = h.commandBody('help');
  const res = await h.post(body, signedHeaders(body, timestamp === undefined ? {} : { timestamp }));
  if (res.status === 200) await h.fake.waitFor(() => h.fake.responses(responseUrl).length > 0, 5000, 'the help reply');
  return res.status;
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

describe('malformed bodies, correctly signed', () => {
  const cases: [string, string, string, RegExp][] = [
    ['payload=null', 'payload=null', FORM, /payload: expected an object, got null/],
    ['payload empty', 'payload=', FORM, /payload: expected JSON, got nothing/],
    ['payload garbage', 'payload=%7Bnot%20json', FORM, /payload: not valid JSON/],
    ['payload an array', 'payload=%5B%5D', FORM, /payload: expected an object, got an array/],
    ['payload a string', form({ payload: '"approve"' }), FORM, /payload: expected an object, got string/],
    ['payload twice', 'payload=%7B%7D&payload=%7B%7D', FORM, /payload: expected one form field/],
    ['block_actions without who clicked or what', form({ payload: '{"type":"block_actions"}' }), FORM, /payload: user: expected object/],
    ['block_actions with a button without id', form({ payload: JSON.stringify({ type: 'block_actions', user: { id: 'UAPPROVER1' }, actions: [{}] }) }), FORM, /actions\.0\.action_id/],
    ['an interaction of another type without a user', form({ payload: '{"type":"view_submission"}' }), FORM, /payload: user/],
    ['JSON null', 'null', JSON_TYPE, /body: expected an object, got null/],
    ['JSON []', '[]', JSON_TYPE, /body: expected an object, got an array/],
    ['JSON 42', '42', JSON_TYPE, /body: expected an object, got number/],
    ['JSON without a type', '{}', JSON_TYPE, /body: type: expected string/],
    ['an event without its event', '{"type":"event_callback"}', JSON_TYPE, /body: event: expected object/],
    ['JSON that is not', '{"type":', JSON_TYPE, /body: not valid JSON/],
    ['an empty form', '', FORM, /slash command: command/],
    ['a slash command with only a command and text', form({ command: '/mng', text: 'help' }), FORM, /slash command: user_id: expected string/],
    [
      'a slash command without its channel',
      form({ command: '/mng', text: 'help', user_id: 'UREQUESTER', response_url: 'http://127.0.0.1:9/response/1', trigger_id: 't-1' }),
      FORM,
      /slash command: channel_id/,
    ],
    ['a slash command whose response_url is no URL', form({ command: '/mng', text: 'help', user_id: 'U1', channel_id: 'C1', response_url: 'nope', trigger_id: 't-2' }), FORM, /response_url/],
  ];

  it.each(cases)('%s: 400 saying what was wrong; the bot answers the next request', async (_name, body, contentType, reason) => {
    const res = await h.post(body, signedHeaders(body, { contentType }));
    expect(res.status).toBe(400);
    expect(res.body).toMatch(reason);
    expect(await answersHelp()).toBe(200);
  });

  it('a refusal is logged with its reason, and nothing reached the listeners', async () => {
    const before = h.fake.calls.length;
    const res = await h.post('payload=null', signedHeaders('payload=null'));
    expect(res.status).toBe(400);
    expect(h.logLines.some((l) => /malformed body/.test(l) && /got null/.test(l))).toBe(true);
    expect(h.fake.calls.length).toBe(before);
    expect(await h.runs()).toEqual([]);
  });

  it('what Slack does send passes: the SSL check, unsigned, and the URL handshake', async () => {
    const ssl = await h.post('ssl_check=1&token=x', { 'content-type': FORM });
    expect(ssl.status).toBe(200);
    const challenge = JSON.stringify({ type: 'url_verification', challenge: 'c-123', token: 'x' });
    const handshake = await h.post(challenge, signedHeaders(challenge, { contentType: JSON_TYPE }));
    expect(handshake.status).toBe(200);
    expect(handshake.body).toContain('c-123');
  });
});

describe('request timestamps', () => {
  const nowSec = () => Math.floor(Date.now() / 1000);

  it.each([
    ['6 minutes old', -360],
    ['6 minutes ahead', +360],
    ['a day ahead', +86_400],
  ])('%s: 401, and the command is not run', async (_name, offsetSec) => {
    const { body, responseUrl } = h.commandBody('help');
    const res = await h.post(body, signedHeaders(body, { timestamp: nowSec() + offsetSec }));
    expect(res.status).toBe(401);
    // Refused before Bolt: a later good request is answered, this one never is.
    expect(await answersHelp()).toBe(200);
    expect(h.fake.responses(responseUrl)).toEqual([]);
    expect(h.logLines.some((l) => /not verified/.test(l) && /from now/.test(l))).toBe(true);
  });

  it.each([
    ['4 minutes old', -240],
    ['4 minutes ahead', +240],
  ])('%s: accepted and answered', async (_name, offsetSec) => {
    expect(await answersHelp(nowSec() + offsetSec)).toBe(200);
  });

  it('no timestamp, or a signature with another secret: 401', async () => {
    const body = h.commandBody('help').body;
    const { 'x-slack-request-timestamp': _ts, ...noTimestamp } = signedHeaders(body);
    expect((await h.post(body, noTimestamp)).status).toBe(401);
    expect((await h.post(body, signedHeaders(body, { secret: 'another-secret' }))).status).toBe(401);
    expect((await h.post(body, { ...signedHeaders(body), 'x-slack-signature': 'v0=zz' })).status).toBe(401);
  });
});
