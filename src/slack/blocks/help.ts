// /mng help.
import { USAGE } from '../grammar.js';
import { context, section, type Message } from './kit.js';
import { assertWithinLimits } from './limits.js';

const TOPICS = {
  list: `\`${USAGE.list}\`\nClusters and node groups with version, AMI release, size and status.`,
  upgrade:
    `\`${USAGE.upgrade}\`\n\`${USAGE.upgradeEksctl}\`\n` +
    'Plans the upgrade and posts it here for an approver. Where only one cluster or node group is configured it need not be named. ' +
    '`--dry-run` shows the plan only; `--force` lets drains delete pods a PodDisruptionBudget protects once the drain timeout passes.',
  status: `\`${USAGE.status}\`\nThe running and recent upgrades, or one in detail.`,
  cancel: `\`${USAGE.cancel}\`\nStops the run at its next safe point and puts back what it changed (approvers and the requester).`,
} as const;

export function helpMessage(topic?: keyof typeof TOPICS): Message {
  const blocks = topic
    ? [section(TOPICS[topic])]
    : [
        section('*mngbot* upgrades EKS node groups: it plans, asks an approver, then replaces the nodes and reports here.'),
        section(TOPICS.list),
        section(TOPICS.upgrade),
        section(TOPICS.status),
        section(TOPICS.cancel),
        context('Only configured approvers can approve, reject or decide on a blocked drain.'),
      ];
  return assertWithinLimits({ text: 'mngbot help', blocks });
}
