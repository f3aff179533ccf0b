// The English of every finding and refusal, in one place, with the words a person types left to the
// front end's Vocabulary: Slack and the CLI say the same sentences, each naming its own commands.
import type { Finding, FindingFacts, Named, NextStepFacts, RefusalFacts, RollbackRefusal, Vocabulary } from './outcomes.js';
import { formatDuration } from './duration.js';
import { pick, plural } from './plural.js';
import type { Plan } from './run.js';

/** For logs and for readers that know no front end: names things rather than quoting a syntax. */
export const NEUTRAL_WORDS: Vocabulary = {
  option: (name) => `the ${name} option`,
  strategy: (strategy) => `the ${strategy} strategy`,
  status: (runId) => (runId ? `the status of run ${runId}` : 'the list of runs'),
  upgrade: () => 'a new upgrade request',
};

/** Everything a front end words, in its vocabulary. */
export function wordsIn(v: Vocabulary) {
  return {
    findingWords: (f: Finding) => findingText(f, v),
    /** An engine Refusal is worded from its code and fields; any other UserError says what it says. */
    refusalWords: (err: { worded(v: Vocabulary): RefusalWords }) => err.worded(v),
    surgeReasonWords: (surgeReason: string) => surgeReasonText(surgeReason, v),
    /** How a run ended, with its next step. */
    summaryWords: (outcome: { summary: string; next?: NextStepFacts }) => summaryText(outcome, v),
    likeEksWords: (plan: LikeEksFacts) => likeEksText(plan, v),
  };
}

export type LikeEksFacts = Pick<Plan, 'strategy' | 'deregistrationWaitMs' | 'updateStrategy'>;

/**
 * What a rolling upgrade does as EKS does for a managed node group, and what differently; undefined
 * for the eks strategy, where EKS does it all itself.
 */
export function likeEksText(plan: LikeEksFacts, v: Vocabulary): { same: string; different: string } | undefined {
  if (plan.strategy !== 'rolling') return undefined;
  const waitMs = plan.deregistrationWaitMs ?? 0;
  const wait =
    waitMs > 0
      ? `cordons it, waits ${waitMs <= 120_000 && waitMs % 1000 === 0 ? `${waitMs / 1000}s` : formatDuration(waitMs)} for load balancers to deregister it (EKS: 60s), and terminates it`
      : `cordons it and terminates it at once (${v.option('deregistration-wait')} 0: load balancers get no time to deregister it; EKS waits 60s)`;
  if (plan.updateStrategy === 'minimal') {
    return {
      same:
        'Like EKS with update strategy MINIMAL, mngbot launches no new node first: in turn, each old node is tainted eks.amazonaws.com/nodegroup=unschedulable:NoSchedule and labelled' +
        ' node.kubernetes.io/exclude-from-external-load-balancers=true, its pods are evicted through the Eviction API (PodDisruptionBudgets respected)' +
        ` onto the nodes that stay; mngbot ${wait}, and the group launches its replacement.`,
      different:
        'Unlike EKS: the old nodes waiting their turn stay schedulable, and a node counts against maxUnavailable until its replacement is Ready;' +
        ' a drain still blocked after the drain timeout asks for a decision (force, skip or abort) instead of failing the update;' +
        " a run that does not finish takes the taint, label and cordon off the nodes it leaves and puts the group's launch template back.",
    };
  }
  return {
    same:
      'Like EKS, for each old node mngbot taints it eks.amazonaws.com/nodegroup=unschedulable:NoSchedule and labels it' +
      ' node.kubernetes.io/exclude-from-external-load-balancers=true, evicts its pods through the Eviction API' +
      ` (PodDisruptionBudgets respected), ${wait}; the last ones with desired −1, so the group ends at its size.`,
    different:
      'Unlike EKS: ' +
      (waitMs > 0 ? 'a node waiting for load balancers holds no maxUnavailable slot, so the next drain starts meanwhile; ' : '') +
      'a drain still blocked after the drain timeout asks for a decision (force, skip or abort) instead of failing the update;' +
      ' a run that does not finish takes the taint, label and cordon off the nodes it leaves and puts the group\'s sizes and launch template back.',
  };
}

/** What plan.surgeReason says when the request set the surge; worded by surgeReasonText. */
export const SURGE_ASKED = 'set by the request';

export function surgeReasonText(surgeReason: string, v: Vocabulary): string {
  return surgeReason.startsWith(SURGE_ASKED) ? `set by ${v.option('surge')}${surgeReason.slice(SURGE_ASKED.length)}` : surgeReason;
}

