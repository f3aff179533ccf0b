// /mng schedule …: a schedule made, the list of them, one cancelled. Pure.
import { isOneOff, type Schedule } from '../../schedule/schedules.js';
import { describeOpening } from '../../schedule/windows.js';
import { code, esc, formatDuration, who } from './format.js';
import { context, header, section, type Block, type Message } from './kit.js';
import { assertWithinLimits, clip, LIMITS, MAX_LIST_SECTIONS as MAX_SECTIONS, packLines } from './limits.js';

const target = (s: Schedule) =>
  `${code(`${s.ref.cluster}/${s.ref.nodegroup}`)} to ${s.version ? `*${esc(s.version)}*` : 'its current version'} (the latest AMI release then)`;

/** "every time `0 2 * * SAT` fires (Europe/Berlin)" or "once, at `2025-04-12T02:00` (Europe/Berlin)". */
export function scheduleWhen(s: Schedule): string {
  return isOneOff(s.at) ? `once, at ${code(s.at)} (${esc(s.timezone)})` : `every time ${code(s.at)} fires (${esc(s.timezone)})`;
}

/** "next Sat 02:00 CET, in 3 days", or that it has no next time. `pace`: the clock's, on a paced simulated world (describeOpening). */
export function scheduleNext(s: Schedule, now: number, pace?: number): string {
  return s.nextAt !== undefined ? `next ${describeOpening(s.nextAt, now, s.timezone, pace)}` : isOneOff(s.at) ? 'done (its time has passed)' : 'no next time';
}

function optionsText(s: Schedule): string {
  const o = s.options ?? {};
  const parts = [
    o.strategy ? `strategy ${o.strategy}` : '',
    o.updateStrategy === 'minimal' ? 'update strategy minimal (no surge)' : '',
    o.maxUnavailable ? `maxUnavailable ${o.maxUnavailable}` : '',
    o.surge ? `surge ${o.surge}` : '',
    o.drainTimeoutMs ? `drain timeout ${formatDuration(o.drainTimeoutMs)}` : '',
    o.force ? '--force' : '',
  ].filter(Boolean);
  return parts.length ? ` · ${parts.join(', ')}` : '';
}

export function scheduleCreatedMessage(s: Schedule, now: number, windowNote?: string, pace?: number): Message {
  const blocks: Block[] = [
    section(
      clip(
        `:calendar: ${who(s.createdBy.user)} scheduled ${code(s.id)}: upgrade ${target(s)} ${scheduleWhen(s)}${optionsText(s)}.\n` +
          `*${scheduleNext(s, now, pace)}*. Each time, the plan is posted here and needs an approver's approval.`,
        LIMITS.sectionText,
      ),
    ),
  ];
  if (windowNote) blocks.push(section(clip(windowNote, LIMITS.sectionText)));
  blocks.push(context(`Cancel it: \`/mng schedule cancel ${s.id}\` · all schedules: \`/mng schedule list\``));
  return assertWithinLimits({ text: `Scheduled ${s.id}: upgrade ${s.ref.cluster}/${s.ref.nodegroup}, ${scheduleNext(s, now, pace)}`, blocks });
}

export function scheduleLine(s: Schedule, now: number, pace?: number): string {
  return `• ${code(s.id)} · upgrade ${target(s)} ${scheduleWhen(s)}${optionsText(s)} · *${scheduleNext(s, now, pace)}* · by ${who(s.createdBy.user)}`;
}

export function scheduleListMessage(schedules: Schedule[], now: number, pace?: number): Message {
  const blocks: Block[] = [header('Scheduled upgrades')];
  if (schedules.length === 0) {
    blocks.push(section('No upgrades are scheduled. Add one with `/mng schedule upgrade nodegroup <version> --at …`.'));
    return assertWithinLimits({ text: 'No upgrades are scheduled', blocks });
  }
  const { chunks, left } = packLines(
    schedules.map((s) => scheduleLine(s, now, pace)),
    LIMITS.sectionText - 40,
    MAX_SECTIONS,
  );
  for (const c of chunks) blocks.push(section(c));
  if (left) blocks.push(context(`…and ${left} more.`));
  blocks.push(context('Cancel one: `/mng schedule cancel SCHEDULE-ID` (the person who scheduled it, or an approver)'));
  return assertWithinLimits({ text: `${schedules.length} scheduled upgrade${schedules.length === 1 ? '' : 's'}`, blocks });
}

export function scheduleCancelledMessage(s: Schedule, by: string): Message {
  return assertWithinLimits({
    text: `Schedule ${s.id} cancelled`,
    blocks: [section(clip(`:wastebasket: ${who(by)} cancelled schedule ${code(s.id)} (upgrade ${target(s)} ${scheduleWhen(s)}). Runs it already asked for are not affected.`, LIMITS.sectionText))],
  });
}

/** A schedule asked for by someone who may not make one: who can. approvers is mrkdwn (mentions). */
export function scheduleNotAllowedMessage(approvers: string): Message {
  return assertWithinLimits({
    text: 'Only approvers may schedule upgrades',
    blocks: [
      section(
        clip(
          `:no_entry: Only approvers may schedule upgrades: ${approvers}.\n_Ask one of them to schedule it, or ask for one upgrade now with \`/mng upgrade\`._`,
          LIMITS.sectionText,
        ),
      ),
    ],
  });
}
