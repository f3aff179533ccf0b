// The bot as a process (node --import tsx src/main.ts on the simulator, Slack's Web API faked on
// 127.0.0.1): correctly signed requests with bodies Slack never sends, a timestamp from the future,
// and the faults nothing inside catches. After each the process is still there and answers /mng help.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeWebApi } from '../slack/fake-web-api.js';
import { BOT_TOKEN, CHANNEL, signedHeaders, SIGNING_SECRET } from './harness.js';

const BASE_ENV = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' };
const FAULTS = pathToFileURL(resolve('test/e2e/fixtures/faults-on-signal.mjs')).href;

interface LogLine {
  level: string;
  msg: string;
  [k: string]: unknown;
}

let fake: FakeWebApi;
let dir: string;
let child: ChildProcessWithoutNullStreams;
let url: string;
const lines: LogLine[] = [];
let stderr = '';
let triggers = 0;

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (child.exitCode !== null) throw new Error(`the bot exited (${child.exitCode}) while waiting for ${what}; stderr: ${stderr}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; log: ${lines.map((l) => l.msg).join(' | ')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function post(body: string, headers: Record<string, string>): Promise<number> {
  const res = await fetch(`${url}/slack/events`, { method: 'POST', headers, body });
  await res.text();
  return res.status;
}

/** A good /mng help, answered through its response_url. */
async function help(): Promise<string> {
  const responseUrl = fake.responseUrl();
  const body = new URLSearchParams({
    team_id: fake.teamId,
    channel_id: CHANNEL,
    user_id: 'UREQUESTER',
    command: '/mng',
    text: 'help',
    response_url: responseUrl,
    trigger_id: `trigger-process-${++triggers}`,
  }).toString();
  expect(await post(body, signedHeaders(body))).toBe(200);
  const [reply] = await until('the help reply', () => (fake.responses(responseUrl).length ? fake.responses(responseUrl) : undefined));
  return `${String(reply.text)} ${JSON.stringify(reply.blocks ?? [])}`;
}

beforeAll(async () => {
  fake = await new FakeWebApi().start();
  dir = await mkdtemp(join(tmpdir(), 'mngbot-process-'));
  child = spawn(process.execPath, ['--import', 'tsx', '--import', FAULTS, 'src/main.ts'], {
    env: {
      ...BASE_ENV,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.url,
      MNG_WORLD: 'sim',
      MNG_SCENARIO: 'scenarios/demo.json',
      MNG_DATA_DIR: dir,
      PORT: '0',
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let pending = '';
  child.stdout.on('data', (d: Buffer) => {
    pending += d.toString();
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const p of parts) {
      try {
        lines.push(JSON.parse(p) as LogLine);
      } catch {
        lines.push({ level: 'text', msg: p });
      }
    }
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // The port chosen for PORT=0 is in the "mngbot ready" line.
  const ready = await until('mngbot ready', () => lines.find((l) => l.msg === 'mngbot ready'));
  url = `http://127.0.0.1:${String(ready.port)}`;
}, 30_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  await fake?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('src/main.ts as a process', () => {
  it('answers /mng help', { timeout: 20_000 }, async () => {
    expect(await help()).toMatch(/\/mng upgrade/);
  });

  it('refuses signed malformed bodies and a timestamp from the future, and goes on answering', { timeout: 30_000 }, async () => {
    const bad: [string, string, string, number][] = [
      ['payload=null', 'payload=null', 'application/x-www-form-urlencoded', 400],
      ['payload garbage', 'payload=%7Bnot%20json', 'application/x-www-form-urlencoded', 400],
      ['JSON null', 'null', 'application/json', 400],
      ['JSON []', '[]', 'application/json', 400],
      ['a slash command missing fields', 'command=%2Fmng&text=help', 'application/x-www-form-urlencoded', 400],
    ];
    for (const [name, body, contentType, status] of bad) {
      expect(await post(body, signedHeaders(body, { contentType })), name).toBe(status);
      expect(child.exitCode, `${name}: the process is still there`).toBeNull();
    }
    const future = new URLSearchParams({ command: '/mng', text: 'help', user_id: 'U1', channel_id: CHANNEL, response_url: fake.responseUrl(), trigger_id: 'trigger-future' }).toString();
    expect(await post(future, signedHeaders(future, { timestamp: Math.floor(Date.now() / 1000) + 600 }))).toBe(401);
    expect(await help()).toMatch(/\/mng upgrade/);
    expect(child.exitCode).toBeNull();
  });

  it('logs an unhandled rejection and an uncaught exception with a reference, and does not exit', { timeout: 20_000 }, async () => {
    child.kill('SIGUSR2');
    const rejection = await until('the rejection logged', () => lines.find((l) => /unhandled promise rejection/.test(l.msg)));
    const exception = await until('the exception logged', () => lines.find((l) => /uncaught exception/.test(l.msg)));
    for (const [line, message] of [
      [rejection, 'injected rejection'],
      [exception, 'injected exception'],
    ] as const) {
      expect(line).toMatchObject({ level: 'error', app: 'mngbot', ref: expect.stringMatching(/^[0-9a-f]{8}$/), error: { message } });
    }
    expect(rejection.ref).not.toBe(exception.ref);
    expect(await help()).toMatch(/\/mng upgrade/);
    expect(child.exitCode).toBeNull();
  });

  it('still stops cleanly on SIGTERM', { timeout: 20_000 }, async () => {
    expect(child.exitCode, `the bot had already exited; stderr: ${stderr}`).toBeNull();
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
