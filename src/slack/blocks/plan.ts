// The parent message of an upgrade: the plan, and then what became of it (approved and running,
// rejected, expired, the outcome). Pure: the same run renders the same message.
import type { Finding, Plan, Run } from '../../engine/run.js';
import { isTerminal } from '../../engine/run.js';
import { openingZone } from '../../schedule/window-gate.js';
import { describeOpening, type Window } from '../../schedule/windows.js';
import { PlanRefusedError } from '../../engine/commands.js';
import { blockingFindings } from '../../engine/plan.js';
import { gatePlanText } from '../../engine/gate-text.js';
import { estimateNote } from '../../engine/estimate.js';
import { code, esc, formatDuration, mrkdwn, plural, roughly, STATUS_EMOJI, statusWord, who } from './format.js';
import { actions, button, context, fields, header, section, type Block, type Message } from './kit.js';
import { assertWithinLimits, clip, LIMITS, packLines } from './limits.js';
import { rollbackBlocks } from './rollback.js';
import { runWindowNote, windowNoteText, type WindowNote } from './windows.js';
import { findingWords, likeEksWords, refusalWords, summaryWords, surgeReasonWords } from './words.js';

export const ACTION_APPROVE = 'mng_approve';
export const ACTION_REJECT = 'mng_reject';

export type PlanView =
  /**
   * A request waiting for approval, or whatever became of it: the run says which. `windows`: the
   * node group's maintenance windows, to say when it may start ("next window opens Sat 02:00 CET, in 3 days").
   */
  | {
      kind: 'run';
      run: Run;
      now: number;
      windows?: readonly Window[];
      /** The clock's pace (Clock.pace): the approval deadline is shown in the time people live in. */
      pace?: number;
    }
  /** `window`: what the group's windows would mean for it, when it has any. */
  | { kind: 'dry-run'; plan: Plan; requestedBy: string; window?: { note: WindowNote; now: number; pace?: number } }
  /** Blocking findings: shown, but nothing to approve. */
  | { kind: 'refused'; plan: Plan; requestedBy: string };

const SECTION_MAX = LIMITS.sectionText - 50;
/** Node-list sections in a plan; the rest of the nodes are counted. */
const MAX_NODE_SECTIONS = 3;
const MAX_FINDING_SECTIONS = 4;

export function planMessage(view: PlanView): Message {
  const plan = view.kind === 'run' ? view.run.plan : view.plan;
  const { cluster, nodegroup } = plan.ref;
  const title = `${cluster}/${nodegroup}: ${plan.fromVersion} → ${plan.toVersion}`;
  const heading = plan.rollback ? `Roll back ${cluster}/${nodegroup}: ${plan.rollback.from.release} → ${plan.toRelease}` : `Upgrade ${title}`;
  const blocks: Block[] = [header(clip(heading, LIMITS.headerText))];

  blocks.push(
    fields(
      `*Cluster*\n${code(cluster)} (control plane ${esc(plan.clusterVersion)})`,
      `*Node group*\n${code(nodegroup)} (${plan.managed ? 'EKS managed' : 'self-managed'}, ${esc(plan.amiType)})`,
      `*Version*\n${esc(plan.fromVersion)} → *${esc(plan.toVersion)}*`,
      `*AMI release*\n${esc(plan.fromRelease)} → *${esc(plan.toRelease)}*`,
      `*Strategy*\n${plan.strategy === 'eks' ? 'eks (EKS replaces the nodes, mngbot watches)' : 'rolling (mngbot replaces the nodes)'}`,
      `*Surge*\n${plural(plan.surge, 'new node')}`,
      `*maxUnavailable*\n${plan.maxUnavailable}`,
      `*Drain timeout*\n${formatDuration(plan.drainTimeoutMs)}${plan.force ? ' then force (--force)' : ', then ask'}`,
      `*Estimated duration*\n${roughly(plan.estimatedMs)}${esc(estimateNote(plan, (ms) => roughly(ms).replace('about ', '')))}`,
      `*Group size* (min/max/desired)\n${plan.sizes.min}/${plan.sizes.max}/${plan.sizes.desired}`,
    ),
  );
  blocks.push(context(clip(`Surge: ${esc(surgeReasonWords(plan.surgeReason))}`, LIMITS.contextText)));
  blocks.push(...rollbackBlocks(plan));
  const likeEks = likeEksWords(plan);
  if (likeEks) blocks.push(section(clip(`${esc(likeEks.same)}\n${esc(likeEks.different)}`, SECTION_MAX)));
  if (plan.gate) {
    const gate = gatePlanText(plan.gate, { maxUnavailable: plan.maxUnavailable, nodes: plan.nodes.length }, formatDuration);
    blocks.push(section(clip(`:vertical_traffic_light: *Health gate*: ${esc(gate)}.`, SECTION_MAX)));
  }

  blocks.push(...nodeBlocks(plan));
  blocks.push(...findingBlocks(plan.findings));
  blocks.push(...outcomeBlocks(view));

  const text = plan.rollback
    ? `Roll back run ${plan.rollback.runId}: ${cluster}/${nodegroup} back to ${plan.toRelease}: ${fallbackState(view)}`
    : `Upgrade ${title} (${plan.toRelease}): ${fallbackState(view)}`;
  return assertWithinLimits({ text: clip(text, 3000), blocks });
}

