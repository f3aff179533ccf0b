// Which schedules fire at a tick, and what each becomes afterwards. Pure: the caller (the scheduler's
// onTick) asks the engine for a run awaiting approval for each, then stores `next` — or deletes a
// one-off that is `done`. Storing `next` before asking keeps a crash between the two from firing a
// schedule twice; at worst one firing is lost, and the plan would have needed an approval anyway.
import { advanceSchedule, dueSchedules, type Schedule } from './schedules.js';

export interface DueSchedule {
  /** As stored, before it fired. */
  schedule: Schedule;
  /** The time it was due (its nextAt). */
  dueAt: number;
  /** How late the tick is (now - dueAt): large after the bot was down; the caller may skip stale ones. */
  lateMs: number;
  /**
   * Recurring: moved on to its first time strictly after now (times missed while the bot was down
   * fire once, not once each). One-off: without nextAt.
   */
  next: Schedule;
  /** The next time it fires, as in next.nextAt; undefined once a one-off has fired. */
  nextAt?: number;
  /** A one-off that has fired: nothing more to do with it. */
  done: boolean;
  /** The schedule's time can no longer be worked out (e.g. a zone this runtime no longer knows): retired. */
  error?: string;
}

/** The schedules due at nowMs, earliest first, each with what to store back. */
export function takeDueSchedules(schedules: readonly Schedule[], nowMs: number): DueSchedule[] {
  return dueSchedules(schedules, nowMs).map((schedule) => {
    const dueAt = schedule.nextAt!;
    let next: Schedule;
    let error: string | undefined;
    try {
      // From now, not from dueAt: a recurring schedule that missed several times fires once.
      next = advanceSchedule({ ...schedule, nextAt: Math.max(dueAt, nowMs) }, nowMs);
    } catch (err) {
      const { nextAt: _gone, ...rest } = schedule;
      next = rest;
      error = (err as Error).message;
    }
    return {
      schedule,
      dueAt,
      lateMs: Math.max(0, nowMs - dueAt),
      next,
      ...(next.nextAt !== undefined ? { nextAt: next.nextAt } : {}),
      done: next.nextAt === undefined,
      ...(error ? { error } : {}),
    };
  });
}
