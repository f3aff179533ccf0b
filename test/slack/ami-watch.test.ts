// The AMI watch over a fleet of three simulated node groups, two of them behind: one message for the
// fleet at the configured time, a Schedule into next window button per group behind that asks for the
// upgrade as a plan awaiting approval, to start in the group's next window; nothing when all are current.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startBackground, type Background } from '../../src/app/background.js';
import type { Block } from '../../src/slack/blocks/kit.js';
import { silentLogger } from '../../src/log.js';
import type { VirtualClock } from '../../src/sim/clock.js';
import { imagesFor } from '../../src/sim/images.js';
import { postAmiWatch } from '../../src/slack/ami-watch-post.js';
import { ACTION_AMI_SCHEDULE } from '../../src/slack/blocks/fleet.js';
import { amiScheduleAction } from '../../src/slack/listeners/actions/ami-schedule.js';
import type { ActionArgs, HandlerDeps, RespondMessage } from '../../src/slack/listeners/deps.js';
import type { ChatApi } from '../../src/slack/progress.js';
import { simFleet, type FleetMember } from '../app/sim-fleet.js';

const WATCH = { cron: '0 9 * * *', timezone: 'UTC', channel: 'C0FLEET' };
const SATURDAY_BERLIN = [{ cron: '0 2 * * SAT', duration: '4h', timezone: 'Europe/Berlin' }];
const v130 = imagesFor('AL2', '1.30');
const v129 = imagesFor('AL2', '1.29');

/** shop/web runs the latest; payments/core is two releases behind (with a Saturday window), batch/spot one. */
const TWO_BEHIND: FleetMember[] = [
  { cluster: 'shop', nodegroup: 'web', version: '1.30' },
  { cluster: 'payments', nodegroup: 'core', version: '1.30', releaseVersion: v130[0].releaseVersion, windows: SATURDAY_BERLIN },
  { cluster: 'batch', nodegroup: 'spot', version: '1.29', releaseVersion: v129[0].releaseVersion },
];

interface Posted {
  channel: string;
  text: string;
  blocks?: Block[];
}

function fakeChat(posted: Posted[]): ChatApi {
  return {
    chat: {
      postMessage: async (a: Posted) => {
        posted.push(a);
        return { ts: `1.${posted.length}` };
      },
      update: async () => ({}),
    },
  } as unknown as ChatApi;
}

/** Moves the virtual clock to atMs, firing the worlds' timers on the way. */
function moveTo(clock: VirtualClock, atMs: number): void {
  clock.schedule(atMs, () => {});
  while (clock.now() < atMs && clock.advance());
}

const at = (h: number, m = 0) => Date.UTC(2026, 0, 1, h, m);

let background: Background | undefined;
afterEach(async () => {
  await background?.stop();
  background = undefined;
});

