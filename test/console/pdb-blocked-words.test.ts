// The pdb-blocked flow through the console as a new user meets it: dana asks for 1.30, sam approves,
// then Force, Skip node and Abort on the three blocked drains. What the thread says must be true.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleServer } from '../../src/console/server.js';
import type { Run } from '../../src/engine/run.js';
import type { Message } from '../../src/slack/blocks/kit.js';
import { blockText } from '../slack/block-text.js';
import { APPROVER, REQUESTER, startBotWithConsole, until as waitUntil, waitForRun, type BotWithConsole } from './bot-fixture.js';

interface Shown {
  ts: string;
  text: string;
  user: string;
  thread_ts?: string;
  blocks?: Message['blocks'];
}
interface Seen {
  messages: Shown[];
  ephemerals: Shown[];
}

const seen = async (c: ConsoleServer, user: string) => (await fetch(`${c.url}console/state?user=${user}`).then((r) => r.json())) as Seen;
const act = (c: ConsoleServer, path: 'type' | 'click', body: Record<string, unknown>) =>
  fetch(`${c.url}console/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
    (r) => r.json() as Promise<{ ok: boolean; error?: string }>,
  );
const words = (m: Shown | undefined) => (m ? blockText({ text: m.text, blocks: m.blocks ?? [] }) : '');

const until = <T>(what: string, probe: () => Promise<T | undefined | false>) => waitUntil(what, probe, 20_000);

let b: BotWithConsole;
let run: Run;
let thread: Shown[];
const blockedTs: Record<string, string> = {};
let statusAtSkip = '';

beforeAll(async () => {
  b = await startBotWithConsole({ scenario: 'scenarios/pdb-blocked.json', speed: 500 });
  await act(b.console, 'type', { user: REQUESTER.id, text: '/mng upgrade nodegroup 1.30' });
  const plan = await until('the plan', async () => (await seen(b.console, REQUESTER.id)).messages.find((m) => /Upgrade payments\/core/.test(m.text)));
  const requested = await waitForRun(b, () => true, 5000, 'the request');
  await act(b.console, 'click', { user: APPROVER.id, ts: plan.ts, action_id: 'mng_approve' });

  const decideOn = async (nth: number, actionId: string) => {
    const r = await waitForRun(b, (x) => x.status === 'needs-decision' && !Object.values(blockedTs).includes(x.decision!.node), 30_000, `blocked drain ${nth}`);
    const node = r.decision!.node;
    const q = await until(`the question on ${node}`, async () =>
      (await seen(b.console, APPROVER.id)).messages.find((m) => m.thread_ts === plan.ts && m.text.includes(`Drain of ${node} is blocked`)),
    );
    blockedTs[q.ts] = node;
    if (actionId === 'mng_decide_skip') {
      const before = (await seen(b.console, APPROVER.id)).ephemerals.length;
      await act(b.console, 'type', { user: APPROVER.id, text: `/mng status ${r.id}` });
      statusAtSkip = words(await until('the status', async () => (await seen(b.console, APPROVER.id)).ephemerals[before]));
    }
    await act(b.console, 'click', { user: APPROVER.id, ts: q.ts, action_id: actionId });
    await waitForRun(b, (x) => x.decision?.node !== node || x.status !== 'needs-decision', 10_000, `the ${actionId} of ${node}`);
  };
  await decideOn(1, 'mng_decide_force');
  await decideOn(2, 'mng_decide_skip');
  await decideOn(3, 'mng_decide_abort');
  run = await waitForRun(b, (x) => x.id === requested.id && x.status === 'aborted', 30_000, 'the abort');
  await b.slack.reporter.endShown(run.id);
  thread = (await seen(b.console, APPROVER.id)).messages.filter((m) => m.thread_ts === plan.ts);
}, 120_000);

afterAll(async () => {
  await b?.close();
});

const replyOn = (node: string) => thread.find((m) => m.text.startsWith(`Drain of ${node} is blocked`));
const nodes = () => Object.values(blockedTs);

describe('Force, Skip node and Abort on pdb-blocked.json, through the console', () => {
  it('every decided reply still names the pod that blocked it, as /mng status did', () => {
    const [forced, skipped, aborted] = nodes();
    expect(statusAtSkip).toMatch(/ledger/);
    for (const node of [forced!, skipped!, aborted!]) {
      const reply = words(replyOn(node));
      expect(reply).toMatch(/by 1 pod and 1 PodDisruptionBudget/);
      expect(reply).toMatch(/`payments\/ledger-\d`/);
      expect(reply).not.toContain('no pods named');
    }
    expect(words(replyOn(skipped!))).toContain('chose *skip the node*');
  });

  // The abort leaves the group larger because the ledger pod forced off the first node lands on the
  // last surge node to join (the api pods took the other two), and the cleanup picks that node as
  // surplus and cannot drain it (its PDB allows no disruption). Were the pod elsewhere, both surplus
  // nodes would go and the size be as recorded: the simulator's clock keeps the join order.
  it('the summary says the size the group was left at, as its own bullet does', () => {
    const summary = words(thread.at(-1));
    const left = /left at desired (\d+), max (\d+)/.exec(summary);
    expect(left).not.toBeNull();
    const o = run.original!.sizes;
    expect(summary).toContain(`*Group size* (min/max/desired): ${o.min}/${left![2]}/${left![1]}, not ${o.min}/${o.max}/${o.desired} as recorded`);
    expect(run.outcome!.sizes).toEqual({ min: o.min, max: Number(left![2]), desired: Number(left![1]) });
  });

  it('people are mentions, never raw ids; the stay line names new nodes; no "1 nodes", "..", or "done, done"', () => {
    const all = thread.map(words).join('\n');
    expect(all).toContain('<@U0APPROVER>');
    expect(all).not.toMatch(/(?<!<@)U0APPROVER/);
    expect(all).not.toMatch(/\b1 (nodes|pods)\b/);
    expect(all).not.toMatch(/\.\.(?!\.)/);
    expect(all).not.toContain('done, done');
    expect(all).not.toContain('Left as it was');
    const summary = words(thread.at(-1));
    const stay = /replaced by nodes on \S+; the new nodes? stays?: (.*)/.exec(summary);
    expect(stay).not.toBeNull();
    for (const old of run.nodes.filter((n) => n.role === 'old' && n.state === 'terminated')) expect(stay![1]).not.toContain(old.name);
    for (const name of stay![1].split(', ')) expect(run.newNodes.map((n) => n.name)).toContain(name);
  });

  it('the node a person skipped is "skipped"; the one the abort left is "not replaced"', () => {
    const [, skipped, aborted] = nodes();
    const progress = words(thread[0]);
    const line = (node: string) => progress.split('\n').find((l) => l.includes(`\`${node}\``)) ?? '';
    expect(line(skipped!)).toContain('*skipped*');
    expect(line(aborted!)).toContain('*not replaced*');
    expect(progress).toMatch(/skipped \*1\* · not replaced \*1\*/);
  });

  it('progress lines show every step once: cordoned included, no state said twice', () => {
    const progress = words(thread[0]);
    const [forced] = nodes();
    const line = progress.split('\n').find((l) => l.includes(`\`${forced}\``))!;
    expect(line).toMatch(/tainted.* → evicting .* → cordoned .* → terminating/);
    expect(progress).not.toMatch(/\*(\w+)\* · \1 /);
  });

  it('the requester is told who else can approve, not herself', async () => {
    const told = (await seen(b.console, REQUESTER.id)).ephemerals.map(words).find((e) => e.includes('It needs an approver'));
    expect(told).toContain(`<@${APPROVER.id}>`);
    expect(told).not.toContain(`<@${REQUESTER.id}>`);
  });
});

