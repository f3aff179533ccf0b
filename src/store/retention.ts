// How much a store keeps: events per live run, how long history is kept (MNG_RUN_RETENTION_DAYS,
// MNG_AUDIT_RETENTION_DAYS), and how long an ended run stays live before it is compacted into history.

/** Ended runs stay in history this long after they went there. */
export const DEFAULT_RUN_RETENTION_DAYS = 400;
/** Audit entries stay this long (deleted by whole months: up to a month longer). */
export const DEFAULT_AUDIT_RETENTION_DAYS = 400;
/** As long as the Slack front end catches up with ends it has not shown (slack/progress.ts CATCH_UP_MS). */
export const DEFAULT_ARCHIVE_GRACE_MS = 24 * 3_600_000;
/** Events kept per live run; older ones are dropped and counted. */
export const DEFAULT_EVENT_LIMIT = 20_000;