/** "a, b, c and 17 more". */
export function namedList(n: Named): string {
  const more = n.total - n.names.length;
  return more > 0 ? `${n.names.join(', ')} and ${more} more` : n.names.join(', ');
}

export function findingText(f: Finding, v: Vocabulary): string {
  if (f.fields === undefined) return f.message;
  return (FINDING_TEXT[f.code] as (fields: unknown, v: Vocabulary) => string)(f.fields, v);
}

type FindingWords = { [C in FindingFacts['code']]: (fields: Extract<FindingFacts, { code: C }>['fields'], v: Vocabulary) => string };

const FINDING_TEXT: FindingWords = {
  'nodegroup-not-active': ({ nodegroup, status }) =>
    `node group ${nodegroup} is ${status}, not ACTIVE: it cannot be upgraded until it is;` +
    ` wait for the current change to finish, or repair the group (see its health issues) if it is DEGRADED`,
  'cluster-not-active': ({ cluster, status }) =>
    `cluster ${cluster} is ${status}, not ACTIVE: EKS refuses node group updates meanwhile; wait for it to be ACTIVE`,
  'al2-end': ({ nodegroup, amiType, lastVersion, target }) =>
    `Amazon Linux 2 AMIs stop at ${lastVersion}: ${nodegroup} (${amiType}) cannot go to ${target};` +
    ` move the node group to AL2023 or Bottlerocket`,
  'unmanaged-pod': ({ pods, forced }, v) =>
    `${plural(pods.total, 'pod')} on old nodes ${pick(pods.total, 'has', 'have')} no controller (${namedList(pods)}):` +
    ` kubectl drain refuses these too; they will be deleted, not re-created;` +
    (forced ? ` ${v.option('force')} given, so that is accepted` : ` use ${v.option('force')} to accept`),
  'pdb-no-disruption': ({ budgets, total }) => {
    const shown = budgets.map((b) => `${b.pdb} (${namedList(b.pods)})`);
    const more = total > budgets.length ? ` and ${total - budgets.length} more` : '';
    return (
      `${plural(total, 'PodDisruptionBudget')} ${pick(total, 'allows', 'allow')} no disruption now, so` +
      ` ${pick(total, 'its', 'their')} pods on old nodes cannot be evicted until ${pick(total, 'it does', 'they do')}:` +
      ` ${shown.join('; ')}${more}. The drain will wait and ask what to do`
    );
  },
  emptydir: ({ pods }) =>
    `${plural(pods.total, 'pod')} on old nodes ${pick(pods.total, 'keeps', 'keep')} data in emptyDir` +
    ` volumes (${namedList(pods)}): that data is lost when ${pick(pods.total, 'it is', 'they are')} evicted`,
  'single-replica': ({ workloads }) =>
    `${plural(workloads.total, 'workload')} ${pick(workloads.total, 'runs', 'run')} a single pod, on an old node` +
    ` (${namedList(workloads)}): ${pick(workloads.total, 'it is', 'they are')} briefly unavailable while the pod moves`,
  dockershim: ({ pods }) =>
    pods.total === 0
      ? `from 1.24 containerd replaces Docker as the container runtime; no pod on the old nodes mounts the Docker socket`
      : `from 1.24 containerd is the only container runtime and there is no Docker socket on the nodes;` +
        ` ${plural(pods.total, 'pod')} ${pick(pods.total, 'mounts', 'mount')} it (${namedList(pods)})` +
        ` and will fail on the new nodes: move ${pick(pods.total, 'it', 'them')} to the containerd socket first`,
  'version-skew': ({ nodes, nodegroup, kubelet, controlPlane, behind, allowed, behindAfter }) =>
    `${nodes > 0 ? plural(nodes, 'node') : `node group ${nodegroup}`} ${pick(Math.max(nodes, 1), 'runs', 'run')}` +
    ` Kubernetes ${kubelet}, ${skew(behind)} the control plane (${controlPlane});` +
    ` Kubernetes supports kubelets up to ${allowed} minors older (3 from 1.28, 2 before).` +
    (behindAfter === undefined
      ? ' This upgrade brings them within the supported skew'
      : ` After this upgrade they are still ${skew(behindAfter)} it: plan a further upgrade`),
  'capped-to-group': ({ asked, nodes, surge }, v) => {
    const past = asked.map((a) => `${v.option(a.option)} is ${a.asked}`).join(' and ');
    const mu = asked.find((a) => a.option === 'max-unavailable');
    return (
      `${past}, more than the ${plural(nodes, 'old node')} this group can use:` +
      ` mngbot ${mu ? `drains at most ${mu.cap} at once and ` : ''}launches ${plural(surge, 'new node')}` +
      `${asked.some((a) => a.option === 'surge') ? `, not ${asked.find((a) => a.option === 'surge')!.asked}` : ''}`
    );
  },
  'surge-exceeds-nodes': ({ surge, nodes }) =>
    `the surge (${surge}) is larger than the ${plural(nodes, 'node')} to replace:` +
    ` the group briefly runs more new nodes than it needs and removes the extra ones when scaling back`,
  'same-version': ({ nodegroup, version, fromRelease, toRelease }) =>
    `${nodegroup} already runs ${version}: this moves it from AMI release ${fromRelease} to ${toRelease}`,
  'patch-ignored': ({ requested, asked, release }) =>
    `EKS picks the patch version through the AMI release: the request (${requested}) asked for ${asked}, the release used is ${release}`,
  'instance-not-joined': ({ nodegroup, instances }) =>
    `${plural(instances.total, 'instance')} of ${nodegroup} ${pick(instances.total, 'is', 'are')} not a node of the` +
    ` cluster (${namedList(instances)}): ${pick(instances.total, 'it is', 'they are')} replaced without a drain`,
  'unhealthy-before': ({ pods }) =>
    `${plural(pods.total, 'pod')} on old nodes ${pick(pods.total, 'is', 'are')} unhealthy before the upgrade (${namedList(pods)}):` +
    ` the health gate names ${pick(pods.total, 'it', 'them')} if ${pick(pods.total, 'it fails', 'they fail')} on the new nodes too, but does not blame the new image for ${pick(pods.total, 'it', 'them')}`,
  'mngbot-on-node': ({ pod, node, az }) =>
    `mngbot itself (${pod ?? 'its pod'}) runs on ${node}: that node is replaced last; mngbot saves the run, moves itself to a new node and carries on there. ` +
    `Its data volume is in ${az}, where the surge has new nodes. To keep mngbot off the groups it upgrades, label a stable node group mngbot.io/home=true (the manifests prefer it).`,
  'minimal-capacity-dip': ({ nodegroup, maxUnavailable, nodes, desired }) =>
    `update strategy MINIMAL: no new node is launched ahead; ${pick(maxUnavailable, 'each old node is', `up to ${maxUnavailable} old nodes at a time are`)} drained (PodDisruptionBudgets respected) and terminated, ` +
    `and the group launches ${pick(maxUnavailable, 'its replacement', 'their replacements')}. ${nodegroup} never grows past its ${desired} nodes, ` +
    `but runs up to ${plural(maxUnavailable, 'node')} short until each replacement is Ready (${plural(nodes, 'node')} to replace), and pods may move more than once`,
  'minimal-pdb-blocks': ({ budgets, total }, v) => {
    const shown = budgets.map((b) => `${b.pdb} (${namedList(b.pods)})`);
    const more = total > budgets.length ? ` and ${total - budgets.length} more` : '';
    return (
      `update strategy MINIMAL cannot drain: ${plural(total, 'PodDisruptionBudget')} never ${pick(total, 'allows', 'allow')} an eviction ` +
      `(minAvailable is every pod, or maxUnavailable 0): ${shown.join('; ')}${more}. Loosen ${pick(total, 'it', 'them')} or add replicas, ` +
      `or leave ${v.option('update-strategy')} minimal out`
    );
  },
  'minimal-no-room': ({ need, room, nodes, maxUnavailable }, v) =>
    `update strategy MINIMAL cannot drain: ${nodes.total === 1 ? 'the busiest node' : `the ${nodes.total} busiest nodes`}, drained at once (${namedList(nodes)}), ` +
    `${pick(nodes.total, 'has', 'have')} ${plural(need, 'pod')} to move and the other nodes have ${plural(room, 'free pod slot')}; ` +
    `lower ${v.option('max-unavailable')} (now ${maxUnavailable}), make room, or leave ${v.option('update-strategy')} minimal out for a surge`,
};

