import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../../src/slack/progress/rate-limiter.js';

/** A limiter on a clock the test moves by hand. */
function limiter(minIntervalMs = 1000) {
  const clock = { t: 10_000 };
  return { clock, limiter: new RateLimiter({ minIntervalMs, now: () => clock.t }) };
}

describe('RateLimiter', () => {
  it('lets one call a second through per message, counted from the stamp of the call before', () => {
    const { clock, limiter: l } = limiter();
    expect(l.take('chat.update', 'progress:r1')).toBe(10_000);
    clock.t += 999;
    expect(l.take('chat.update', 'progress:r1')).toBeUndefined();
    expect(l.dueAt('chat.update', 'progress:r1')).toBe(11_000);
    expect(l.msUntil('chat.update', 'progress:r1')).toBe(1);
    // Another message has its own slot.
    expect(l.take('chat.update', 'parent:r1')).toBe(10_999);
    clock.t += 1;
    expect(l.take('chat.update', 'progress:r1')).toBe(11_000);
    // A refused take does not move the slot: the next call counts from the last call made.
    clock.t += 500;
    expect(l.take('chat.update', 'progress:r1')).toBeUndefined();
    clock.t += 500;
    expect(l.take('chat.update', 'progress:r1')).toBe(12_000);
  });

  it('holds back every call of a method until Retry-After has passed, messages or not', () => {
    const { clock, limiter: l } = limiter();
    l.holdBack('chat.update', 2000);
    expect(l.take('chat.update', 'progress:r1')).toBeUndefined();
    expect(l.take('chat.update')).toBeUndefined();
    expect(l.take('chat.postMessage', 'progress:r2')).toBe(10_000);
    expect(l.dueAt('chat.update', 'progress:r1')).toBe(12_000);
    // A shorter Retry-After later does not shorten the wait.
    clock.t += 500;
    l.holdBack('chat.update', 100);
    expect(l.dueAt('chat.update')).toBe(12_000);
    clock.t = 12_000;
    expect(l.take('chat.update', 'progress:r1')).toBe(12_000);
  });

  it('spaces nothing for calls that name no message (thread replies), but backs a message off after a failure', () => {
    const { clock, limiter: l } = limiter();
    expect(l.take('chat.postMessage')).toBe(10_000);
    expect(l.take('chat.postMessage')).toBe(10_000);
    l.take('chat.update', 'parent:r1');
    clock.t += 1000;
    l.backOff('parent:r1', 4000);
    expect(l.take('chat.update', 'parent:r1')).toBeUndefined();
    expect(l.dueAt('chat.update', 'parent:r1')).toBe(15_000);
    l.forget('parent:r1');
    expect(l.take('chat.update', 'parent:r1')).toBe(11_000);
  });

  it('acquire() waits for the slot and stamps the call; an abort ends the wait', async () => {
    const l = new RateLimiter({ minIntervalMs: 30 });
    const first = await l.acquire('chat.update', 'm');
    const second = await l.acquire('chat.update', 'm');
    // The stamps are the limiter's own reading of the clock, the one the spacing is promised in.
    expect(second - first).toBeGreaterThanOrEqual(30);
    const stop = new AbortController();
    const waiting = l.acquire('chat.update', 'm', stop.signal);
    stop.abort();
    await expect(waiting).rejects.toThrow(/abort/i);
  });
});
