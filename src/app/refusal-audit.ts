// Refusals (refused-plan, refused-schedule, refused-audit, …) go to the audit log at most once a
// minute per person: the first says someone tried, and a burst of the same attempts would only grow
// the data file, which anyone in the channel could otherwise do at will. The rest of a burst is
// counted in the log. Everything that is not a refusal is written as it comes.
import type { AuditEntry } from '../engine/ports.js';
import type { Logger } from '../log.js';

export const REFUSAL_AUDIT_INTERVAL_MS = 60_000;

export interface RefusalAuditOptions {
  log: Logger;
  /** Real time, ms: the limit is on people's requests, whatever clock the engine runs on. */
  now?: () => number;
  intervalMs?: number;
}

export const isRefusal = (entry: AuditEntry) => entry.action.startsWith('refused-');

export function throttleRefusals(audit: (entry: AuditEntry) => Promise<void>, opts: RefusalAuditOptions): (entry: AuditEntry) => Promise<void> {
  const now = opts.now ?? Date.now;
  const interval = opts.intervalMs ?? REFUSAL_AUDIT_INTERVAL_MS;
  const last = new Map<string, { at: number; skipped: number }>();

  return async (entry) => {
    if (!isRefusal(entry)) return audit(entry);
    const t = now();
    // Forget people whose last refusal is over: the map holds only the last minute's.
    for (const [user, seen] of last) if (t - seen.at >= interval) last.delete(user);
    const seen = last.get(entry.user);
    if (seen) {
      seen.skipped++;
      opts.log.info('refusal not written to the audit log: one a minute per person', { user: entry.user, action: entry.action, skippedThisMinute: seen.skipped });
      return;
    }
    last.set(entry.user, { at: t, skipped: 0 });
    return audit(entry);
  };
}