describe('what the engine hands back for a decision', () => {
  it('is the run as decided, with the question it answered, even once the runner has moved on', async () => {
    const c = await startBotWithConsole({ scenario: 'scenarios/pdb-blocked.json', speed: 500 });
    try {
      await act(c.console, 'type', { user: REQUESTER.id, text: '/mng upgrade nodegroup 1.30' });
      const asked = await waitForRun(c, () => true, 10_000, 'the request');
      await c.engine.approve(asked.id, { user: APPROVER.id, at: c.world.clock.now() });
      const blocked = await waitForRun(c, (r) => r.status === 'needs-decision', 30_000, 'a blocked drain');
      const decided = await c.engine.decide(blocked.id, blocked.decision!.node, 'skip', { user: APPROVER.id, at: c.world.clock.now() });
      await waitForRun(c, (r) => r.nodes.some((n) => n.name === blocked.decision!.node && n.state === 'skipped'), 10_000, 'the skip');
      expect(decided.decision?.blockers.map((x) => x.pod)).toEqual(blocked.decision!.blockers.map((x) => x.pod));
    } finally {
      await c.close();
    }
  }, 60_000);
});

describe('a second upgrade while one runs (EKS Workshop, managed), and the audit log refused', () => {
  it('points at the run under way: its id, its status, how to follow it; no --force hint, no plan posted', async () => {
    const c = await startBotWithConsole({ speed: 200, approvers: [APPROVER.id] });
    try {
      await act(c.console, 'type', { user: REQUESTER.id, text: '/mng upgrade nodegroup 1.23' });
      const plan = await until('the plan', async () => (await seen(c.console, REQUESTER.id)).messages.find((m) => /Upgrade eksworkshop/.test(m.text)));
      await act(c.console, 'click', { user: APPROVER.id, ts: plan.ts, action_id: 'mng_approve' });
      const running = await waitForRun(c, (r) => r.status === 'running' && !!r.eks?.updateId, 20_000, 'the update');
      await act(c.console, 'type', { user: APPROVER.id, text: '/mng upgrade nodegroup 1.23' });
      const reply = words(await until('the reply', async () => (await seen(c.console, APPROVER.id)).ephemerals.find((e) => /already has an upgrade|cannot be approved/.test(words(e)))));
      expect(reply).toContain(`already has an upgrade running: run ${running.id}`);
      expect(reply).toContain(`/mng status ${running.id}`);
      expect(reply).not.toMatch(/--force|cannot be approved: this upgrade/i);
      expect((await seen(c.console, APPROVER.id)).messages.filter((m) => !m.thread_ts)).toHaveLength(1);

      // dana is no approver here: the refusal names who is, as a mention Slack shows as one.
      await act(c.console, 'type', { user: REQUESTER.id, text: '/mng audit' });
      const refused = await until('the audit refusal', async () => (await seen(c.console, REQUESTER.id)).ephemerals.find((e) => /audit log/.test(words(e))));
      expect(words(refused)).toContain(`_approvers: <@${APPROVER.id}>_`);
      expect(words(refused)).not.toContain('&lt;');
    } finally {
      await c.close();
    }
  }, 60_000);
});
