// Kill and restart, end to end: the bot (Bolt over HTTP, engine, lowdb data file) is killed at step
// boundaries and inside steps; its process state is thrown away and a new bot starts on the same data
// file, against the same world and the same Slack. Every run must end as it would have, with nothing
// done twice, and the progress shown in the same Slack message throughout.
//
// The world runs on a virtual clock that moves only when the living bot has nothing left to do at
// the current instant (its data-file I/O settled, Slack shown what it did), and stands still while a
// bot is dead or starting. On a clock paced by real time, a busy machine let more simulated time pass
// between two steps and during each restart (nodes booted, pods left meanwhile), so the run needed
// fewer steps, fewer saves and so fewer restarts: 16–18 on an idle machine, 13–14 with two CPU hogs,
// 9 seen in CI. Now the world moves with the bot's steps, not with the machine's speed: 19–23
// restarts, loaded or not. What still varies is the moment Slack's coordinates of the run are saved
// (after an HTTP round trip) among the first steps' saves, which shifts the kills by a save or two.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Approvers } from '../../src/app/approvers.js';
import { createSimDeps, type AppStore } from '../../src/app/compose.js';
import { startBot, type Bot } from '../../src/bot.js';
import type { Cluster, NodeGroups, RunStore, Sizes } from '../../src/engine/ports.js';
import { isTerminal, type Run } from '../../src/engine/run.js';
import { createLogger } from '../../src/log.js';
import { VirtualClock } from '../../src/sim/clock.js';
import { killable, type KillPlan, type KillSwitch } from '../../src/sim/kill-switch.js';
import { Rng } from '../../src/sim/rng.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { pendingCalls } from '../../src/app/simulate.js';
import { createWorld, type SimWorld } from '../../src/sim/world.js';
import { FakeWebApi, type FakeMessage } from '../slack/fake-web-api.js';
import { LowdbRunStore } from '../../src/store/lowdb-run-store.js';
import { BOT_TOKEN, CHANNEL, signedHeaders, SIGNING_SECRET, textOf } from './harness.js';

const REQUESTER = 'UREQUESTER';
const APPROVER = 'UAPPROVER1';
const quiet = createLogger({ level: 'error', write: () => {} });

