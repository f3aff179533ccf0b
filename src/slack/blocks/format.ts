// Small text helpers shared by the renderers in this folder.
import type { NodeState, RunStatus } from '../../engine/run.js';

/** "45s", "3m", "12m 30s", "2h", "1h 5m": whole units, zero parts left out. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return m ? `${h}h ${m}m` : `${h}h`;
  if (m > 0) return s ? `${m}m ${s}s` : `${m}m`;
  return `${s}s`;
}

/** Escapes the three characters mrkdwn treats as markup; everything else shows as typed. */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Slack user ids as the engine and the app write them ("cancelled by U0APPROVER"): U or W and at least
 * eight capitals or digits, longer than status words such as UPDATING.
 */
const USER_ID = /\b[UW][A-Z0-9]{8,}\b/g;

/** The people a plain text names by user id, as mentions; the rest as it is. For notification texts. */
export function mentions(text: string): string {
  return text.replace(USER_ID, '<@$&>');
}

/** Plain text from the engine or the app, placed in mrkdwn: escaped, with the people it names as mentions. */
export function mrkdwn(text: string): string {
  return mentions(esc(text));
}

/** Inline code, safe against backticks in the value. */
export function code(text: string): string {
  return `\`${esc(text).replace(/`/g, "'")}\``;
}

/** A Slack user mention for user ids; anything else (the bot, a scheduler) as plain text. */
export function who(user: string): string {
  return /^[UW][A-Z0-9]+$/.test(user) ? `<@${user}>` : esc(user);
}

export { plural } from '../../engine/plural.js';

/** "about 12m" for estimates: no false precision. */
export function roughly(ms: number): string {
  if (ms < 60_000) return 'under a minute';
  const m = Math.round(ms / 60_000);
  if (m < 60) return `about ${m}m`;
  const h = Math.floor(m / 60);
  return `about ${h}h${m % 60 ? ` ${m % 60}m` : ''}`;
}

export const STATUS_EMOJI: Record<RunStatus, string> = {
  'awaiting-approval': ':hourglass:',
  scheduled: ':calendar:',
  running: ':arrows_counterclockwise:',
  paused: ':double_vertical_bar:',
  'needs-decision': ':raising_hand:',
  succeeded: ':white_check_mark:',
  'nothing-replaced': ':fast_forward:',
  failed: ':x:',
  cancelled: ':no_entry_sign:',
  aborted: ':octagonal_sign:',
  rejected: ':no_entry:',
  expired: ':hourglass:',
};

export const NODE_EMOJI: Record<NodeState, string> = {
  waiting: ':white_circle:',
  tainted: ':large_yellow_circle:',
  evicting: ':arrows_counterclockwise:',
  evicted: ':outbox_tray:',
  cordoned: ':no_entry_sign:',
  terminating: ':hourglass_flowing_sand:',
  terminated: ':white_check_mark:',
  failed: ':x:',
  skipped: ':fast_forward:',
};

export function statusWord(status: RunStatus): string {
  // "Upgrade ended with nothing replaced", not "Upgrade nothing replaced".
  return status === 'nothing-replaced' ? 'ended with nothing replaced' : status.replace(/-/g, ' ');
}

/** "2026-01-03 02:00 UTC": a fixed spelling for logs and fallbacks. */
export function utcTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * A time of the world's clock as its readers should take it: Slack's date token (their own zone) on
 * real time; on a paced simulated world's clock (Clock.pace), which runs ahead of theirs, marked as
 * the simulated time it is.
 */
export function shownDate(ms: number, pace?: number): string {
  return pace ? `sim ${utcTime(ms)}` : slackDate(ms);
}

/** A time Slack shows in each reader's own zone, with the UTC spelling where it cannot. */
export function slackDate(ms: number): string {
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${utcTime(ms)}>`;
}
