// How many schedules there may be and how often one may fire. Each firing posts a plan in a channel
// and each schedule is kept in the data file, so both are bounded: a channel is not a place for a
// plan a minute, and nobody needs more than a few standing upgrades of one node group. Pure.
import type { GroupRef } from '../engine/ports.js';
import { parseCron } from './cron.js';
import { isOneOff, type Schedule } from './schedules.js';

export const SCHEDULE_LIMITS = {
  /** Schedules of one node group. */
  perNodeGroup: 5,
  /** Schedules of all node groups together. */
  total: 50,
} as const;

/** A recurring schedule that is always valid, for messages that need an example. */
export const VALID_SCHEDULE_EXAMPLE = { at: '0 2 * * SAT', meaning: '02:00 every Saturday' } as const;

export type ScheduleLimitRefusal =
  /** A cron that names more than one minute fires more often than once an hour. */
  | { code: 'too-often'; at: string; timesAnHour: number }
  | { code: 'group-full'; ref: GroupRef; limit: number; ids: string[] }
  | { code: 'all-full'; limit: number };

/**
 * How many times an hour a recurring schedule fires at most: one per minute its cron names. A cron
 * with one minute fires at most once an hour on the wall clock, so every firing is an hour or more
 * after the one before (a daylight-saving shift of a whole hour keeps that; the half-hour shift of
 * Lord Howe Island can bring two within 30 minutes once a year). A one-off fires once.
 */
export function timesAnHour(at: string): number {
  return isOneOff(at) ? 1 : parseCron(at).minutes.length;
}

/** Why a new schedule may not be added next to `existing`; undefined when it may. */
export function scheduleLimitRefusal(draft: Pick<Schedule, 'at' | 'ref'>, existing: readonly Schedule[]): ScheduleLimitRefusal | undefined {
  const perHour = timesAnHour(draft.at);
  if (perHour > 1) return { code: 'too-often', at: draft.at, timesAnHour: perHour };
  const same = existing.filter((s) => s.ref.cluster === draft.ref.cluster && s.ref.nodegroup === draft.ref.nodegroup);
  if (same.length >= SCHEDULE_LIMITS.perNodeGroup) return { code: 'group-full', ref: draft.ref, limit: SCHEDULE_LIMITS.perNodeGroup, ids: same.map((s) => s.id) };
  if (existing.length >= SCHEDULE_LIMITS.total) return { code: 'all-full', limit: SCHEDULE_LIMITS.total };
  return undefined;
}
