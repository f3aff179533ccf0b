// The fleet, as the AMI watch posts it (the groups behind, each with a Schedule into next window
// button) and as /mng status shows it (every group: release and its age, next window, last run).
import type { FleetGroup, FleetReport, RunSummary } from '../../app/fleet-report.js';
import type { WindowStart } from '../../schedule/window-gate.js';
import { describeOpening } from '../../schedule/windows.js';
import { code, esc, formatDuration, plural, STATUS_EMOJI, statusWord } from './format.js';
import { actions, button, context, header, section, type Block, type Message } from './kit.js';
import { assertWithinLimits, clip, LIMITS, MAX_LIST_SECTIONS, packLines } from './limits.js';

export const ACTION_AMI_SCHEDULE = 'ami_schedule';

const DAY_MS = 86_400_000;

const name = (g: FleetGroup) => `${g.ref.cluster}/${g.ref.nodegroup}`;

/** The button's value: the group it schedules. Cluster and node-group names hold no "/". */
export const amiScheduleValue = (g: Pick<FleetGroup, 'ref'>) => `${g.ref.cluster}/${g.ref.nodegroup}`;

export function parseAmiScheduleValue(value: string): { cluster: string; nodegroup: string } | undefined {
  const m = /^([^/]+)\/([^/]+)$/.exec(value);
  return m ? { cluster: m[1], nodegroup: m[2] } : undefined;
}

const days = (ms: number) => plural(Math.max(0, Math.floor(ms / DAY_MS)), 'day');

function windowWords(w: WindowStart, now: number): string {
  switch (w.kind) {
    case 'none':
      return 'no maintenance windows: starts once approved';
    case 'open':
      return `:large_green_circle: window open now, closes ${describeOpening(w.span.closesAt, now, w.timezone)}`;
    case 'closed':
      return `next window ${describeOpening(w.next.opensAt, now, w.timezone)}`;
    case 'never':
      return ':warning: no maintenance window opens ahead';
  }
}

function behindWords(g: FleetGroup): string {
  if (!g.behind || !g.latest) return '';
  return `*${plural(g.behind.releases, 'release')} behind* (${days(g.behind.days * DAY_MS)}): runs ${code(g.releaseVersion ?? '?')}, latest ${code(g.latest.releaseVersion)}`;
}

function runWords(r: RunSummary, now: number, active: boolean): string {
  const since = Math.max(0, now - r.at);
  const when = since < 60_000 ? 'just now' : `${since >= DAY_MS ? days(since) : formatDuration(since)} ago`;
  return `${STATUS_EMOJI[r.status]} ${active ? 'run' : 'last run'} ${code(r.id)} ${statusWord(r.status)}${active ? '' : ` ${when}`}`;
}

/** The AMI watch's message: one for the fleet, a section and a button per group behind. */
export function amiWatchMessage(behind: readonly FleetGroup[], report: Pick<FleetReport, 'at' | 'groups'>): Message {
  const now = report.at;
  const blocks: Block[] = [header(`:package: ${plural(behind.length, 'node group')} ${behind.length === 1 ? 'is' : 'are'} behind on their AMI`)];
  // Two blocks a group, with the header and the footer: the rest are listed without buttons.
  const withButtons = behind.slice(0, Math.floor((LIMITS.blocksPerMessage - 3) / 2));
  for (const g of withButtons) {
    blocks.push(section(clip(`*${esc(name(g))}* · Kubernetes ${esc(g.version ?? '?')} · ${behindWords(g)}\n${windowWords(g.window, now)}`, LIMITS.sectionText)));
    blocks.push(actions(`ami_${name(g)}`, button(ACTION_AMI_SCHEDULE, 'Schedule into next window', amiScheduleValue(g), { style: 'primary' })));
  }
  const rest = behind.slice(withButtons.length);
  if (rest.length) blocks.push(context(clip(`…and ${plural(rest.length, 'more group')}: ${rest.map((g) => code(name(g))).join(', ')}. Schedule them with \`/mng upgrade nodegroup\`.`, LIMITS.contextText)));
  const current = report.groups.length - behind.length;
  blocks.push(
    context(
      `${current > 0 ? `${plural(current, 'other group')} current or already being upgraded. ` : ''}A scheduled upgrade is a plan that needs an approval, then waits for the group's window. The whole fleet: \`/mng status\``,
    ),
  );
  const text = `${plural(behind.length, 'node group')} behind on their AMI: ${behind.map((g) => `${name(g)} (${plural(g.behind?.releases ?? 0, 'release')})`).join(', ')}`;
  return assertWithinLimits({ text: clip(text, 3000), blocks });
}

function statusLine(g: FleetGroup, now: number): string {
  const head = `• ${code(name(g))}`;
  if (g.error && g.version === undefined) return `${head} · :warning: ${esc(clip(g.error, 300))}`;
  const age = g.releasedAt !== undefined ? ` (${days(now - g.releasedAt)} old)` : '';
  const standing = g.error
    ? `:warning: ${esc(clip(g.error, 300))}`
    : g.behind
      ? `:arrow_up: ${behindWords(g)}`
      : g.latest
        ? ':white_check_mark: latest'
        : 'release not among the published ones';
  const parts = [
    `${head} · Kubernetes ${esc(g.version ?? '?')} · AMI ${code(g.releaseVersion ?? '?')}${age}`,
    `      ${standing} · ${windowWords(g.window, now)}`,
    `      ${[g.activeRun ? runWords(g.activeRun, now, true) : '', g.lastRun ? runWords(g.lastRun, now, false) : g.activeRun ? '' : 'no run yet'].filter(Boolean).join(' · ')}`,
  ];
  return parts.join('\n');
}

/** /mng status: every configured group, current or not. */
export function fleetStatusMessage(report: FleetReport): Message {
  const now = report.at;
  const blocks: Block[] = [header('Fleet')];
  if (report.groups.length === 0 && report.errors.length === 0) blocks.push(section('No node groups are configured. Name them in the file MNG_CONFIG points at (clusters: …).'));
  const lines = [...report.errors.map((e) => `• *${esc(e.cluster)}* · :warning: ${esc(clip(e.error, 300))}`), ...report.groups.map((g) => statusLine(g, now))];
  const { chunks, left } = packLines(lines, LIMITS.sectionText - 40, MAX_LIST_SECTIONS);
  for (const ch of chunks) blocks.push(section(ch));
  if (left) blocks.push(context(`…and ${plural(left, 'more group')}`));
  const behind = report.groups.filter((g) => g.behind).length;
  blocks.push(context('One run in detail: `/mng status RUN-ID` · past runs: `/mng history` · windows: `/mng windows`'));
  const text = `${plural(report.groups.length, 'node group')}, ${behind} behind on their AMI`;
  return assertWithinLimits({ text, blocks });
}
