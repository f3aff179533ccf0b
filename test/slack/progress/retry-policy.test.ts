import { describe, expect, it } from 'vitest';
import { RetryPolicy } from '../../../src/slack/progress/retry-policy.js';

// Errors shaped as @slack/web-api throws them.
const rateLimited = (retryAfter: number) => Object.assign(new Error('rate limited'), { code: 'slack_webapi_rate_limited_error', retryAfter });
const platform = (error: string) => Object.assign(new Error(error), { code: 'slack_webapi_platform_error', data: { ok: false, error } });

describe('RetryPolicy', () => {
  const policy = new RetryPolicy({ baseDelayMs: 1000 });

  it('retries a 429 after its Retry-After, however many have come', () => {
    expect(policy.decide(rateLimited(2), 1, 3)).toEqual({ kind: 'rate-limited', retryAfterMs: 2000 });
    expect(policy.decide(rateLimited(7), 99, 3)).toEqual({ kind: 'rate-limited', retryAfterMs: 7000 });
  });

  it('does not retry what no retry cures', () => {
    expect(policy.decide(platform('message_not_found'), 1, 10)).toEqual({ kind: 'give-up', permanent: true });
    expect(policy.decide(platform('token_revoked'), 1, 10)).toEqual({ kind: 'give-up', permanent: true });
  });

  it('backs off exponentially from twice the base, capped, up to the attempts allowed', () => {
    const err = platform('internal_error');
    expect([1, 2, 3, 4].map((n) => policy.decide(err, n, 10))).toEqual([2000, 4000, 8000, 16_000].map((delayMs) => ({ kind: 'retry', delayMs })));
    expect(policy.decide(err, 9, 10)).toEqual({ kind: 'retry', delayMs: 30_000 });
    expect(policy.decide(err, 10, 10)).toEqual({ kind: 'give-up', permanent: false });
    expect(policy.decide(new Error('socket hang up'), 3, 3)).toEqual({ kind: 'give-up', permanent: false });
  });
});
