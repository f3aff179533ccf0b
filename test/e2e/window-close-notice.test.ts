// A maintenance window that closes mid-run: the thread says so once, whatever else the run does.
import { afterEach, expect, it } from 'vitest';
import type { Window } from '../../src/schedule/windows.js';
import { startHarness, textOf, waitForRun, type Harness } from './harness.js';

let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

it('a window that closes mid-run is said once in the thread, and the run waits for the next one', async () => {
  // Ten minutes from 00:00; the demo world's upgrade takes half an hour, so the window closes on it.
  const windows: Window[] = [{ cron: '0 0 * * *', duration: '10m', timezone: 'UTC' }];
  h = await startHarness({ windows, speed: 500, clockPaused: true });
  await h.command('upgrade nodegroup 1.30');
  const run = await waitForRun(h, () => true, 10_000, 'a request');
  const plan = await h.fake.waitFor(() => h!.planMessage(run.id), 10_000, 'the plan message');
  await h.click('mng_approve', run.id, 'UAPPROVER1', plan);
  h.clock.resume();
  await waitForRun(h, (r) => r.id === run.id && r.windowPause !== undefined, 60_000, 'the pause at the window’s close');
  // Replies whose own words say it; the progress message shows the pause too, as its state.
  const closed = () => [...h!.fake.messages.values()].filter((m) => m.thread_ts && /^maintenance window closed/.test(m.text ?? ''));
  await h.fake.waitFor(() => closed().length > 0, 30_000, 'the notice in the thread');
  // As the bot's background does at the window's edge: the scheduler says it closed, and the run is woken.
  await h.scheduler.tick(h.clock.now());
  // The nodes in flight finish meanwhile: by the time the last of them is done, any second notice is out.
  await waitForRun(h, (r) => r.id === run.id && !r.nodes.some((n) => ['evicting', 'evicted', 'cordoned', 'terminating'].includes(n.state)), 60_000, 'the nodes in flight');
  await h.slack.reporter.idle(30_000);
  expect(closed().map((m) => textOf(m))).toHaveLength(1);
});
