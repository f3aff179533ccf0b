// The AMI watch through the whole Slack app: at its time the bot posts the fleet message in the
// configured channel (through the fake Web API), and a click on Schedule into next window — a signed
// block_actions request into Bolt's receiver — posts the plan, awaiting approval, for the group's next window.
import { afterEach, expect, it } from 'vitest';
import { imagesFor } from '../../src/sim/images.js';
import { ACTION_AMI_SCHEDULE } from '../../src/slack/blocks/fleet.js';
import { CHANNEL, ephemeralText, startHarness, textOf, waitForRun, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

it('posts the fleet message at its time, and the button asks for the upgrade in the next window', async () => {
  const old = imagesFor('AL2', '1.29')[0].releaseVersion;
  h = await startHarness({
    tweak: (s) => (s.nodegroup.releaseVersion = old),
    windows: [{ cron: '0 2 * * SAT', duration: '4h', timezone: 'Europe/Berlin' }],
    amiWatch: { cron: '0 9 * * *', timezone: 'UTC', channel: CHANNEL },
    clockStartMs: Date.UTC(2026, 0, 1, 8, 59),
    clockPaused: true,
  });
  const harness = h;
  const watchMessages = () => [...harness.fake.messages.values()].filter((m) => m.channel === CHANNEL && /behind on their AMI/.test(m.text ?? ''));
  harness.scheduler.tick(Date.UTC(2026, 0, 1, 8, 59, 30));
  harness.scheduler.tick(Date.UTC(2026, 0, 1, 9, 0));
  const message = await harness.fake.waitFor(() => watchMessages()[0], 10_000, 'the AMI watch message');
  expect(textOf(message)).toContain('demo/workers');
  expect(textOf(message)).toContain(`runs \`${old}\``);

  const click = await harness.click(ACTION_AMI_SCHEDULE, 'demo/workers', 'UREQUESTER', message);
  expect(click.status).toBe(200);
  const run = await waitForRun(harness, (r) => r.status === 'awaiting-approval', 10_000, 'the request');
  expect(run).toMatchObject({ ref: { cluster: 'demo', nodegroup: 'workers' }, notBefore: Date.UTC(2026, 0, 3, 1, 0), requestedBy: { user: 'UREQUESTER' } });
  expect(run.plan.fromRelease).toBe(old);
  await harness.fake.waitFor(() => harness.planMessage(run.id), 10_000, 'the plan message');
  await harness.fake.waitFor(() => harness.fake.responses(click.responseUrl).length > 0, 10_000, 'the reply to the click');
  expect(ephemeralText(harness, click.responseUrl)).toMatch(/waits for the next maintenance window: Sat 02:00 CET/);
  expect(watchMessages()).toHaveLength(1);
});
