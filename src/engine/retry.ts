import { RetryableError } from './errors.js';
import type { Clock } from './ports.js';

/** Retries passing faults (throttling, dropped connections) with backoff; anything else is thrown at once. */
export async function retrying<T>(clock: Clock, fn: () => Promise<T>, attempts = 6): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof RetryableError) || i >= attempts) throw err;
      await clock.sleep(err.retryAfterMs ?? 250 * 2 ** i);
    }
  }
}
