import { describe, expect, it } from 'vitest';
import { PacedClock, runUntil, VirtualClock } from '../../src/sim/clock.js';

describe('VirtualClock', () => {
  it('fires timers in time order, same-instant timers in insertion order', () => {
    const c = new VirtualClock(1000);
    const seen: string[] = [];
    c.schedule(3000, () => seen.push('c'));
    c.schedule(2000, () => seen.push('a'));
    c.schedule(2000, () => seen.push('b'));
    c.schedule(500, () => seen.push('past'));
    expect(c.pendingTimers).toBe(4);
    expect(c.advance()).toBe(true);
    expect(seen).toEqual(['past']);
    expect(c.now()).toBe(1000);
    expect(c.advance()).toBe(true);
    expect(seen).toEqual(['past', 'a', 'b']);
    expect(c.now()).toBe(2000);
    expect(c.advance()).toBe(true);
    expect(c.now()).toBe(3000);
    expect(c.advance()).toBe(false);
    expect(seen).toEqual(['past', 'a', 'b', 'c']);
  });

  it('fires timers added for the same instant during the jump, and honours cancel', () => {
    const c = new VirtualClock(0);
    const seen: string[] = [];
    const cancel = c.schedule(10, () => seen.push('cancelled'));
    c.schedule(10, () => {
      seen.push('first');
      c.schedule(10, () => seen.push('chained'));
    });
    cancel();
    expect(c.pendingTimers).toBe(1);
    c.advance();
    expect(seen).toEqual(['first', 'chained']);
    expect(c.pendingTimers).toBe(0);
  });

  it('sleep resolves at its time; an abort resolves it early and removes its timer', async () => {
    const c = new VirtualClock(0);
    let done = false;
    void c.sleep(5000).then(() => (done = true));
    c.advance();
    await Promise.resolve();
    expect(done).toBe(true);
    expect(c.now()).toBe(5000);

    const ac = new AbortController();
    let aborted = false;
    void c.sleep(60_000, ac.signal).then(() => (aborted = true));
    expect(c.pendingTimers).toBe(1);
    ac.abort();
    await Promise.resolve();
    expect(aborted).toBe(true);
    expect(c.pendingTimers).toBe(0);
    expect(c.now()).toBe(5000);
    await c.sleep(1, ac.signal); // already aborted: at once
  });

  it('runUntil settles promise chains between jumps: done, idle, limit', async () => {
    const c = new VirtualClock(0);
    let ticks = 0;
    const loop = async () => {
      for (let i = 0; i < 10; i++) {
        await c.sleep(1000);
        await Promise.resolve();
        ticks++;
      }
    };
    void loop();
    expect(await runUntil(c, () => ticks >= 3)).toBe('done');
    expect(c.now()).toBe(3000);
    expect(await runUntil(c, () => false, { maxSimMs: 2500 })).toBe('limit');
    expect(c.now()).toBe(5000);
    expect(await runUntil(c, () => false)).toBe('idle');
    expect(ticks).toBe(10);
    expect(c.now()).toBe(10_000);
  });
});

describe('PacedClock', () => {
  it('runs simulated time at the given speed', async () => {
    const c = new PacedClock(1000, 0);
    const t0 = c.now();
    await c.sleep(50_000); // 50 simulated seconds = 50 real ms
    expect(c.now() - t0).toBeGreaterThanOrEqual(45_000);
    let fired = false;
    c.schedule(c.now() + 20_000, () => (fired = true));
    await new Promise((r) => setTimeout(r, 60));
    expect(fired).toBe(true);
    const ac = new AbortController();
    const p = c.sleep(3_600_000, ac.signal);
    ac.abort();
    await p;
  });

  it('skipping stalls, counts no more than 50 ms of a stretch the process could not run, and its timers wait for their simulated time', async () => {
    const busy = (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until);
    };
    const skipping = new PacedClock(1000, 0, { skipStalls: true });
    const wall = new PacedClock(1000, 0);
    const [s0, w0] = [skipping.now(), wall.now()];
    let firedAt: number | undefined;
    skipping.schedule(s0 + 100_000, () => (firedAt = skipping.now()));
    busy(300);
    expect(wall.now() - w0).toBeGreaterThanOrEqual(300_000);
    // Each gap counts for 50 ms at most: the busy stretch, and the moments before it (however starved).
    expect(skipping.now() - s0).toBeLessThanOrEqual(110_000);
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => firedAt !== undefined && (clearInterval(poll), resolve()), 5);
    });
    expect(firedAt).toBeGreaterThanOrEqual(s0 + 100_000);
  });

  // Instances launched one after another boot in the same simulated time, so their nodes are due to
  // join a few simulated ms apart (µs of real time). Their order decides, among other things, which
  // node the scheduler prefers on a tie: it must be the simulated one, not real-time jitter's.
  it('fires timers due close together in their simulated order, same-instant ones in scheduling order', async () => {
    const c = new PacedClock(1000, 0, { skipStalls: true });
    const fired: number[] = [];
    const count = 40;
    const done = new Promise<void>((resolve) => {
      for (let k = 0; k < count; k++) {
        c.schedule(c.now() + 20_000 + Math.floor(k / 2), () => fired.push(k) === count && resolve());
      }
    });
    await done;
    expect(fired).toEqual([...Array(count).keys()]);
  });

  it('a cancelled timer does not fire; the others do, in order', async () => {
    const c = new PacedClock(1000, 0);
    const fired: string[] = [];
    c.schedule(c.now() + 5_000, () => fired.push('a'));
    const cancel = c.schedule(c.now() + 6_000, () => fired.push('cancelled'));
    const last = new Promise<void>((resolve) => c.schedule(c.now() + 7_000, () => (fired.push('c'), resolve())));
    cancel();
    await last;
    expect(fired).toEqual(['a', 'c']);
  });

  it('created paused, stands at its start, and its sleeps and timers begin when it resumes', async () => {
    const c = new PacedClock(1000, 0, { paused: true });
    const order: string[] = [];
    c.schedule(20_000, () => order.push('timer at 20 s'));
    const slept = c.sleep(10_000).then(() => order.push('slept 10 s'));
    await new Promise((r) => setTimeout(r, 40));
    expect(c.now()).toBe(0);
    expect(order).toEqual([]);
    const ac = new AbortController();
    const aborted = c.sleep(3_600_000, ac.signal);
    ac.abort();
    await aborted;

    c.resume();
    await slept;
    await new Promise((r) => setTimeout(r, 40));
    expect(order).toEqual(['slept 10 s', 'timer at 20 s']);
    expect(c.now()).toBeGreaterThanOrEqual(20_000);
  });
});
