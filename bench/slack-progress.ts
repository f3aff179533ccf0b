// How the Slack side keeps up with a large run: the 450-node scenario at high simulated speed, driven
// through Bolt's HTTP receiver against the fake Web API, counting chat.update calls and measuring the
// delay from an engine event to the edit that first shows it.
import { createHmac } from 'node:crypto';
import { createSimDeps } from '../src/app/compose.js';
import { isTerminal } from '../src/engine/run.js';
import { silentLogger } from '../src/log.js';
import { PacedClock } from '../src/sim/clock.js';
import { loadScenario } from '../src/sim/scenario.js';
import { createWorld } from '../src/sim/world.js';
import { createSlackApp } from '../src/slack/app.js';
import { Approvers } from '../src/app/approvers.js';
import { FakeWebApi } from '../test/slack/fake-web-api.js';
import type { EditRecord } from '../src/slack/progress.js';
import { MemoryRunStore } from '../src/store/memory-run-store.js';

const SECRET = 'bench-signing-secret';
const CHANNEL = 'C0BENCH';
/** Simulated seconds per real second. */
const SPEED = Number(process.env.BENCH_SLACK_SPEED ?? 1000);

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

/** Largest number of times in any window of windowMs (times in ms, ascending). */
function maxInWindow(times: number[], windowMs: number): number {
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < times.length; hi++) {
    while (times[hi] - times[lo] >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

async function signedPost(url: string, body: string): Promise<number> {
  const ts = Math.floor(Date.now() / 1000);
  const sig = `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
  const res = await fetch(`${url}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sig },
    body,
  });
  await res.text();
  return res.status;
}

export async function benchSlackProgress(): Promise<Record<string, number>> {
  const fake = await new FakeWebApi().start();
  const scenario = await loadScenario('scenarios/large-450.json');
  const clock = new PacedClock(SPEED, undefined, { skipStalls: true });
  const world = createWorld(scenario, { clock });
  const store = new MemoryRunStore();
  const approvers = new Approvers({ users: ['UAPPROVER1'], groups: [], allowSelfApproval: false });
  const { app, engine } = createSimDeps(scenario, {
    world,
    store,
    approvals: approvers,
    // Days of simulated time pass in seconds: keep the request from expiring while we click.
    defaults: { approvalExpiryMs: 365 * 86_400_000, drainTimeoutMs: 7 * 86_400_000 },
  });
  const edits: EditRecord[] = [];
  const slack = createSlackApp({
    settings: { botToken: 'xoxb-bench', signingSecret: SECRET, socketMode: false, apiUrl: fake.url, port: 0 },
    host: '127.0.0.1',
    app,
    log: silentLogger,
    onEdit: (e) => edits.push(e),
  });
  let events = 0;
  engine.onEvent(() => events++);
  const { port } = await slack.start();
  const url = `http://127.0.0.1:${port}`;
  try {
    const command = new URLSearchParams({
      command: '/mng',
      text: `upgrade nodegroup ${scenario.cluster.version}`,
      user_id: 'UREQUESTER',
      channel_id: CHANNEL,
      channel_name: 'bench',
      team_id: fake.teamId,
      response_url: fake.responseUrl(),
      trigger_id: 'bench-command',
    }).toString();
    if ((await signedPost(url, command)) !== 200) throw new Error('the slash command was refused');
    const plan = await fake.waitFor(() => [...fake.messages.values()].find((m) => !m.thread_ts && /mng_approve/.test(JSON.stringify(m.blocks ?? []))), 60_000, 'the plan');
    const runId = (await store.list())[0].id;
    // Subscribed before the click: the run's last event ends the measurement.
    let stopListening = () => {};
    const ended = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the run did not finish within 10 minutes')), 10 * 60_000);
      timer.unref();
      stopListening = engine.onEvent((e) => {
        if (e.runId !== runId || e.kind !== 'status' || !isTerminal(e.status)) return;
        clearTimeout(timer);
        resolve();
      });
    });
    ended.finally(() => stopListening()).catch(() => {});
    const started = performance.now();
    const simStarted = clock.now();
    const payload = {
      type: 'block_actions',
      user: { id: 'UAPPROVER1' },
      channel: { id: CHANNEL },
      container: { channel_id: CHANNEL, message_ts: plan.ts },
      message: { ts: plan.ts },
      response_url: fake.responseUrl(),
      actions: [{ action_id: 'mng_approve', value: runId, type: 'button' }],
      team: { id: fake.teamId },
    };
    if ((await signedPost(url, new URLSearchParams({ payload: JSON.stringify(payload) }).toString())) !== 200) throw new Error('the click was refused');

    await ended;
    const realSeconds = (performance.now() - started) / 1000;
    const simSeconds = (clock.now() - simStarted) / 1000;
    await slack.reporter.idle(60_000);
    const run = (await store.get(runId))!;

    const updates = fake.callsOf('chat.update').filter((c) => c.status === 200);
    const progressTs = run.notify?.progressTs ?? edits.find((e) => e.kind === 'progress')?.ts;
    const progressUpdates = updates.filter((c) => c.args.ts === progressTs);
    const latencies = edits.filter((e) => e.kind === 'progress').flatMap((e) => e.latenciesMs).sort((a, b) => a - b);
    // Gaps by the reporter's own clock: the fake shares this process, so arrival times stretch when
    // the engine keeps the event loop busy.
    const progressEdits = edits.filter((e) => e.kind === 'progress');
    const gaps = progressEdits.slice(1).map((e, i) => e.startedAt - progressEdits[i].startedAt);
    return {
      nodes: run.nodes.filter((n) => n.role === 'old').length,
      succeeded: run.status === 'succeeded' ? 1 : 0,
      simSpeed: SPEED,
      realSeconds: Math.round(realSeconds * 10) / 10,
      simSeconds: Math.round(simSeconds),
      engineEvents: events,
      chatUpdateCalls: updates.length,
      chatUpdateCallsProgressMessage: progressUpdates.length,
      chatUpdateMaxIn60s: maxInWindow(updates.map((c) => c.at), 60_000),
      chatUpdateMaxIn60sProgressMessage: maxInWindow(progressUpdates.map((c) => c.at), 60_000),
      minGapBetweenProgressEditsMs: gaps.length ? Math.round(Math.min(...gaps)) : NaN,
      eventToEditMedianMs: Math.round(quantile(latencies, 0.5)),
      eventToEditP95Ms: Math.round(quantile(latencies, 0.95)),
      threadReplies: fake.callsOf('chat.postMessage').length - 2,
    };
  } finally {
    await engine.stop();
    await slack.stop();
    await fake.stop();
  }
}

// Run alone: npx tsx bench/slack-progress.ts
if (import.meta.url === `file://${process.argv[1]}`) {
  benchSlackProgress().then(
    (r) => {
      for (const [k, v] of Object.entries(r)) console.log(`${k.padEnd(36)} ${v}`);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