describe('the AMI watch', () => {
  it('posts one message for the fleet at its time, and its button asks for the upgrade in the next window', async () => {
    const fleet = await simFleet(TWO_BEHIND, { amiWatch: WATCH, clockStartMs: at(8, 58) });
    const posted: Posted[] = [];
    const client = fakeChat(posted);
    fleet.app.onAmiWatch((f) => postAmiWatch(client, f, silentLogger));
    background = await startBackground(fleet.app, { trigger: 'manual', log: silentLogger });

    moveTo(fleet.clock, at(8, 59));
    background.scheduler.tick(fleet.clock.now());
    moveTo(fleet.clock, at(9, 0));
    background.scheduler.tick(fleet.clock.now());
    await vi.waitFor(() => expect(posted).toHaveLength(1));
    moveTo(fleet.clock, at(9, 1));
    background.scheduler.tick(fleet.clock.now());
    // The 09:01 tick looks at nothing: the finding of the 09:00 one is the only message.
    expect(await fleet.app.amiWatchTick(fleet.clock.now())).toBeUndefined();

    const [message] = posted;
    expect(message.channel).toBe('C0FLEET');
    const json = JSON.stringify(message.blocks);
    expect(json).toContain('payments/core');
    expect(json).toContain('batch/spot');
    expect(json).not.toContain('shop/web');
    expect(json).toContain('2 releases behind');
    expect(json).toContain('1 release behind');
    const buttons = message.blocks!.flatMap((b) => (b.type === 'actions' ? b.elements : []));
    expect(buttons.map((b) => [b.action_id, b.value])).toEqual([
      [ACTION_AMI_SCHEDULE, 'payments/core'],
      [ACTION_AMI_SCHEDULE, 'batch/spot'],
    ]);

    // Schedule into next window, for payments/core: a plan in the channel, awaiting approval,
    // to start when its Saturday window opens (02:00 in Berlin is 01:00 UTC).
    const replies: RespondMessage[] = [];
    const deps: HandlerDeps = { app: fleet.app, reporter: { setCoords: () => {} }, log: silentLogger };
    const click = (user: string): ActionArgs => ({
      body: { user: { id: user }, channel: { id: 'C0FLEET', name: 'fleet' }, container: { channel_id: 'C0FLEET', message_ts: '1.1' } },
      action: { action_id: ACTION_AMI_SCHEDULE, value: 'payments/core' },
      ack: async () => {},
      respond: async (m) => {
        replies.push(m);
      },
      client,
    });
    await amiScheduleAction(deps, click('UREQUESTER'));
    const runs = await fleet.engine.list({ cluster: 'payments', nodegroup: 'core' });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      status: 'awaiting-approval',
      notBefore: Date.UTC(2026, 0, 3, 1, 0),
      plan: { fromRelease: v130[0].releaseVersion, toRelease: v130.at(-1)!.releaseVersion },
      requestedBy: { user: 'UREQUESTER' },
      notify: { channel: 'C0FLEET' },
    });
    expect(posted).toHaveLength(2);
    expect(posted[1].channel).toBe('C0FLEET');
    expect(JSON.stringify(posted[1].blocks)).toContain(runs[0].id);
    expect(replies.map((r) => r.text).join('\n')).toMatch(/waits for the next maintenance window: Sat 02:00 CET/);

    // A second click finds the request and points at it; nothing more is asked for.
    await amiScheduleAction(deps, click('UAPPROVER1'));
    expect(await fleet.engine.list({ cluster: 'payments', nodegroup: 'core' })).toHaveLength(1);
    expect(JSON.stringify(replies.at(-1))).toContain(runs[0].id);

    // Approved, it waits for the window rather than starting.
    await fleet.app.approve(runs[0].id, fleet.app.actor('UAPPROVER1', 'C0FLEET'));
    expect((await fleet.engine.get(runs[0].id))!.status).toBe('scheduled');
    await fleet.engine.stop();
  });

  it('posts nothing when every group runs the latest release', async () => {
    const current = TWO_BEHIND.map(({ releaseVersion: _, ...m }) => m);
    const fleet = await simFleet(current, { amiWatch: WATCH, clockStartMs: at(8, 59) });
    const posted: Posted[] = [];
    fleet.app.onAmiWatch((f) => postAmiWatch(fakeChat(posted), f, silentLogger));
    expect(await fleet.app.amiWatchTick(fleet.clock.now())).toBeUndefined();
    moveTo(fleet.clock, at(9, 0));
    expect(await fleet.app.amiWatchTick(fleet.clock.now())).toBeUndefined();
    const report = await fleet.app.fleetStatus();
    expect(report.groups.map((g) => [g.ref.cluster, g.behind, g.latest?.releaseVersion === g.releaseVersion])).toEqual([
      ['shop', undefined, true],
      ['payments', undefined, true],
      ['batch', undefined, true],
    ]);
    expect(posted).toEqual([]);
    await fleet.engine.stop();
  });
});
