// When the next Slack call may be made: per message, at most one call every minIntervalMs, counted
// from the moment each call is made; per Web API method, not before a 429's Retry-After has passed
// (Slack limits methods, so one 429 holds back every call of that method); per message again, not
// before a backoff after a failed call has passed.
import { setTimeout as delay } from 'node:timers/promises';

export interface RateLimiterOptions {
  /** Shortest time between two calls for one message. */
  minIntervalMs: number;
  /** Real time, ms; performance.now() by default. Slack's limits run on real time whatever the engine's clock. */
  now?: () => number;
}

export class RateLimiter {
  readonly minIntervalMs: number;
  private readonly now: () => number;
  private readonly lastSent = new Map<string, number>();
  private readonly backedOff = new Map<string, number>();
  private readonly heldBack = new Map<string, number>();

  constructor(o: RateLimiterOptions) {
    this.minIntervalMs = o.minIntervalMs;
    this.now = o.now ?? (() => performance.now());
  }

  /** The earliest time a call of `method` (for `message`, when given) may be made. */
  dueAt(method: string, message?: string): number {
    const held = this.heldBack.get(method) ?? -Infinity;
    if (message === undefined) return held;
    return Math.max(held, this.spacedFrom(message), this.backedOff.get(message) ?? -Infinity);
  }

  /** How long from now until dueAt(method, message); 0 when the slot is free. */
  msUntil(method: string, message?: string): number {
    return Math.max(0, this.dueAt(method, message) - this.now());
  }

  /** Takes the slot if it is free now and returns the call's stamp (to be made at once); undefined if it is not. */
  take(method: string, message?: string): number | undefined {
    const now = this.now();
    if (now < (this.heldBack.get(method) ?? -Infinity)) return undefined;
    if (message !== undefined) {
      // The spacing in the very terms it is promised in (now − last ≥ interval), and that same now is the stamp.
      if (now - (this.lastSent.get(message) ?? -Infinity) < this.minIntervalMs) return undefined;
      if (now < (this.backedOff.get(message) ?? -Infinity)) return undefined;
      this.lastSent.set(message, now);
    }
    return now;
  }

  /**
   * Waits for the slot, takes it and returns the stamp; the caller makes its call at once. One timer
   * per wake-up: on waking the slot is checked again, since a 429 may have moved it meanwhile and a
   * timer may fire a little early against performance.now(). Rejects when the signal aborts.
   */
  async acquire(method: string, message?: string, signal?: AbortSignal): Promise<number> {
    for (;;) {
      signal?.throwIfAborted();
      const at = this.take(method, message);
      if (at !== undefined) return at;
      await delay(Math.max(1, this.msUntil(method, message)), undefined, signal ? { signal } : {});
    }
  }

  /** A 429 answered with Retry-After: no call of the method before it has passed. */
  holdBack(method: string, retryAfterMs: number): void {
    const until = this.now() + retryAfterMs;
    if (until > (this.heldBack.get(method) ?? -Infinity)) this.heldBack.set(method, until);
  }

  /** A failed call for the message: its next one not before delayMs from now. */
  backOff(message: string, delayMs: number): void {
    this.backedOff.set(message, this.now() + delayMs);
  }

  /** The message is no longer edited: its slots go. */
  forget(message: string): void {
    this.lastSent.delete(message);
    this.backedOff.delete(message);
  }

  private spacedFrom(message: string): number {
    return (this.lastSent.get(message) ?? -Infinity) + this.minIntervalMs;
  }
}
