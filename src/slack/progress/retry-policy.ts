// What to do after a failed Slack call, the same for message edits and thread replies: a 429 is
// retried after its Retry-After, however often it comes (it is Slack pacing us, not a failure); an
// error no retry cures (the message or channel is gone, the token revoked) is not retried; anything
// else is retried with exponential backoff up to a number of attempts.
import { isPermanentSlackError, retryAfterMs } from '../slack-errors.js';

export type RetryDecision =
  /** Hold back every call of the method for retryAfterMs, then try again. */
  | { kind: 'rate-limited'; retryAfterMs: number }
  | { kind: 'retry'; delayMs: number }
  | { kind: 'give-up'; permanent: boolean };

export interface RetryPolicyOptions {
  /** The first backoff is twice this, then it doubles. */
  baseDelayMs: number;
  maxDelayMs?: number;
}

export class RetryPolicy {
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(o: RetryPolicyOptions) {
    this.baseDelayMs = o.baseDelayMs;
    this.maxDelayMs = o.maxDelayMs ?? 30_000;
  }

  /**
   * failures: failed attempts in a row that were not 429s, this one included; maxAttempts: how many
   * such attempts are made in all before giving up.
   */
  decide(err: unknown, failures: number, maxAttempts: number): RetryDecision {
    const wait = retryAfterMs(err);
    if (wait !== undefined) return { kind: 'rate-limited', retryAfterMs: wait };
    if (isPermanentSlackError(err)) return { kind: 'give-up', permanent: true };
    if (failures >= maxAttempts) return { kind: 'give-up', permanent: false };
    return { kind: 'retry', delayMs: Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** failures) };
  }
}
