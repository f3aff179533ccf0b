// When the AMI watch looks at the fleet: a five-field cron read in a time zone, as maintenance windows
// are, checked on the scheduler's minute tick rather than by a node-cron task of its own, so that it
// follows the same clock (virtual in tests and the simulator) and the same daylight-saving rules.
import { parseCron, nextCronTime, type CronSpec } from '../schedule/cron.js';
import { assertTimeZone } from '../schedule/zoned-time.js';

/** Every day at 09:00 UTC, unless configured otherwise. */
export const DEFAULT_AMI_WATCH = { cron: '0 9 * * *', timezone: 'UTC' } as const;

export interface AmiWatchSettings {
  cron: string;
  timezone: string;
  /** Where a chat front end posts the fleet message (a channel id like C0123 or a name like #ops). */
  channel?: string;
}

export class AmiWatchTimer {
  private readonly spec: CronSpec;
  private last: number | undefined;

  /** Throws a UserError naming what is wrong with the cron or the zone. */
  constructor(readonly settings: AmiWatchSettings) {
    this.spec = parseCron(settings.cron);
    assertTimeZone(settings.timezone, 'timezone');
  }

  /**
   * True once for each time the cron names that passed since the previous call. The first call only
   * starts the count: a bot that starts at 09:30 does not post for 09:00.
   */
  due(nowMs: number): boolean {
    const last = this.last;
    this.last = Math.max(nowMs, last ?? nowMs);
    if (last === undefined || nowMs <= last) return false;
    const next = nextCronTime(this.spec, this.settings.timezone, last);
    return next !== undefined && next <= nowMs;
  }

  /** The next time the watch looks, after nowMs. */
  next(nowMs: number): number | undefined {
    return nextCronTime(this.spec, this.settings.timezone, nowMs);
  }
}
