// /mng schedule upgrade | list | cancel: upgrades asked for at a time, once or again and again. A
// schedule only asks: each time it fires the scheduler posts a plan that needs its own approval.
// Making and cancelling one is said in the channel and recorded in the audit log. Only approvers make
// them, within the limits of schedule/schedule-limits.ts (add-schedule.ts decides).
import { UserError } from '../../../engine/errors.js';
import type { GroupRef } from '../../../engine/ports.js';
import { addSchedule, ScheduleRefusedError } from '../../../schedule/add-schedule.js';
import { isOneOff, type Schedule, type ScheduleOptions, type ScheduleStore } from '../../../schedule/schedules.js';
import { openingZone } from '../../../schedule/window-gate.js';
import { currentWindow, describeOpening, nextOpening } from '../../../schedule/windows.js';
import { scheduleCancelledMessage, scheduleCreatedMessage, scheduleListMessage, scheduleNotAllowedMessage } from '../../blocks/schedules.js';
import type { ScheduleUpgradeOptions } from '../../grammar.js';
import type { CommandContext, HandlerDeps } from '../deps.js';
import { ephemeral, inChannel } from '../reply.js';

function storeOf(deps: HandlerDeps): ScheduleStore {
  if (!deps.schedules) throw new UserError('schedules are not available in this mngbot', 'ask with /mng upgrade instead');
  return deps.schedules;
}

const name = (ref: GroupRef) => `${ref.cluster}/${ref.nodegroup}`;

function scheduleOptions(o: ScheduleUpgradeOptions): ScheduleOptions | undefined {
  const out: ScheduleOptions = {
    ...(o.maxUnavailable !== undefined ? { maxUnavailable: o.maxUnavailable } : {}),
    ...(o.surge !== undefined ? { surge: o.surge } : {}),
    ...(o.strategy !== undefined ? { strategy: o.strategy } : {}),
    ...(o.drainTimeoutMs !== undefined ? { drainTimeoutMs: o.drainTimeoutMs } : {}),
    ...(o.force ? { force: true } : {}),
  };
  return Object.keys(out).length ? out : undefined;
}

/** What the group's windows mean for the schedule's next time, in words; undefined without windows. */
function windowNote(deps: HandlerDeps, ref: GroupRef, nextAt: number, now: number): string | undefined {
  const windows = deps.windowsFor?.(ref) ?? [];
  if (windows.length === 0) return undefined;
  if (currentWindow(windows, nextAt)) return `:large_green_circle: A maintenance window of ${name(ref)} is open then: once approved, the run starts at once.`;
  const opening = nextOpening(windows, nextAt);
  return (
    `:calendar: That time is outside the maintenance windows of ${name(ref)}: once approved, each run waits for the next one` +
    (opening ? ` (the first after it: ${describeOpening(opening.opensAt, now, openingZone(windows, opening.opensAt))}).` : ', and none opens ahead.')
  );
}

export async function scheduleUpgradeCommand(deps: HandlerDeps, ctx: CommandContext, o: ScheduleUpgradeOptions): Promise<void> {
  const store = storeOf(deps);
  const ref = await deps.targets.resolve(o, ctx.channel);
  const now = deps.clock.now();
  const timezone = o.timezone ?? 'UTC';
  const options = scheduleOptions(o);
  let schedule: Schedule;
  try {
    schedule = await addSchedule(
      { store, isApprover: (user) => deps.approvers.isApprover(user), ...(deps.newScheduleId ? { newId: deps.newScheduleId } : {}) },
      {
        ref,
        ...(o.version !== undefined ? { version: o.version } : {}),
        ...(options ? { options } : {}),
        at: o.at,
        timezone,
        createdBy: { user: ctx.user, at: now, channel: ctx.channel.id },
      },
      now,
    );
  } catch (err) {
    if (!(err instanceof ScheduleRefusedError) || err.refusal.code !== 'not-approver') throw err;
    await deps.audit?.({ at: now, user: ctx.user, action: 'refused-schedule', channel: ctx.channel.id, detail: `upgrade ${name(ref)} "${o.at}": not an approver` });
    deps.log.info('schedule refused', { user: ctx.user, reason: err.refusal.code });
    await ephemeral(ctx.respond, scheduleNotAllowedMessage(deps.approvers.describe()), deps.log);
    return;
  }
  const nextAt = schedule.nextAt!;
  await deps.audit?.({
    at: now,
    user: ctx.user,
    action: 'schedule',
    channel: ctx.channel.id,
    detail: `${schedule.id}: upgrade ${name(ref)} to ${o.version ?? 'its current version'} ${isOneOff(o.at) ? 'once at' : 'every'} "${o.at}" (${timezone})${o.force ? ' with --force' : ''}`,
  });
  deps.log.info('upgrade scheduled', { scheduleId: schedule.id, cluster: ref.cluster, nodegroup: ref.nodegroup, at: o.at, timezone, nextAt });
  await inChannel(ctx.respond, scheduleCreatedMessage(schedule, now, windowNote(deps, ref, nextAt, now)), deps.log);
}

export async function scheduleListCommand(deps: HandlerDeps, ctx: CommandContext): Promise<void> {
  const store = storeOf(deps);
  await ephemeral(ctx.respond, scheduleListMessage(await store.listSchedules(), deps.clock.now()), deps.log);
}

export async function scheduleCancelCommand(deps: HandlerDeps, ctx: CommandContext, id: string): Promise<void> {
  const store = storeOf(deps);
  const schedule = await store.getSchedule(id);
  if (!schedule) throw new UserError(`there is no schedule ${id}`, 'see /mng schedule list for the schedules there are');
  const at = deps.clock.now();
  if (schedule.createdBy.user !== ctx.user && !(await deps.approvers.isApprover(ctx.user))) {
    await deps.audit?.({ at, user: ctx.user, action: 'refused-schedule-cancel', channel: ctx.channel.id, detail: `${id}: not an approver nor the person who scheduled it` });
    deps.log.info('schedule cancel refused', { scheduleId: id, user: ctx.user });
    throw new UserError(`only approvers and the person who scheduled it may cancel schedule ${id}`, 'ask one of the configured approvers');
  }
  if (!(await store.deleteSchedule(id))) throw new UserError(`schedule ${id} was cancelled meanwhile`);
  await deps.audit?.({ at, user: ctx.user, action: 'schedule-cancel', channel: ctx.channel.id, detail: `${id}: upgrade ${name(schedule.ref)} "${schedule.at}" (${schedule.timezone})` });
  deps.log.info('schedule cancelled', { scheduleId: id, user: ctx.user });
  await inChannel(ctx.respond, scheduleCancelledMessage(schedule, ctx.user), deps.log);
}
