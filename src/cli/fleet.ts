// mngbot fleet: every configured node group as /mng status shows it — Kubernetes version, AMI release
// and its age, how far behind the latest release, the next maintenance window, and the last run
// (from the data directory, when one is given). Changes nothing.
import type { FleetGroup, FleetReport, RunSummary } from '../app/fleet-report.js';
import { plural } from '../engine/plural.js';
import type { WindowStart } from '../schedule/window-gate.js';
import { describeOpening } from '../schedule/windows.js';
import type { CliIo } from './io.js';
import { openSession, type SessionArgs } from './session.js';

const DAY_MS = 86_400_000;

const days = (ms: number) => plural(Math.max(0, Math.floor(ms / DAY_MS)), 'day');

function windowText(w: WindowStart, now: number): string {
  switch (w.kind) {
    case 'none':
      return 'no maintenance windows';
    case 'open':
      return `window open, closes ${describeOpening(w.span.closesAt, now, w.timezone)}`;
    case 'closed':
      return `next window ${describeOpening(w.next.opensAt, now, w.timezone)}`;
    case 'never':
      return 'no maintenance window opens ahead';
  }
}

function runText(r: RunSummary, now: number, label: string): string {
  return `${label} ${r.id} ${r.status}${label === 'last run' ? ` ${days(now - r.at)} ago` : ''}`;
}

function groupText(g: FleetGroup, now: number): string[] {
  const name = `${g.ref.cluster}/${g.ref.nodegroup}`;
  if (g.error && g.version === undefined) return [`${name}  cannot be read: ${g.error}`];
  const age = g.releasedAt !== undefined ? ` (${days(now - g.releasedAt)} old)` : '';
  const standing = g.error
    ? g.error
    : g.behind
      ? `${plural(g.behind.releases, 'release')} behind (${days(g.behind.days * DAY_MS)}), latest ${g.latest?.releaseVersion}`
      : g.latest
        ? 'latest release'
        : 'release not among the published ones';
  const runs = [g.activeRun ? runText(g.activeRun, now, 'run') : '', g.lastRun ? runText(g.lastRun, now, 'last run') : g.activeRun ? '' : 'no run yet'].filter(Boolean);
  return [`${name}  Kubernetes ${g.version ?? '?'}  AMI ${g.releaseVersion ?? '?'}${age}`, `  ${standing}; ${windowText(g.window, now)}`, `  ${runs.join('; ')}`];
}

/** The report in the CLI's words, a few lines a group. */
export function fleetText(report: FleetReport): string {
  const lines = [...report.errors.map((e) => `cluster ${e.cluster}: cannot list its node groups: ${e.error}`), ...report.groups.flatMap((g) => groupText(g, report.at))];
  if (lines.length === 0) return 'no node groups are configured (clusters: … in the file MNG_CONFIG names)';
  const behind = report.groups.filter((g) => g.behind).length;
  return [...lines, `${plural(report.groups.length, 'node group')}, ${behind} behind on their AMI`].join('\n');
}

export async function fleetCommand(args: SessionArgs & { json?: boolean }, io: CliIo): Promise<number> {
  const s = await openSession(args, io, { keepRuns: true });
  try {
    const report = await s.driver.settle(s.app.fleetStatus());
    io.out(args.json ? JSON.stringify({ kind: 'fleet', ...report }) : fleetText(report));
    return 0;
  } finally {
    await s.close();
  }
}
