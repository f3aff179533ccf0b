// The one duration syntax mngbot reads, wherever a person writes one: upgrade options (Slack and the
// CLI, through app/upgrade-options), maintenance windows and the configuration file. It lives in
// engine/ because engine/ may import nothing else, and everything else may import engine/.
import { UserError } from './errors.js';

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 } as const;

// Units largest first, each at most once: "1h30m", not "30m1h" (probably a slip) nor "90" (seconds?
// minutes? a drain timeout off by 60 times is worse than a refusal).
const DURATION = /^(?:(\d{1,6})d)?(?:(\d{1,6})h)?(?:(\d{1,6})m)?(?:(\d{1,7})s)?$/;

/** "90s", "20m", "1h30m", "4h", "2d" (any case, spaces around) → ms; undefined when it is not one. */
export function readDurationMs(text: unknown): number | undefined {
  const t = typeof text === 'string' ? text.trim().toLowerCase() : '';
  const m = DURATION.exec(t);
  if (!m || t === '') return undefined;
  const [d, h, min, s] = m.slice(1).map((n) => Number(n ?? 0));
  return d * UNIT_MS.d + h * UNIT_MS.h + min * UNIT_MS.m + s * UNIT_MS.s;
}

/** A number without a unit ("15"): worth saying so, rather than only "not a duration". */
export function isBareNumber(text: unknown): boolean {
  return typeof text === 'string' && /^\s*\d+\s*$/.test(text);
}

/**
 * readDurationMs for a field of a file: throws a UserError naming the field, e.g.
 * `defaults.drainTimeout: "4x" is not a duration`, or that it must be longer than zero.
 */
export function parseDurationMs(text: unknown, field = 'duration', examples = 'write it like 90s, 20m, 1h30m or 4h'): number {
  const ms = readDurationMs(text);
  if (ms === undefined) {
    const unit = isBareNumber(text) ? `; give its unit, e.g. ${String(text).trim()}m for minutes` : '';
    throw new UserError(`${field}: "${String(text)}" is not a duration${unit}`, examples);
  }
  if (ms <= 0) throw new UserError(`${field}: "${String(text)}" must be longer than zero`);
  return ms;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${s % 60}s`;
  return `${s}s`;
}
