// The listeners called directly, as Bolt would call them, against a real engine on a simulated world.
import { buildEngine } from '../../src/app/compose.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/commands.js';
import { isActive } from '../../src/engine/run.js';
import { silentLogger } from '../../src/log.js';
import { PacedClock } from '../../src/sim/clock.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { createWorld, type SimWorld } from '../../src/sim/world.js';
import { Application, type ApplicationDeps } from '../../src/app/application.js';
import { Approvers } from '../../src/app/approvers.js';
import type { Block } from '../../src/slack/blocks/kit.js';
import { approveAction } from '../../src/slack/listeners/actions/approve.js';
import { decideAction } from '../../src/slack/listeners/actions/decide.js';
import { mngCommand } from '../../src/slack/listeners/commands/mng.js';
import type { CommandArgs, HandlerDeps, RespondMessage } from '../../src/slack/listeners/deps.js';
import { Targets } from '../../src/app/targets.js';
import { MemoryRunStore } from '../../src/store/memory-run-store.js';
import { randomText, rng } from './fuzz.js';

let world: SimWorld;
let engine: Engine;
let store: MemoryRunStore;
let appDeps: ApplicationDeps;
let deps: HandlerDeps;

/** The handlers' deps over an Application made of the shared parts, with some replaced. */
function handlerDeps(over: Partial<ApplicationDeps>): HandlerDeps {
  return { app: new Application({ ...appDeps, ...over }), reporter: { setCoords: () => {} }, log: silentLogger };
}
let calls: string[];
let posted: { channel: string; text: string; blocks?: Block[] }[];