function skew(behind: number): string {
  return behind < 0 ? `${plural(-behind, 'minor')} newer than` : `${plural(behind, 'minor')} behind`;
}

export interface RefusalWords {
  message: string;
  hint?: string;
}

export function refusalText(r: RefusalFacts, v: Vocabulary): RefusalWords {
  return (REFUSAL_TEXT[r.code] as (fields: unknown, v: Vocabulary) => RefusalWords)(r.fields, v);
}

type RefusalWordsFor = { [C in RefusalFacts['code']]: (fields: Extract<RefusalFacts, { code: C }>['fields'], v: Vocabulary) => RefusalWords };

const REFUSAL_TEXT: RefusalWordsFor = {
  'plan-refused': ({ blocking }, v) => ({
    message: `this upgrade cannot be approved: ${blocking.map((f) => findingText(f, v)).join(' ')}`,
    // Only a pod no controller owns is accepted by the force option; for anything else the hint would mislead.
    hint: blocking.some((f) => f.code === 'unmanaged-pod')
      ? `fix what the findings name, or add ${v.option('force')} to accept the pods without a controller`
      : 'fix what the findings name, then ask again',
  }),
  'pending-request': (p) => {
    const where = p.notify?.channel
      ? `, waiting in channel ${p.notify.channel}${p.notify.planTs ? ` (thread ${p.notify.threadTs ?? p.notify.planTs})` : ''}`
      : '';
    return {
      message: `${p.ref.cluster}/${p.ref.nodegroup} already has a request awaiting approval: run ${p.runId}, asked by ${p.requestedBy.user} at ${new Date(p.createdAt).toISOString()}${where}`,
      hint: `approve or reject run ${p.runId} first, or cancel it`,
    };
  },
  'active-run': ({ ref, runId, status }, v) => ({
    message: `${ref.cluster}/${ref.nodegroup} already has an upgrade ${status === 'running' ? 'running' : `under way (${status.replace(/-/g, ' ')})`}: run ${runId}`,
    hint: `follow it with ${v.status(runId)}; ask again once it has ended`,
  }),
  'no-such-run': ({ runId }, v) => ({ message: `there is no run ${runId}`, hint: `see ${v.status()} for the runs there are` }),
  'run-ended': ({ runId, status }) => ({ message: `run ${runId} has already ended (${status})` }),
  'run-cleaning-up': ({ runId, status }) => ({ message: `run ${runId} is already cleaning up (${status})` }),
  'run-not-running': ({ runId, status }) => ({ message: `run ${runId} is ${status}, not running` }),
  'run-not-paused': ({ runId, status }) => ({ message: `run ${runId} is ${status}, not paused` }),
  'already-decided': ({ runId, decision, by }) => ({ message: `run ${runId} was already ${decision}${by ? ` by ${by}` : ''}` }),
  'request-expired': (_, v) => ({ message: 'this request expired; nothing was changed', hint: `ask again with ${v.upgrade()}` }),
  'not-approver': ({ action, of }) => ({ message: `only approvers may ${action} ${of}`, hint: 'ask one of the configured approvers' }),
  'self-approval': () => ({ message: 'you asked for this upgrade, so someone else must approve it' }),
  'no-decision-waiting': ({ runId, node, status }) => ({ message: `run ${runId} is not waiting for a decision on ${node} (it is ${status})` }),
  'already-chosen': ({ node, by, choice }) => ({ message: `${by} already chose ${choice} for ${node}` }),
  // eksCarriesOn says how to follow it: no hint to say it again.
  'eks-cannot-stop': (f, v) => ({ message: `run ${f.runId} cannot be ${f.action === 'cancel' ? 'cancelled' : 'paused'}: ${eksCarriesOn(f, v)}` }),
  // The message ends with what to use: no hint to say it again.
  'strategy-unsuited': ({ nodegroup, requested }, v) =>
    requested === 'rolling'
      ? {
          message:
            `${nodegroup} is an EKS managed node group: the rolling strategy would edit its Auto Scaling group and launch template` +
            ` directly, which EKS does not support (it reports Ec2LaunchTemplateVersionMismatch); use ${v.strategy('eks')}`,
        }
      : {
          message:
            `${nodegroup} is a self-managed node group: EKS has no update API for it (UpdateNodegroupVersion is for managed` +
            ` node groups only); use ${v.strategy('rolling')}`,
        },
  'unknown-strategy': ({ requested }, v) => ({ message: `unknown strategy "${requested}": use ${v.strategy('eks')} or ${v.strategy('rolling')}` }),
  'surge-with-eks': ({ eksSurgeReason }, v) => ({
    message:
      `${v.option('surge')} applies to the rolling strategy only: EKS chooses its own surge for managed node groups` +
      ` (${eksSurgeReason}); leave ${v.option('surge')} out`,
  }),
  'surge-with-minimal': ({ surge }, v) => ({
    message: `${v.option('surge')} ${surge} and ${v.option('update-strategy')} minimal contradict each other: MINIMAL launches no surge`,
    hint: `leave one of them out`,
  }),
  'bad-surge': ({ got }, v) => ({ message: `${v.option('surge')} must be a whole number of at least 1 (got ${got})`, hint: 'use a whole number ≥ 1' }),
  'bad-max-unavailable': ({ source, nodegroup, got }, v) => {
    const what = {
      request: v.option('max-unavailable'),
      default: 'the configured default maxUnavailable',
      group: `the update config of ${nodegroup} (maxUnavailable)`,
      'built-in': 'the default',
    }[source];
    if (typeof got === 'string') return { message: `${what} as a percentage must be from 1% to 100% of the old nodes (got ${got})`, hint: 'use a percentage such as 10%' };
    return { message: `${what} must be a whole number of at least 1 (got ${got})`, hint: 'use a whole number ≥ 1' };
  },
  'bad-drain-timeout': ({ gotMs }) => ({ message: `the drain timeout must be a positive duration (got ${gotMs} ms)` }),
  'nothing-to-do': ({ nodegroup, release }) => ({
    message:
      release === undefined
        ? `nothing to do: ${nodegroup} has no running instances to replace`
        : `nothing to do: every node of ${nodegroup} already runs ${release}`,
  }),
  'rollback-refused': (f, v) => rollbackRefusalText(f, v),
  'store-unavailable': ({ cause }) => ({
    message: `mngbot cannot save its state right now (${cause}); nothing was changed`,
    hint: 'upgrades in flight are paused and retry on their own; free the data volume or fix the store, then try again',
  }),
};

