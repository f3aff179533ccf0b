// /mng help.
import { SCHEDULE_LIMITS, VALID_SCHEDULE_EXAMPLE } from '../../schedule/schedule-limits.js';
import { USAGE, type HelpTopic } from '../grammar.js';
import { context, section, type Message } from './kit.js';
import { assertWithinLimits } from './limits.js';

const TOPICS: Record<HelpTopic, string> = {
  list: `\`${USAGE.list}\`\nClusters and node groups with version, AMI release, size and status.`,
  upgrade:
    `\`${USAGE.upgrade}\`\n\`${USAGE.upgradeEksctl}\`\n` +
    'Plans the upgrade and posts it here for an approver. Where only one cluster or node group is configured it need not be named. ' +
    '`--dry-run` shows the plan only; `--force` lets drains delete pods a PodDisruptionBudget protects once the drain timeout passes. ' +
    'A node group with maintenance windows waits, once approved, for the next one; `--now` runs it outside them (still after an approval). ' +
    'A node group has one request awaiting approval at a time.',
  schedule:
    `\`${USAGE.scheduleUpgrade}\`\n\`${USAGE.scheduleList}\`\n\`${USAGE.scheduleCancel}\`\n` +
    'Asks for an upgrade at a time: once (an ISO time, read in `--timezone`, UTC by default, unless it has Z or an offset) or again and again (a cron). ' +
    'Each time it posts a plan for the latest AMI release of the version (the group\'s own when none is given) that needs its own approval. ' +
    `Approvers make schedules: at most ${SCHEDULE_LIMITS.perNodeGroup} per node group and ${SCHEDULE_LIMITS.total} in all, each firing at most once an hour ` +
    `(one minute in its cron, e.g. \`${VALID_SCHEDULE_EXAMPLE.at}\`, ${VALID_SCHEDULE_EXAMPLE.meaning}). The person who scheduled it and approvers may cancel it.`,
  windows: `\`${USAGE.windows}\`\nEach node group's maintenance windows and their next openings. Upgrades of a group with windows run only inside them.`,
  status: `\`${USAGE.status}\`\nThe fleet: every node group, its AMI release and how old it is, how far behind the latest, its next window and last run. With a run id, that run in detail.`,
  cancel: `\`${USAGE.cancel}\`\nStops the run at its next safe point and puts back what it changed (approvers and the requester).`,
  rollback:
    `\`${USAGE.rollback}\`\nPuts the nodes a run replaced back on the AMI release (and launch-template version) from before it: a new run, posted here for an approver, ` +
    'with the same care as an upgrade. A run still under way is cancelled first. The summary of a finished run has a *Roll back* button (approvers only).',
  pause: `\`${USAGE.pause}\`\nPauses a run: the nodes in flight finish, no new node starts (approvers only; also a button on the progress message).`,
  resume: `\`${USAGE.resume}\`\nResumes a paused run; one its maintenance window paused carries on outside the window (approvers only).`,
  history: `\`${USAGE.history}\`\nPast upgrades, newest first: who asked, who decided, how they ended.`,
  audit: `\`${USAGE.audit}\`\nThe last N entries of the audit log: who asked, approved, rejected, forced, cancelled, when and where (approvers only).`,
};

export function helpMessage(topic?: HelpTopic): Message {
  const blocks = topic
    ? [section(TOPICS[topic])]
    : [
        section('*mngbot* upgrades EKS node groups: it plans, asks an approver, then replaces the nodes and reports here.'),
        section(TOPICS.list),
        section(TOPICS.upgrade),
        section(TOPICS.schedule),
        section(TOPICS.windows),
        section(TOPICS.status),
        section(`${TOPICS.cancel}\n\n${TOPICS.pause}\n\n${TOPICS.resume}`),
        section(TOPICS.rollback),
        section(`${TOPICS.history}\n\n${TOPICS.audit}`),
        context('Only configured approvers can approve, reject, decide on a blocked drain, roll back, schedule upgrades or read the audit log.'),
      ];
  return assertWithinLimits({ text: 'mngbot help', blocks });
}
