// Slack delivers again when it did not see an answer in time (X-Slack-Retry-Num over HTTP,
// retry_attempt in Socket Mode), and a slow network can deliver one click twice. Each slash command
// and each click carries a trigger_id of its own: one seen before is acknowledged and dropped, so
// nothing is planned, approved or posted twice. Clicks are compare-and-set in the engine as well.

/** How long a delivery is remembered: Slack's retries come within minutes. */
const REMEMBER_MS = 15 * 60_000;
const MAX_REMEMBERED = 10_000;

export class SeenDeliveries {
  private readonly seen = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** True the first time a key is offered within REMEMBER_MS; false for a repeat. */
  first(key: string): boolean {
    const now = this.now();
    this.forgetOld(now);
    if (this.seen.has(key)) return false;
    this.seen.set(key, now);
    return true;
  }

  private forgetOld(now: number): void {
    // Insertion order is arrival order, so the oldest entries come first.
    for (const [key, at] of this.seen) {
      if (now - at < REMEMBER_MS && this.seen.size <= MAX_REMEMBERED) break;
      this.seen.delete(key);
    }
  }
}

/** The identity of a delivery, from the parts of a Bolt request body that Slack repeats on a retry. */
export function deliveryKey(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  if (typeof b.trigger_id === 'string' && b.trigger_id) return `trigger:${b.trigger_id}`;
  if (typeof b.event_id === 'string' && b.event_id) return `event:${b.event_id}`;
  return undefined;
}