function rollbackRefusalText(f: RollbackRefusal, v: Vocabulary): RefusalWords {
  switch (f.reason) {
    case 'changed-nothing':
      return { message: `run ${f.runId} changed nothing (${f.status.replace(/-/g, ' ')}), so there is nothing to roll back`, hint: `see ${v.status()} for the runs that replaced nodes` };
    case 'previous-unknown':
      return {
        message: `mngbot does not know which ${f.missing} ${f.nodegroup} had before run ${f.runId}, so it cannot roll it back`,
        hint: `ask for the release you want with ${v.upgrade()}`,
      };
    case 'newer-run':
      return {
        message: `run ${f.newerRunId} (${f.newerStatus.replace(/-/g, ' ')}) changed ${f.nodegroup} after run ${f.runId}: rolling back ${f.runId} would undo it too`,
        hint: `roll back run ${f.newerRunId} instead, or ask for the release you want with ${v.upgrade()}`,
      };
    case 'nothing-to-roll-back':
      return {
        message:
          `every node of ${f.nodegroup} already runs ${f.release}, the release before run ${f.runId}: nothing to roll back` +
          (f.atGate
            ? `. Run ${f.runId} stopped at its health gate and put back what it had changed`
            : f.stopped
              ? `. Run ${f.runId} was cancelled first: it put back what it had changed`
              : ''),
      };
    case 'eks-update-running':
      return {
        message: `run ${f.runId} cannot be rolled back yet: EKS is updating the group${f.updateId ? ` (update ${f.updateId})` : ''} and has no way to stop an update once it has started`,
        hint: `follow it with ${v.status(f.runId)}; roll it back once it has ended`,
      };
  }
}