function nodeBlocks(plan: Plan): Block[] {
  const pods = plan.nodes.reduce((n, x) => n + x.pods, 0);
  const byAz = new Map<string, number>();
  for (const n of plan.nodes) byAz.set(n.az, (byAz.get(n.az) ?? 0) + 1);
  const azText = [...byAz].map(([az, n]) => `${esc(az)} ${n}`).join(', ');
  const title = `*Nodes to replace: ${plan.nodes.length}* (${plural(pods, 'pod')} to move${azText ? `; ${azText}` : ''})`;
  if (plan.nodes.length === 0) return [section(`${title}\nNothing runs on the old image.`)];
  const nameWidth = Math.min(48, Math.max(...plan.nodes.map((n) => n.name.length)));
  const lines = plan.nodes.map(
    (n) => `${n.name.padEnd(nameWidth)}  ${n.az.padEnd(11)}  ${n.instanceId.padEnd(19)}  ${n.version.padEnd(5)}  ${String(n.pods).padStart(3)} pods`,
  );
  // Code blocks: each section carries its own fence.
  const { chunks, left } = packLines(lines.map(esc), SECTION_MAX - 8, MAX_NODE_SECTIONS);
  const blocks: Block[] = [section(title)];
  for (const c of chunks) blocks.push(section(`\`\`\`${c}\`\`\``));
  if (left > 0) blocks.push(context(`…and ${plural(left, 'more node')} (the full list: /mng status once it runs).`));
  return blocks;
}

const SEVERITY_ICON: Record<Finding['severity'], string> = { block: ':no_entry:', warn: ':warning:', info: ':information_source:' };

function findingBlocks(findings: Finding[]): Block[] {
  if (findings.length === 0) return [section(':white_check_mark: *Preflight*: no findings.')];
  const order = { block: 0, warn: 1, info: 2 } as const;
  const sorted = [...findings].sort((a, b) => order[a.severity] - order[b.severity]);
  const n = (sev: Finding['severity']) => findings.filter((f) => f.severity === sev).length;
  const counts = [
    n('block') ? `${n('block')} blocking` : '',
    n('warn') ? plural(n('warn'), 'warning') : '',
    n('info') ? `${n('info')} for information` : '',
  ].filter(Boolean);
  const lines = sorted.map((f) => clip(`${SEVERITY_ICON[f.severity]} ${esc(findingWords(f))} _(${esc(f.code)})_`, 900));
  const { chunks, left } = packLines(lines, SECTION_MAX, MAX_FINDING_SECTIONS);
  const blocks: Block[] = [section(`*Preflight findings* (${counts.join(', ')})`)];
  for (const c of chunks) blocks.push(section(c));
  if (left > 0) blocks.push(context(`…and ${plural(left, 'more finding')}.`));
  return blocks;
}

