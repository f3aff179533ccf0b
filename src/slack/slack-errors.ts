// Reading Slack Web API errors without depending on the client's classes.

/** The Web API error code (ratelimited, message_not_found, …), if the error is one. */
export function slackErrorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; data?: { error?: unknown } } | null;
  if (!e || typeof e !== 'object') return undefined;
  if (e.code === 'slack_webapi_rate_limited_error') return 'ratelimited';
  if (typeof e.data?.error === 'string') return e.data.error;
  return undefined;
}

/** Retry-After of a 429, in ms; undefined when the error is something else. */
export function retryAfterMs(err: unknown): number | undefined {
  const e = err as { code?: unknown; retryAfter?: unknown } | null;
  if (!e || typeof e !== 'object' || e.code !== 'slack_webapi_rate_limited_error') return undefined;
  const s = typeof e.retryAfter === 'number' && Number.isFinite(e.retryAfter) ? e.retryAfter : 1;
  return Math.max(0, s) * 1000;
}

/** Errors that no retry will cure: the message or channel is gone, or the bot may not post there. */
const PERMANENT = new Set([
  'message_not_found',
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'cant_update_message',
  'edit_window_closed',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'missing_scope',
  'restricted_action',
]);

export function isPermanentSlackError(err: unknown): boolean {
  const code = slackErrorCode(err);
  return code !== undefined && PERMANENT.has(code);
}