interface Generation {
  bot: Bot;
  sw: KillSwitch;
  store: LowdbRunStore;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function post(url: string, body: string): Promise<number> {
  const res = await fetch(`${url}/slack/events`, { method: 'POST', headers: signedHeaders(body), body });
  await res.text();
  return res.status;
}


const macrotask = () => new Promise<void>((r) => setImmediate(r));

/**
 * Moves the world's clock timer by timer, and only while mayAdvance() holds (a bot is alive and
 * armed): before each jump every promise chain settles (a macrotask) and settled() resolves, so the
 * bot has acted on the present before time moves on.
 */
function drive(clock: VirtualClock, mayAdvance: () => boolean, settled: () => Promise<void>): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      await macrotask();
      await settled();
      await macrotask();
      if (!running) break;
      if (!mayAdvance() || !clock.advance()) await new Promise((r) => setTimeout(r, 2));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** One upgrade of the demo world, killing the bot as the plan says; returns what the world and Slack saw. */
async function upgradeWithKills(kill: KillPlan, label: string) {
  const dir = await mkdtemp(join(tmpdir(), 'mngbot-restart-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const fake = await new FakeWebApi({ users: [{ id: REQUESTER, name: 'rita' }, { id: APPROVER, name: 'alice' }] }).start();
  cleanups.push(() => fake.stop());
  const scenario = await loadScenario('scenarios/demo.json');
  const clock = new VirtualClock();
  const world: SimWorld = createWorld(scenario, { clock });
  const before: Sizes = world.groupSizes();
  const sizeCalls: Partial<Sizes>[] = [];
  const setSizes = world.nodeGroups.setSizes.bind(world.nodeGroups);
  world.nodeGroups.setSizes = (ref, sizes) => {
    sizeCalls.push(sizes);
    return setSizes(ref, sizes);
  };

  let generation = 0;
  let io = { quiesce: () => Promise.resolve() };
  const start = async (): Promise<Generation> => {
    const opened = pendingCalls(await LowdbRunStore.open({ dataDir: dir, log: () => {} }));
    io = opened;
    const store = opened.store;
    const sw = killable({ nodeGroups: world.nodeGroups, cluster: world.cluster, store }, kill, generation);
    const { app } = createSimDeps(scenario, {
      world,
      store: store as AppStore,
      ports: () => ({ nodeGroups: sw.nodeGroups as NodeGroups, cluster: sw.cluster as Cluster, store: sw.store as RunStore }),
      approvals: new Approvers({ users: [APPROVER], groups: [], allowSelfApproval: false }),
      defaults: { approvalExpiryMs: 7 * 24 * 3_600_000 },
      log: quiet,
    });
    const bot = await startBot({
      app,
      slack: { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, socketMode: false, apiUrl: fake.url, port: 0 },
      log: quiet,
      host: '127.0.0.1',
      schedulerTrigger: 'manual',
      // Slack calls take no simulated time: edits go out as soon as the last one is answered.
      options: { progressIntervalMs: 0 },
    });
    return { bot, sw, store };
  };
  /** What a crash leaves: nothing of this process runs on, nothing unsent is sent. */
  const abandon = async (g: Generation) => {
    await g.bot.slack.reporter.stop(0);
    await g.bot.slack.stop();
    await g.bot.scheduler.stop();
  };

  let g = await start();
  let armed = false;
  // The living bot has acted on the present once its data-file I/O is done and Slack shows what it
  // did (its replies and edits made), so a bot's replies do not depend on how fast the machine is.
  const settled = async () => {
    await io.quiesce();
    if (armed && !g.sw.killed) await g.bot.slack.reporter.idle(5000).catch(() => undefined);
    await io.quiesce();
  };
  const driver = drive(clock, () => armed && !g.sw.killed, settled);
  cleanups.push(() => driver.stop());
  const url = `http://127.0.0.1:${g.bot.port}`;
  const command = new URLSearchParams({
    team_id: fake.teamId,
    channel_id: CHANNEL,
    channel_name: 'platform',
    user_id: REQUESTER,
    user_name: 'rita',
    command: '/mng',
    text: `upgrade nodegroup ${scenario.cluster.version}`,
    response_url: fake.responseUrl(),
    trigger_id: 'trigger-command',
  }).toString();
  expect(await post(url, command)).toBe(200);
  const plan = await until('the plan message', () => [...fake.messages.values()].find((m) => !m.thread_ts && m.blocks?.length));
  const runId = (await until('the run', async () => (await g.bot.engine.list())[0])).id;
  const click = {
    type: 'block_actions',
    user: { id: APPROVER, username: 'alice', name: 'alice', team_id: fake.teamId },
    api_app_id: 'A0MNGBOT',
    container: { type: 'message', message_ts: plan.ts, channel_id: CHANNEL, is_ephemeral: false },
    trigger_id: 'trigger-approve',
    team: { id: fake.teamId, domain: 'fake' },
    channel: { id: CHANNEL, name: 'platform' },
    message: { type: 'message', ts: plan.ts, text: plan.text, blocks: plan.blocks },
    response_url: fake.responseUrl(),
    actions: [{ action_id: 'mng_approve', block_id: 'b', value: runId, type: 'button', action_ts: '1', text: { type: 'plain_text', text: 'Approve' } }],
  };
  // Counting starts before the approval, once the plan message is on the run: the approval is the
  // first save counted, whatever the speed of the HTTP round trips around it.
  await until('the plan message on the run', async () => (await g.bot.engine.get(runId))?.notify?.planTs);
  g.sw.arm();
  armed = true;
  expect(await post(url, new URLSearchParams({ payload: JSON.stringify(click) }).toString())).toBe(200);

  /** Simulated ms that passed while a bot was dead or starting: none, if the world waits for it. */
  const movedWhileDown: number[] = [];
  const restart = async () => {
    const diedAt = clock.now();
    await abandon(g);
    generation++;
    g = await start();
    g.sw.arm();
    movedWhileDown.push(clock.now() - diedAt);
  };

  let final: Run | undefined;
  const deadline = Date.now() + 60_000;
  while (!final) {
    if (Date.now() > deadline) {
      const stuck = await g.store.get(runId);
      throw new Error(`${label}: the run did not end (generation ${generation}, ${stuck?.status} in ${stuck?.phase}, killed ${g.sw.killed})`);
    }
    if (g.sw.killed) {
      await restart();
      continue;
    }
    const run = await Promise.race([g.bot.engine.get(runId), new Promise<undefined>((r) => setTimeout(r, 50))]);
    if (run && isTerminal(run.status)) final = run;
    else await new Promise((r) => setTimeout(r, 10));
  }
  // The end must reach Slack even if the bot dies right after it (its saves of Slack coordinates
  // count too): the next one catches up.
  for (;;) {
    if (g.sw.killed) {
      await restart();
      continue;
    }
    // Shown means recorded as shown: the reporter saves finalShown once the summary and final edits are out.
    if ((await g.store.get(runId))?.notify?.finalShown && (await g.bot.slack.reporter.idle(50).then(() => true, () => false))) break;
    await new Promise((r) => setTimeout(r, 10));
    if (Date.now() > deadline) throw new Error(`${label}: Slack never caught up with the end of the run`);
  }
  const result = { run: final, world, before, sizeCalls, fake, plan, restarts: generation, movedWhileDown };
  // The last bot may have died after the end too (saving that Slack shows it): leave it as a crash would.
  await driver.stop();
  await abandon(g);
  return result;
}

function threadOf(fake: FakeWebApi, plan: FakeMessage): FakeMessage[] {
  return [...fake.messages.values()].filter((m) => m.thread_ts === plan.ts && m.ts !== plan.ts);
}

function assertSameOutcome(r: Awaited<ReturnType<typeof upgradeWithKills>>, label: string): void {
  const { run, world, before, sizeCalls, fake, plan } = r;
  // What a restarted bot finds must not depend on how long the restart took on this machine.
  expect(r.movedWhileDown, `${label}: simulated time that passed during restarts`).toEqual(r.movedWhileDown.map(() => 0));
  const ledger = world.ledger();
  expect(run.status, `${label}: ${run.outcome?.summary}`).toBe('succeeded');
  expect({ ...ledger, label }).toMatchObject({ terminatedTwice: 0, podsLost: 0, pdbViolations: 0, nodesTerminatedWithPods: 0, leftTainted: 0, leftCordoned: 0, label });
  expect(world.groupSizes(), label).toEqual(before);
  // The surge once, the restore once: a restarted bot looks before it sets.
  expect(sizeCalls.filter((s) => s.max === before.max), `${label}: restores of max`).toHaveLength(1);
  expect(sizeCalls.filter((s) => s.max !== undefined && s.max > before.max), `${label}: surges`).toHaveLength(1);

  const thread = threadOf(fake, plan);
  const progress = thread.filter((m) => /Replaced \d+\/\d+/.test(textOf(m)) || /Phase/.test(textOf(m)));
  expect(progress.map((m) => m.ts), `${label}: one progress message, edited in place`).toHaveLength(1);
  expect(textOf(progress[0]), label).toMatch(/succeeded/i);
  const restartedReplies = thread.filter((m) => /restarted and picked this run up again/.test(m.text));
  // A bot killed before its reply reached Slack loses that reply, as a crashed process would.
  expect(restartedReplies.length, label).toBeGreaterThan(0);
  expect(restartedReplies.length, label).toBeLessThanOrEqual(r.restarts);
  expect(
    thread.filter((m) => /Upgrade succeeded/.test(textOf(m))),
    `${label}: one summary; thread: ${thread.map((m) => m.text.slice(0, 50)).join(' | ')}`,
  ).toHaveLength(1);
  expect(textOf(fake.messages.get(`${plan.channel}/${plan.ts}`)), label).toMatch(/Succeeded/);
}

describe('a bot killed and restarted on the same data file', () => {
  it('killed after each of its first saves, at every step boundary in turn', { timeout: 120_000 }, async () => {
    // Each bot dies right after its 2nd, 3rd, … 6th save, over and over: every boundary of the run is
    // hit by one bot or another (record, launch template, surge, taints, drains, terminations, restore).
    const afterSaves = Array.from({ length: 60 }, (_, i) => 2 + (i % 5));
    const r = await upgradeWithKills({ afterSaves }, 'afterSaves');
    expect(r.restarts).toBeGreaterThanOrEqual(10);
    assertSameOutcome(r, 'afterSaves');
  });

  it('killed at random instants inside steps, between a call reaching the world and its answer', { timeout: 120_000 }, async () => {
    const seed = Number(process.env.MNG_TEST_SEED ?? Date.now() % 100_000);
    const rng = new Rng(seed);
    const afterCalls = Array.from({ length: 12 }, () => 1 + rng.int(12));
    const label = `afterCalls seed ${seed} (${afterCalls.join(',')}); rerun with MNG_TEST_SEED=${seed}`;
    const r = await upgradeWithKills({ afterCalls }, label);
    expect(r.restarts, label).toBeGreaterThanOrEqual(6);
    assertSameOutcome(r, label);
  });
});