function outcomeBlocks(view: PlanView): Block[] {
  if (view.kind === 'dry-run') {
    return [
      ...(view.window ? [section(windowNoteText(view.window.note, view.window.now, false, view.window.pace))] : []),
      context(`:test_tube: *Dry run* requested by ${who(view.requestedBy)}: nothing will start. Run the same command without --dry-run to ask for approval.`),
    ];
  }
  if (view.kind === 'refused') {
    // The findings themselves: the refusal's own message would repeat "cannot be approved".
    const why = blockingFindings(view.plan).map(findingWords).join(' ');
    const { hint } = refusalWords(new PlanRefusedError(view.plan));
    return [
      section(clip(`:no_entry: *This upgrade cannot be approved:* ${esc(why)}${hint ? `\n_${esc(hint)}_` : ''}`, SECTION_MAX)),
      context(`Requested by ${who(view.requestedBy)}; nothing was started.`),
    ];
  }
  const { run, now } = view;
  const by = `Run ${code(run.id)} · requested by ${who(run.requestedBy.user)}`;
  // A rollback says itself that it does not wait for windows (rollbackBlocks).
  const note = run.plan.rollback ? undefined : runWindowNote(run, view.windows, now);
  switch (run.status) {
    case 'awaiting-approval': {
      // A paced world's clock runs faster than the reader's: its 3 h are their 30 min.
      const left = ((run.expiresAt ?? now) - now) / (view.pace ?? 1);
      return [
        ...(note ? [section(windowNoteText(note, now, false, view.pace))] : []),
        actions(
          `decide:${run.id}`,
          button(ACTION_APPROVE, 'Approve', run.id, {
            style: 'primary',
            confirm: {
              title: 'Approve this upgrade?',
              text: clip(`mngbot will replace ${plural(run.plan.nodes.length, 'node')} of ${esc(run.ref.cluster)}/${esc(run.ref.nodegroup)} with ${esc(run.plan.toRelease)}.`, LIMITS.confirmText),
              confirm: 'Approve',
              deny: 'Not yet',
            },
          }),
          button(ACTION_REJECT, 'Reject', run.id, { style: 'danger' }),
        ),
        context(`${by} · approvers only · expires in ${left > 0 ? formatDuration(left) : 'a moment'}`),
      ];
    }
    case 'rejected':
      return [section(`${STATUS_EMOJI.rejected} *Rejected* by ${who(run.decidedBy?.user ?? 'someone')}. Nothing was changed.`), context(by)];
    case 'expired': {
      const waited = (run.expiresAt ?? run.createdAt) - run.createdAt;
      return [
        section(`${STATUS_EMOJI.expired} *Expired*: nobody approved it within ${formatDuration(waited)}. Nothing was changed. Ask again with /mng upgrade.`),
        context(by),
      ];
    }
    default:
      break;
  }
  const approved = `${run.approvedBy ? ` · approved by ${who(run.approvedBy.user)}` : ''}${run.outsideWindows ? ` · outside the maintenance windows${run.plan.rollback ? '' : ' (--now)'}` : ''}`;
  if (isTerminal(run.status)) {
    const summary = run.outcome ? summaryWords(run.outcome) : statusWord(run.status);
    const changes = run.outcome?.changes ?? [];
    const text =
      `${STATUS_EMOJI[run.status]} *${capital(statusWord(run.status))}*: ${mrkdwn(summary)}` +
      (changes.length ? `\n${changes.slice(0, 10).map((c) => `• ${mrkdwn(c)}`).join('\n')}${changes.length > 10 ? `\n…and ${changes.length - 10} more` : ''}` : '');
    return [section(clip(text, SECTION_MAX)), context(`${by}${approved}${run.startedAt && run.finishedAt ? ` · took ${formatDuration(run.finishedAt - run.startedAt)}` : ''}`)];
  }
  const extra =
    run.status === 'needs-decision' && run.decision
      ? ` A decision is needed on ${code(run.decision.node)}: see the thread.`
      : run.status === 'scheduled' && note?.kind === 'waits'
        ? ` ${windowNoteText(note, now, true, view.pace)}`
        : run.status === 'scheduled' && run.notBefore
          ? ` Starts in ${formatDuration(Math.max(0, run.notBefore - now) / (view.pace ?? 1))}.`
          : run.windowPause
            ? ` The maintenance window closed: nodes in flight finish, no new node starts${run.windowPause.opensAt !== undefined && view.windows?.length ? `; next window opens ${describeOpening(run.windowPause.opensAt, now, openingZone(view.windows, run.windowPause.opensAt), view.pace)}` : ''}. Progress in the thread.`
            : ' Progress in the thread.';
  return [
    section(`${STATUS_EMOJI[run.status]} *${capital(statusWord(run.status))}*${run.phase !== 'pending' ? ` (${esc(run.phase)})` : ''}.${extra}`),
    context(`${by}${approved}`),
  ];
}

function fallbackState(view: PlanView): string {
  if (view.kind === 'dry-run') return 'dry run';
  if (view.kind === 'refused') return 'cannot be approved';
  return statusWord(view.run.status);
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
