// /mng schedule upgrade | list | cancel: upgrades asked for at a time, once or again and again. A
// schedule only asks: each time it fires the scheduler posts a plan that needs its own approval.
// Making and cancelling one is said in the channel and recorded in the audit log. Only approvers make
// them, within the limits of schedule/schedule-limits.ts (add-schedule.ts decides).
import type { GroupRef } from '../../../engine/ports.js';
import { ScheduleRefusedError } from '../../../schedule/add-schedule.js';
import type { Schedule, ScheduleOptions } from '../../../schedule/schedules.js';
import { openingZone } from '../../../schedule/window-gate.js';
import { currentWindow, describeOpening, nextOpening } from '../../../schedule/windows.js';
import { scheduleCancelledMessage, scheduleCreatedMessage, scheduleListMessage, scheduleNotAllowedMessage } from '../../blocks/schedules.js';
import type { ScheduleUpgradeOptions } from '../../grammar.js';
import type { CommandContext, HandlerDeps } from '../deps.js';
import { ephemeral, inChannel } from '../reply.js';

const name = (ref: GroupRef) => `${ref.cluster}/${ref.nodegroup}`;

function scheduleOptions(o: ScheduleUpgradeOptions): ScheduleOptions {
  return {
    ...(o.maxUnavailable !== undefined ? { maxUnavailable: o.maxUnavailable } : {}),
    ...(o.surge !== undefined ? { surge: o.surge } : {}),
    ...(o.strategy !== undefined ? { strategy: o.strategy } : {}),
    ...(o.updateStrategy !== undefined ? { updateStrategy: o.updateStrategy } : {}),
    ...(o.drainTimeoutMs !== undefined ? { drainTimeoutMs: o.drainTimeoutMs } : {}),
    ...(o.bakeMs !== undefined ? { bakeMs: o.bakeMs } : {}),
    ...(o.force ? { force: true } : {}),
  };
}

/** What the group's windows mean for the schedule's next time, in words; undefined without windows. */
function windowNote(deps: HandlerDeps, ref: GroupRef, nextAt: number, now: number): string | undefined {
  const windows = deps.app.windowsOf(ref);
  if (windows.length === 0) return undefined;
  if (currentWindow(windows, nextAt)) return `:large_green_circle: A maintenance window of ${name(ref)} is open then: once approved, the run starts at once.`;
  const opening = nextOpening(windows, nextAt);
  return (
    `:calendar: That time is outside the maintenance windows of ${name(ref)}: once approved, each run waits for the next one` +
    (opening ? ` (the first after it: ${describeOpening(opening.opensAt, now, openingZone(windows, opening.opensAt), deps.app.clock.pace)}).` : ', and none opens ahead.')
  );
}

export async function scheduleUpgradeCommand(deps: HandlerDeps, ctx: CommandContext, o: ScheduleUpgradeOptions): Promise<void> {
  const by = deps.app.actor(ctx.user, ctx.channel.id);
  let schedule: Schedule;
  try {
    schedule = await deps.app.createSchedule({
      ...(o.cluster !== undefined ? { cluster: o.cluster } : {}),
      ...(o.nodegroup !== undefined ? { nodegroup: o.nodegroup } : {}),
      ...(o.version !== undefined ? { version: o.version } : {}),
      options: scheduleOptions(o),
      at: o.at,
      timezone: o.timezone ?? 'UTC',
      by,
      channel: ctx.channel,
    });
  } catch (err) {
    if (!(err instanceof ScheduleRefusedError) || err.refusal.code !== 'not-approver') throw err;
    await ephemeral(ctx.respond, scheduleNotAllowedMessage(deps.app.approvers.describe()), deps.log);
    return;
  }
  await inChannel(ctx.respond, scheduleCreatedMessage(schedule, by.at, windowNote(deps, schedule.ref, schedule.nextAt!, by.at), deps.app.clock.pace), deps.log);
}

export async function scheduleListCommand(deps: HandlerDeps, ctx: CommandContext): Promise<void> {
  await ephemeral(ctx.respond, scheduleListMessage(await deps.app.listSchedules(), deps.app.clock.now(), deps.app.clock.pace), deps.log);
}

export async function scheduleCancelCommand(deps: HandlerDeps, ctx: CommandContext, id: string): Promise<void> {
  const schedule = await deps.app.cancelSchedule(id, deps.app.actor(ctx.user, ctx.channel.id));
  await inChannel(ctx.respond, scheduleCancelledMessage(schedule, ctx.user), deps.log);
}
