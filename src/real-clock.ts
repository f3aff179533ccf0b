// Real time: the production clock, and the sleep every clock makes of its timer.
import type { Clock } from './engine/ports.js';

/**
 * A sleep made of a clock's timer: resolves when it fires, or at once (without error) when the signal
 * aborts, the timer called off. Every clock's sleep, real or simulated.
 */
export function sleepOn(clock: Pick<Clock, 'after'>, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const onAbort = () => {
      callOff();
      resolve();
    };
    const callOff = clock.after(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleepOn(systemClock, ms, signal),
  after(ms, fn) {
    const handle = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(handle);
  },
};
