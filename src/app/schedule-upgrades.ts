// Upgrades asked for at a time: making, listing and cancelling schedules (audited), and firing the due
// ones. A firing asks for the upgrade as its author would have, so each plan needs its own approval;
// it works the same with or without a chat front end to show it.
import { UserError } from '../engine/errors.js';
import type { AuditEntry, GroupRef, NodeGroups } from '../engine/ports.js';
import type { Actor } from '../engine/run.js';
import { addSchedule, ScheduleRefusedError } from '../schedule/add-schedule.js';
import { takeDueSchedules } from '../schedule/due-schedules.js';
import { isOneOff, type Schedule, type ScheduleOptions, type ScheduleStore } from '../schedule/schedules.js';
import type { RequestUpgradeDeps, UpgradeOutcome } from './request-upgrade.js';
import { requestUpgrade } from './request-upgrade.js';
import type { ChannelRef, Targets } from './targets.js';
import type { Logger } from '../log.js';

export interface ScheduleDeps extends RequestUpgradeDeps {
  store?: ScheduleStore;
  targets: Targets;
  nodeGroups: Pick<NodeGroups, 'describeNodegroup'>;
  isApprover(user: string): boolean | Promise<boolean>;
  audit(entry: AuditEntry): Promise<void>;
  log: Logger;
  newScheduleId?: () => string;
}

export interface ScheduleAsk {
  cluster?: string;
  nodegroup?: string;
  version?: string;
  options?: ScheduleOptions;
  at: string;
  timezone: string;
  by: Actor;
  channel?: ChannelRef;
}

/** A due schedule's firing: what its request became, or why it could not ask. */
export type ScheduleFiring = { schedule: Schedule } & ({ outcome: UpgradeOutcome } | { error: unknown });

const name = (ref: GroupRef) => `${ref.cluster}/${ref.nodegroup}`;

function storeOf(deps: ScheduleDeps): ScheduleStore {
  if (!deps.store) throw new UserError('schedules are not available in this mngbot', 'ask for the upgrade itself instead');
  return deps.store;
}

/** Stores a schedule; a person who may not make one gets ScheduleRefusedError (and the attempt is audited). */
export async function createSchedule(deps: ScheduleDeps, ask: ScheduleAsk): Promise<Schedule> {
  const store = storeOf(deps);
  const ref = await deps.targets.resolve(ask, ask.channel);
  const { by } = ask;
  const channel = by.channel ? { channel: by.channel } : {};
  let schedule: Schedule;
  try {
    schedule = await addSchedule(
      { store, isApprover: (user) => deps.isApprover(user), ...(deps.newScheduleId ? { newId: deps.newScheduleId } : {}) },
      {
        ref,
        ...(ask.version !== undefined ? { version: ask.version } : {}),
        ...(ask.options && Object.keys(ask.options).length ? { options: ask.options } : {}),
        at: ask.at,
        timezone: ask.timezone,
        createdBy: by,
      },
      by.at,
    );
  } catch (err) {
    if (err instanceof ScheduleRefusedError && err.refusal.code === 'not-approver') {
      await deps.audit({ at: by.at, user: by.user, action: 'refused-schedule', ...channel, detail: `upgrade ${name(ref)} "${ask.at}": not an approver` });
      deps.log.info('schedule refused', { user: by.user, reason: err.refusal.code });
    }
    throw err;
  }
  await deps.audit({
    at: by.at,
    user: by.user,
    action: 'schedule',
    ...channel,
    detail: `${schedule.id}: upgrade ${name(ref)} to ${ask.version ?? 'its current version'} ${isOneOff(ask.at) ? 'once at' : 'every'} "${ask.at}" (${ask.timezone})${ask.options?.force ? ' with --force' : ''}`,
  });
  deps.log.info('upgrade scheduled', { scheduleId: schedule.id, cluster: ref.cluster, nodegroup: ref.nodegroup, at: ask.at, timezone: ask.timezone, nextAt: schedule.nextAt });
  return schedule;
}

export async function listSchedules(deps: ScheduleDeps): Promise<Schedule[]> {
  return storeOf(deps).listSchedules();
}

/** Approvers and the schedule's author may cancel it; anyone else is refused (and audited). */
export async function cancelSchedule(deps: ScheduleDeps, id: string, by: Actor): Promise<Schedule> {
  const store = storeOf(deps);
  const schedule = await store.getSchedule(id);
  if (!schedule) throw new UserError(`there is no schedule ${id}`, 'list the schedules to see which there are');
  const channel = by.channel ? { channel: by.channel } : {};
  if (schedule.createdBy.user !== by.user && !(await deps.isApprover(by.user))) {
    await deps.audit({ at: by.at, user: by.user, action: 'refused-schedule-cancel', ...channel, detail: `${id}: not an approver nor the person who scheduled it` });
    deps.log.info('schedule cancel refused', { scheduleId: id, user: by.user });
    throw new UserError(`only approvers and the person who scheduled it may cancel schedule ${id}`, 'ask one of the configured approvers');
  }
  if (!(await store.deleteSchedule(id))) throw new UserError(`schedule ${id} was cancelled meanwhile`);
  await deps.audit({ at: by.at, user: by.user, action: 'schedule-cancel', ...channel, detail: `${id}: upgrade ${name(schedule.ref)} "${schedule.at}" (${schedule.timezone})` });
  deps.log.info('schedule cancelled', { scheduleId: id, user: by.user });
  return schedule;
}

/**
 * Asks for the upgrade of every schedule due at `now`. Each schedule's next time is stored before it
 * asks: a crash in between loses one firing rather than making two.
 */
export async function fireDueSchedules(deps: ScheduleDeps, now: number): Promise<ScheduleFiring[]> {
  if (!deps.store) return [];
  const firings: ScheduleFiring[] = [];
  for (const due of takeDueSchedules(await deps.store.listSchedules(), now)) {
    if (due.done || due.error) await deps.store.deleteSchedule(due.schedule.id);
    else await deps.store.putSchedule(due.next);
    if (due.error) {
      deps.log.warn('schedule retired: its time can no longer be worked out', { schedule: due.schedule.id, error: due.error });
      continue;
    }
    firings.push(await fire(deps, due.schedule, now));
  }
  return firings;
}

async function fire(deps: ScheduleDeps, schedule: Schedule, now: number): Promise<ScheduleFiring> {
  const log = deps.log.child({ schedule: schedule.id, cluster: schedule.ref.cluster, nodegroup: schedule.ref.nodegroup });
  const channel = schedule.createdBy.channel;
  try {
    // A recurring schedule without a version takes the latest release of the group's own version.
    const version = schedule.version ?? (await deps.nodeGroups.describeNodegroup(schedule.ref)).version;
    const outcome = await requestUpgrade(deps, {
      choices: { ...schedule.options, version, cluster: schedule.ref.cluster, nodegroup: schedule.ref.nodegroup },
      by: { user: schedule.createdBy.user, at: now, ...(channel ? { channel } : {}) },
      ...(channel ? { channel: { id: channel }, notify: { channel } } : {}),
    });
    log.info(outcome.kind === 'requested' ? 'scheduled upgrade requested' : 'scheduled upgrade not requested', { outcome: outcome.kind });
    return { schedule, outcome };
  } catch (err) {
    log.warn('scheduled upgrade not requested', { error: err instanceof Error ? err.message : String(err) });
    return { schedule, error: err };
  }
}