/** Records which engine methods a handler reaches, passing every call through to the real engine. */
function recording(e: Engine): Engine {
  return new Proxy(e, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls.push(String(prop));
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

function command(text: string, user = 'UREQUESTER', channel = 'C0PLATFORM') {
  const replies: RespondMessage[] = [];
  let acked = 0;
  const args: CommandArgs = {
    command: { text, user_id: user, channel_id: channel, channel_name: 'platform' },
    ack: async () => {
      acked++;
    },
    respond: async (m) => {
      replies.push(m);
    },
    client: {
      chat: {
        postMessage: async (a) => {
          posted.push(a);
          return { ts: `1.${posted.length}` };
        },
        update: async () => ({}),
      },
    },
  };
  return { args, replies, acked: () => acked };
}

beforeAll(async () => {
  const scenario = await loadScenario('scenarios/demo.json');
  const clock = new PacedClock(1000, undefined, { skipStalls: true });
  world = createWorld(scenario, { clock });
  store = new MemoryRunStore();
  const approvers = new Approvers({ users: ['UAPPROVER1'], groups: [], allowSelfApproval: false });
  engine = buildEngine({ nodeGroups: world.nodeGroups, clusterFor: () => world.cluster, store, clock, policy: approvers });
  appDeps = {
    engine: recording(engine),
    nodeGroups: world.nodeGroups,
    targets: new Targets([{ name: 'demo', nodegroups: ['workers'] }], world.nodeGroups),
    approvers,
    store,
    schedules: store,
    windowsOf: () => [],
    clock,
    log: silentLogger,
  };
  deps = handlerDeps({});
});

afterAll(async () => {
  await engine.stop();
});

describe('/mng handler', () => {
  it('fuzz: random input never throws, always acks and replies, and never starts a run', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
    const r = rng(seed);
    for (let i = 0; i < 1500; i++) {
      calls = [];
      posted = [];
      const text = randomText(r);
      const c = command(text, r() < 0.5 ? 'UREQUESTER' : 'UAPPROVER1');
      const context = `seed ${seed}, case ${i}, input ${JSON.stringify(text)}`;
      try {
        await mngCommand(deps, c.args);
      } catch (err) {
        throw new Error(`${context}: the handler threw ${String(err)}`);
      }
      expect(c.acked(), context).toBe(1);
      // Every command answers the person, or posts a plan (which also answers).
      expect(c.replies.length + posted.length, context).toBeGreaterThan(0);
      // Private replies, except the channel's notice of a schedule made or cancelled.
      for (const reply of c.replies) {
        if (reply.response_type === 'in_channel') expect(reply.text, context).toMatch(/^Scheduled s-|^Schedule s-\S+ cancelled/);
        else expect(reply.response_type, context).toBe('ephemeral');
      }
      expect(calls, context).not.toContain('approve');
      expect(calls, context).not.toContain('decide');
      // Withdraw anything a lucky valid "upgrade" asked for, so the next case starts clean.
      for (const run of await store.list({ statuses: ['awaiting-approval'] })) await engine.cancel(run.id, { user: 'test', at: 0 });
    }
    const runs = await store.list();
    expect(runs.filter((x) => isActive(x.status) || x.approvedBy)).toEqual([]);
  });

  it('a usage error reaches no engine method and quotes the input', async () => {
    calls = [];
    posted = [];
    const c = command('upgrade nodegroup 1.30 --surge many');
    await mngCommand(deps, c.args);
    expect(calls).toEqual([]);
    expect(posted).toEqual([]);
    expect(c.replies[0].text).toMatch(/Not understood/);
    expect(JSON.stringify(c.replies[0].blocks)).toContain('/mng upgrade nodegroup 1.30 --surge many');
  });

  it('a UserError from the engine becomes an ephemeral reply with its hint', async () => {
    calls = [];
    posted = [];
    const c = command('upgrade nodegroup 1.28');
    await mngCommand(deps, c.args);
    expect(posted).toEqual([]);
    expect(c.replies).toHaveLength(1);
    expect(c.replies[0].response_type).toBe('ephemeral');
    expect(c.replies[0].text).toMatch(/1\.28/);
  });

  it('names what is missing when more than one cluster or node group is configured, and checks channels', async () => {
    const many = handlerDeps({ targets: new Targets([{ name: 'demo', nodegroups: ['workers', 'gpu'] }, { name: 'prod', channels: ['#prod-ops'] }], world.nodeGroups) });
    const noCluster = command('upgrade nodegroup 1.30');
    await mngCommand(many, noCluster.args);
    expect(JSON.stringify(noCluster.replies)).toMatch(/which cluster\?.*--cluster: demo, prod/);
    const noGroup = command('upgrade nodegroup 1.30 --cluster demo');
    await mngCommand(many, noGroup.args);
    expect(JSON.stringify(noGroup.replies)).toMatch(/which node group\?.*--nodegroup: workers, gpu/);
    const unknown = command('upgrade nodegroup 1.30 --cluster nope');
    await mngCommand(many, unknown.args);
    expect(JSON.stringify(unknown.replies)).toMatch(/cluster nope is not configured/);
    const wrongChannel = command('upgrade nodegroup 1.30 --cluster prod --nodegroup x');
    await mngCommand(many, wrongChannel.args);
    expect(JSON.stringify(wrongChannel.replies)).toMatch(/not driven from this channel.*#prod-ops/);
  });

  it('anything else is logged with a reference the person sees', async () => {
    const lines: string[] = [];
    const { createLogger } = await import('../../src/log.js');
    const broken = {
      ...handlerDeps({ engine: new Proxy(engine, { get: (t, p) => (p === 'list' ? async () => Promise.reject(new Error('database on fire (token xoxb-secret-123)')) : Reflect.get(t, p)) }) }),
      log: createLogger({ write: (l) => lines.push(l) }),
    };
    const c = command('status');
    await mngCommand(broken, c.args);
    const ref = /Reference `([0-9a-f]{8})`/.exec(JSON.stringify(c.replies))?.[1];
    expect(ref).toBeDefined();
    const logged = lines.find((l) => l.includes(ref!));
    expect(logged).toMatch(/database on fire/);
    expect(logged).not.toContain('xoxb-secret-123');
    expect(JSON.stringify(c.replies)).not.toMatch(/database on fire/);
  });
});

describe('/mng schedule, windows, history and audit handlers', () => {
  it('without a schedule store or an audit log they say so, privately, and start nothing', async () => {
    const bare = handlerDeps({ schedules: undefined, store: { audit: (e) => store.audit(e) }, windowsOf: () => [] });
    posted = [];
    for (const [text, user, reply] of [
      ['schedule list', 'UREQUESTER', /schedules are not available/],
      ['schedule upgrade nodegroup 1.30 --at 0 2 * * SAT', 'UREQUESTER', /schedules are not available/],
      ['schedule cancel s-abcde', 'UREQUESTER', /schedules are not available/],
      ['audit', 'UAPPROVER1', /the audit log is not available/],
      ['audit', 'UREQUESTER', /only approvers may read the audit log/],
      ['windows', 'UREQUESTER', /no maintenance windows/],
    ] as const) {
      const c = command(text, user);
      await mngCommand(bare, c.args);
      expect(c.replies, text).toHaveLength(1);
      expect(c.replies[0].response_type, text).toBe('ephemeral');
      expect(JSON.stringify(c.replies[0]), text).toMatch(reply);
    }
    expect(posted).toEqual([]);
  });

  it('schedule ids are short, typeable and never reused', async () => {
    const ids = ['s-aaaaa', 's-aaaaa', 's-bbbbb'];
    const schedules = new MemoryRunStore();
    const d = handlerDeps({ schedules, newScheduleId: () => ids.shift() ?? 's-zzzzz' });
    for (let i = 0; i < 2; i++) await mngCommand(d, command('schedule upgrade nodegroup 1.30 --at 0 2 * * SAT', 'UAPPROVER1').args);
    expect((await schedules.listSchedules()).map((s) => s.id).sort()).toEqual(['s-aaaaa', 's-bbbbb']);
  });

  it('windows: a group with windows shows whether one is open and the next openings', async () => {
    const now = deps.app.clock.now();
    const d = handlerDeps({ windowsOf: () => [{ cron: '* * * * *', duration: '1h', timezone: 'UTC' }] });
    const c = command('windows');
    await mngCommand(d, c.args);
    const text = JSON.stringify(c.replies[0]);
    expect(text).toContain('demo/workers');
    expect(text).toMatch(/open now\*, closes/);
    expect(now).toBeGreaterThan(0);
  });
});

describe('action handlers', () => {
  it('refuse a button that names no run, without calling the engine', async () => {
    calls = [];
    const replies: RespondMessage[] = [];
    const base = { ack: async () => {}, respond: async (m: RespondMessage) => void replies.push(m), client: { chat: { postMessage: async () => ({ ts: '1' }), update: async () => ({}) } } };
    await approveAction(deps, { ...base, body: { user: { id: 'UAPPROVER1' } }, action: { action_id: 'mng_approve', value: '{"x":1}' } });
    await decideAction(deps, { ...base, body: { user: { id: 'UAPPROVER1' } }, action: { action_id: 'mng_decide_force', value: 'garbage' } });
    expect(calls).toEqual([]);
    expect(replies.map((r) => r.text)).toEqual(['this button does not name a run', 'this button does not name a run and a node']);
  });
});
