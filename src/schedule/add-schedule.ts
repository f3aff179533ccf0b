// Making a schedule: who may, whether it is valid and within the limits, and its id. A schedule asks
// for an upgrade in a channel again and again on its author's behalf, so only approvers make them
// (anyone may still ask for one upgrade with /mng upgrade). Refusals are data (ScheduleRefusedError
// .refusal) for a front end to word; the message is a plain-text wording of the same.
import { UserError } from '../engine/errors.js';
import { scheduleLimitRefusal, type ScheduleLimitRefusal, VALID_SCHEDULE_EXAMPLE } from './schedule-limits.js';
import { isOneOff, newScheduleId, nextRun, parseOneOff, validateSchedule, type Schedule, type ScheduleStore } from './schedules.js';
import { describeOpening } from './windows.js';

export type ScheduleRefusal = { code: 'not-approver'; user: string } | ScheduleLimitRefusal;

export class ScheduleRefusedError extends UserError {
  constructor(readonly refusal: ScheduleRefusal) {
    super(...refusalWords(refusal));
  }
}

function refusalWords(r: ScheduleRefusal): [string, string] {
  const example = `e.g. --at "${VALID_SCHEDULE_EXAMPLE.at}" (${VALID_SCHEDULE_EXAMPLE.meaning})`;
  switch (r.code) {
    case 'not-approver':
      return ['only approvers may schedule upgrades', 'ask an approver to schedule it, or ask for one upgrade now with /mng upgrade'];
    case 'too-often':
      return [`"${r.at}" fires ${r.timesAnHour} times an hour; a schedule may fire at most once an hour`, `give its minute as one number, ${example}`];
    case 'group-full':
      return [
        `${r.ref.cluster}/${r.ref.nodegroup} already has ${r.ids.length} schedules (${r.ids.join(', ')}), the most one node group may have (${r.limit})`,
        `cancel one first: /mng schedule cancel ${r.ids[0]}`,
      ];
    case 'all-full':
      return [`there are already ${r.limit} schedules, the most mngbot keeps`, 'cancel those no longer needed first (see /mng schedule list)'];
  }
}

export interface AddScheduleDeps {
  store: ScheduleStore;
  /** The approval policy: only approvers make schedules. */
  isApprover(user: string): boolean | Promise<boolean>;
  /** Ids for new schedules; newScheduleId() by default. */
  newId?: () => string;
}

export type ScheduleDraft = Omit<Schedule, 'id' | 'nextAt'>;

/** Tries at a fresh id before giving up (five characters from 31: a clash is rare). */
const ID_ATTEMPTS = 20;

/** One addition at a time per store, so that two at once cannot both pass the limits. */
const adding = new WeakMap<ScheduleStore, Promise<unknown>>();

/** Stores the schedule with its id and first time; throws ScheduleRefusedError or a UserError naming what is wrong. */
export async function addSchedule(deps: AddScheduleDeps, draft: ScheduleDraft, nowMs: number): Promise<Schedule> {
  if (!(await deps.isApprover(draft.createdBy.user))) throw new ScheduleRefusedError({ code: 'not-approver', user: draft.createdBy.user });
  validateSchedule({ ...draft, id: 'new' });
  const nextAt = nextRun(draft, nowMs);
  if (nextAt === undefined) {
    if (isOneOff(draft.at)) {
      throw new UserError(`${draft.at} (${describeOpening(parseOneOff(draft.at, draft.timezone), nowMs, draft.timezone)}) has passed`, 'give a time still to come');
    }
    throw new UserError(`the cron "${draft.at}" does not fire in the coming years`, 'check its day and month fields');
  }

  const previous = adding.get(deps.store) ?? Promise.resolve();
  const added = previous.then(async () => {
    const existing = await deps.store.listSchedules();
    const refusal = scheduleLimitRefusal(draft, existing);
    if (refusal) throw new ScheduleRefusedError(refusal);
    const schedule: Schedule = { ...draft, id: freeId(existing, deps.newId ?? (() => newScheduleId())), nextAt };
    await deps.store.putSchedule(schedule);
    return schedule;
  });
  adding.set(deps.store, added.catch(() => undefined));
  return added;
}

function freeId(existing: readonly Schedule[], newId: () => string): string {
  const taken = new Set(existing.map((s) => s.id));
  for (let i = 0; i < ID_ATTEMPTS; i++) {
    const id = newId();
    if (!taken.has(id)) return id;
  }
  throw new Error(`no free schedule id after ${ID_ATTEMPTS} attempts`);
}
