// Upgrades someone asked for at a time: once ("2025-04-12T02:00") or again and again ("0 2 1 * *").
import { z } from 'zod';
import { UserError } from '../engine/errors.js';
import type { GroupRef } from '../engine/ports.js';
import { expecting, zodProblem } from '../zod-issues.js';
import { nextCronTime, parseCron } from './cron.js';
import { assertTimeZone, zonedTimeToMs } from './zoned-time.js';

const positiveWhole = z.int(expecting('a whole number above 0')).positive(expecting('a whole number above 0'));

/** EKS's maxUnavailablePercentage: "1%" to "100%" of the old nodes. */
const percentOfNodes = z.templateLiteral([z.int(), '%']).refine((s) => /^(100|[1-9]\d?)%$/.test(s), expecting('a percentage from 1% to 100%'));

/** How the runs a schedule asks for are done; what is absent comes from the defaults at the time. */
export const scheduleOptionsSchema = z.object(
  {
    maxUnavailable: z.union([positiveWhole, percentOfNodes], expecting('a whole number above 0 or a percentage such as 10%')).optional(),
    surge: positiveWhole.optional(),
    strategy: z.enum(['rolling', 'eks'], expecting('rolling or eks')).optional(),
    /** EKS's updateStrategy: minimal terminates first, with no surge. */
    updateStrategy: z.enum(['default', 'minimal'], expecting('default or minimal')).optional(),
    drainTimeoutMs: positiveWhole.optional(),
    /** The health gate's bake (0: none). */
    bakeMs: z.int(expecting('a whole number of ms, 0 or more')).min(0, expecting('a whole number of ms, 0 or more')).optional(),
    /** Drains may delete pods a PodDisruptionBudget protects once the drain timeout passes. */
    force: z.boolean(expecting('true or false')).optional(),
  },
  expecting('an object'),
);
export type ScheduleOptions = z.infer<typeof scheduleOptionsSchema>;

/**
 * What a stored schedule must look like. The time zone and the time itself are checked by
 * validateSchedule, not here: a data file is not refused because a time zone left the zone database.
 */
export const scheduleSchema = z.object(
  {
    id: z.string(expecting('a non-empty string')).min(1, expecting('a non-empty string')),
    ref: z.object({ cluster: z.string(expecting('a string')), nodegroup: z.string(expecting('a string')) }, expecting('{ cluster, nodegroup }')),
    /**
     * Kubernetes version to upgrade to; absent: the group's current version. Either way each firing
     * asks for the latest AMI release of that version then (never a pinned release), with its own approval.
     */
    version: z.string(expecting('a version such as 1.30')).min(1, expecting('a version such as 1.30')).optional(),
    options: scheduleOptionsSchema.optional(),
    /**
     * A five-field cron (recurring) or an ISO 8601 time (once). An ISO time without an offset is read
     * on the schedule's zone's wall clock; with Z or an offset it is that instant.
     */
    at: z.string(expecting('a cron or an ISO time')),
    timezone: z.string(expecting('a time zone such as Europe/Paris')),
    createdBy: z.object(
      { user: z.string(expecting('a string')), at: z.number(expecting('a number')), channel: z.string(expecting('a string')).optional() },
      expecting('{ user, at }'),
    ),
    /** When it fires next, ms; absent once a one-off has fired (or its time had passed). */
    nextAt: z.number(expecting('a number')).optional(),
  },
  expecting('an object'),
);
export type Schedule = z.infer<typeof scheduleSchema>;

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

export const isOneOff = (at: string) => /^\d{4}-\d{2}-\d{2}/.test(at.trim());

/** The instant of a one-off time; a UserError names the field when it is not a valid time. */
export function parseOneOff(at: string, timezone: string, field = 'at'): number {
  const m = ISO.exec(at.trim());
  const bad = () => new UserError(`${field}: "${at}" is not a time`, 'write it like 2025-04-12T02:00 (in the schedule\'s time zone) or 2025-04-12T00:00Z');
  if (!m) throw bad();
  const [, y, mo, d, h, mi, s, zone] = m;
  const wall = { year: +y, month: +mo, day: +d, hour: +h, minute: +mi };
  const check = new Date(Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute));
  if (check.getUTCMonth() !== wall.month - 1 || check.getUTCDate() !== wall.day || wall.hour > 23 || wall.minute > 59 || Number(s ?? 0) > 59) throw bad();
  const seconds = Number(s ?? 0) * 1000;
  if (zone) {
    const offset = zone.toUpperCase() === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2))) * 60_000;
    return check.getTime() + seconds - offset;
  }
  assertTimeZone(timezone, 'timezone');
  return zonedTimeToMs(wall, timezone) + seconds;
}

/** Where schedules are kept (LowdbRunStore, MemoryRunStore). */
export interface ScheduleStore {
  /** Soonest first; those without a next time last. */
  listSchedules(filter?: { ref?: GroupRef }): Promise<Schedule[]>;
  getSchedule(id: string): Promise<Schedule | undefined>;
  /** Creates or replaces the schedule with this id. */
  putSchedule(schedule: Schedule): Promise<void>;
  /** Resolves true when there was such a schedule. */
  deleteSchedule(id: string): Promise<boolean>;
}

const ID_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** "s-7kq2m": short enough to type, no 0/o or 1/l/i to confuse. */
export function newScheduleId(random: () => number = Math.random): string {
  let id = 's-';
  for (let i = 0; i < 5; i++) id += ID_ALPHABET[Math.floor(random() * ID_ALPHABET.length) % ID_ALPHABET.length];
  return id;
}

/** Throws a UserError naming the bad field. */
export function validateSchedule(s: unknown): asserts s is Schedule {
  const shape = scheduleSchema.safeParse(s);
  if (!shape.success) throw new UserError(zodProblem(shape.error, 'schedule'));
  const { at, timezone } = shape.data;
  assertTimeZone(timezone, 'timezone');
  if (isOneOff(at)) parseOneOff(at, timezone);
  else {
    try {
      parseCron(at);
    } catch (err) {
      throw new UserError(`at: ${(err as Error).message}`, (err as UserError).hint);
    }
  }
}

/** When the schedule fires first strictly after afterMs; undefined for a one-off whose time is not after it. */
export function nextRun(schedule: Pick<Schedule, 'at' | 'timezone'>, afterMs: number): number | undefined {
  if (isOneOff(schedule.at)) {
    const t = parseOneOff(schedule.at, schedule.timezone);
    return t > afterMs ? t : undefined;
  }
  assertTimeZone(schedule.timezone, 'timezone');
  return nextCronTime(parseCron(schedule.at), schedule.timezone, afterMs);
}

/** Schedules whose time has come, earliest first. */
export function dueSchedules(schedules: readonly Schedule[], nowMs: number): Schedule[] {
  return schedules.filter((s) => s.nextAt !== undefined && s.nextAt <= nowMs).sort((a, b) => a.nextAt! - b.nextAt!);
}

/** The schedule after it fired at firedAtMs: a recurring one moves on, a one-off loses nextAt. */
export function advanceSchedule(schedule: Schedule, firedAtMs: number): Schedule {
  const { nextAt: _old, ...rest } = schedule;
  const nextAt = nextRun(schedule, Math.max(firedAtMs, schedule.nextAt ?? firedAtMs));
  return nextAt === undefined ? rest : { ...rest, nextAt };
}