export function nextStepText(n: NextStepFacts, v: Vocabulary): string {
  switch (n.code) {
    case 'eks-eviction-retry':
      return (
        `EKS stops trying after ${n.fields.minutes} minutes: let the PodDisruptionBudget allow a disruption (or add replicas) and run the upgrade again, ` +
        `or run it again with ${v.option('force')} and EKS deletes the pods it cannot evict.`
      );
  }
}

/**
 * A run's summary in a front end's words. The stored summary ends with its next step in the neutral
 * words, so a reader that knows no vocabulary still reads it whole; this swaps those words for `v`'s.
 */
export function summaryText(outcome: { summary: string; next?: NextStepFacts }, v: Vocabulary): string {
  if (!outcome.next) return outcome.summary;
  const neutral = nextStepText(outcome.next, NEUTRAL_WORDS);
  return outcome.summary.endsWith(neutral) ? `${outcome.summary.slice(0, -neutral.length)}${nextStepText(outcome.next, v)}` : outcome.summary;
}

/** What happens to an EKS update nobody can stop; also said when a cancel or pause reaches the run. */
export function eksCarriesOn(f: { runId: string; updateId?: string; fromRelease: string }, v: Vocabulary): string {
  const update = f.updateId ? `update ${f.updateId}` : 'the update mngbot asked for';
  return (
    `EKS has no way to stop a node group update once it has started, so ${update} carries on and mngbot keeps ` +
    `following it to the end (follow it with ${v.status(f.runId)}). What EKS replaces stays replaced; if it fails, ` +
    `EKS leaves the rest of the group on ${f.fromRelease} and mngbot says what is left.`
  );
}
