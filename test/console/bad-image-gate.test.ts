// The demo's bad-image scenario through the console: dana asks for 1.30, sam approves, the canary's
// web pods crash-loop on the new image, and the thread asks Continue, Roll back or Abort before a
// second node is drained. Sam aborts; the fleet is left clean.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConsoleServer } from '../../src/console/server.js';
import { HEALTH_GATE, type Run } from '../../src/engine/run.js';
import type { Button, Message } from '../../src/slack/blocks/kit.js';
import { blockText } from '../slack/block-text.js';
import { APPROVER, REQUESTER, startBotWithConsole, until as waitUntil, waitForRun, type BotWithConsole } from './bot-fixture.js';

interface Shown {
  ts: string;
  text: string;
  thread_ts?: string;
  blocks?: Message['blocks'];
}

const seen = async (c: ConsoleServer, user: string) => (await fetch(`${c.url}console/state?user=${user}`).then((r) => r.json())) as { messages: Shown[] };
const act = (c: ConsoleServer, path: 'type' | 'click', body: Record<string, unknown>) =>
  fetch(`${c.url}console/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
const until = <T>(what: string, probe: () => Promise<T | undefined | false>) => waitUntil(what, probe, 20_000);
const buttons = (m: Shown) => (m.blocks ?? []).flatMap((b) => (b.type === 'actions' ? (b.elements as Button[]) : []));

let b: BotWithConsole;
let stopped: Run;
let question: Shown;
let ended: Run;
let thread: Shown[];

beforeAll(async () => {
  b = await startBotWithConsole({ scenario: 'scenarios/bad-image.json', speed: 500 });
  await act(b.console, 'type', { user: REQUESTER.id, text: '/mng upgrade nodegroup 1.30' });
  const plan = await until('the plan', async () => (await seen(b.console, REQUESTER.id)).messages.find((m) => /Upgrade demo\/workers/.test(m.text)));
  await waitForRun(b, () => true, 5000, 'the request');
  await act(b.console, 'click', { user: APPROVER.id, ts: plan.ts, action_id: 'mng_approve' });
  stopped = await waitForRun(b, (r) => r.status === 'needs-decision' && r.decision?.node === HEALTH_GATE, 30_000, 'the health gate');
  question = await until('the question in the thread', async () =>
    (await seen(b.console, APPROVER.id)).messages.find((m) => m.thread_ts === plan.ts && /health gate stopped the upgrade/.test(m.text)),
  );
  await act(b.console, 'click', { user: APPROVER.id, ts: question.ts, action_id: 'mng_decide_abort' });
  ended = await waitForRun(b, (r) => r.status === 'aborted', 30_000, 'the abort');
  await until('the summary', async () => (await seen(b.console, APPROVER.id)).messages.find((m) => m.thread_ts === plan.ts && /Upgrade of demo\/workers aborted/.test(m.text)));
  await b.slack.reporter.idle();
  thread = (await seen(b.console, APPROVER.id)).messages.filter((m) => m.thread_ts === plan.ts);
}, 120_000);

afterAll(async () => {
  await b?.close();
});

it('asks after the canary, naming the crashing pods and their last state, with Continue, Roll back and Abort', () => {
  const text = blockText({ text: question.text, blocks: question.blocks ?? [] });
  for (const p of stopped.decision!.gate!.pods) expect(text).toContain(`\`${p.pod}\``);
  expect(text).toMatch(/CrashLoopBackOff, last Error \(exit code 1\)/);
  expect(buttons(question).map((x) => [x.action_id, x.text.text])).toEqual([
    ['mng_decide_continue', 'Continue'],
    ['run_rollback', 'Roll back'],
    ['mng_decide_abort', 'Abort'],
  ]);
  expect(buttons(question)[1].value).toBe(stopped.id);
  // Only the canary was drained.
  expect(stopped.nodes.filter((n) => n.at.evicting !== undefined).map((n) => n.name)).toEqual(stopped.decision!.gate!.canary);
});

it('Abort: the question shows who chose, the run ends at the gate, and the summary says how the gate went', () => {
  const decided = thread.find((m) => m.ts === question.ts)!;
  expect(blockText({ text: decided.text, blocks: decided.blocks ?? [] })).toContain('<@U0APPROVER> chose *abort*');
  expect(buttons(decided)).toEqual([]);
  expect(ended.outcome?.gate).toMatchObject({ result: 'stopped', stops: 1 });
  const summary = blockText({ text: thread.at(-1)!.text, blocks: thread.at(-1)!.blocks ?? [] });
  expect(summary).toMatch(/Health gate: the run stopped there/);
  expect(b.world.ledger()).toMatchObject({ leftTainted: 0, leftCordoned: 0, podsLost: 0 });
});
