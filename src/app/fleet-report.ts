// The fleet at a glance, for the AMI watch, `/mng status` and `mngbot fleet` alike: every configured
// node group, the release it runs and how old it is, how far it is behind the latest release for its
// Kubernetes version (as AWS publishes them in SSM), its next maintenance window and its last run.
// Data only; the front ends word it.
import { errorMessage } from '../engine/errors.js';
import type { GroupRef, ImageReleases, NodeGroups, PublishedRelease } from '../engine/ports.js';
import { isActive, type Run, type RunStatus } from '../engine/run.js';
import { windowStart, type WindowStart } from '../schedule/window-gate.js';
import type { Window } from '../schedule/windows.js';
import type { Targets } from './targets.js';

const DAY_MS = 86_400_000;

export interface RunSummary {
  id: string;
  status: RunStatus;
  toRelease: string;
  /** When it ended, or when it was asked for while it has not. */
  at: number;
}

export interface FleetGroup {
  ref: GroupRef;
  version?: string;
  releaseVersion?: string;
  /** When AWS published the group's release; absent when it is not among the published ones (custom AMIs). */
  releasedAt?: number;
  /** The newest release for the group's Kubernetes version. */
  latest?: PublishedRelease;
  /** How far the group's release is behind the latest: releases published since, and days between the two. */
  behind?: { releases: number; days: number };
  /** Where the group's maintenance windows stand now. */
  window: WindowStart;
  /** The last run that ended. */
  lastRun?: RunSummary;
  /** A run that holds the group now (running, waiting for a window or an approval). */
  activeRun?: RunSummary;
  /** Why the group (or its releases) could not be read. */
  error?: string;
}

export interface FleetReport {
  at: number;
  groups: FleetGroup[];
  /** Clusters whose node groups could not be listed. */
  errors: { cluster: string; error: string }[];
}

export interface FleetDeps {
  targets: Targets;
  nodeGroups: Pick<NodeGroups, 'describeNodegroup'>;
  /** Absent: releases are not compared (every group shows no "behind"). */
  releases?: ImageReleases;
  /** Runs of one node group, newest first. */
  runsOf(ref: GroupRef): Promise<Run[]>;
  windowsOf(ref: GroupRef): readonly Window[];
}

const summary = (r: Run): RunSummary => ({ id: r.id, status: r.status, toRelease: r.plan.toRelease, at: r.finishedAt ?? r.createdAt });

/** Where a release stands among the published ones (oldest first). */
export function behindOf(current: string, published: readonly PublishedRelease[]): Pick<FleetGroup, 'latest' | 'behind' | 'releasedAt'> {
  const latest = published.at(-1);
  if (!latest) return {};
  const i = published.findIndex((p) => p.releaseVersion === current);
  if (i < 0) return { latest };
  const own = published[i];
  const releases = published.length - 1 - i;
  return {
    latest,
    releasedAt: own.publishedAt,
    ...(releases > 0 ? { behind: { releases, days: Math.max(0, Math.floor((latest.publishedAt - own.publishedAt) / DAY_MS)) } } : {}),
  };
}

async function groupRow(deps: FleetDeps, ref: GroupRef, now: number): Promise<FleetGroup> {
  const window = windowStart(deps.windowsOf(ref), now);
  const runs = await deps.runsOf(ref);
  const active = runs.find((r) => isActive(r.status) || r.status === 'awaiting-approval');
  const last = runs.find((r) => r !== active && r.finishedAt !== undefined);
  const row: FleetGroup = { ref, window, ...(active ? { activeRun: summary(active) } : {}), ...(last ? { lastRun: summary(last) } : {}) };
  try {
    const g = await deps.nodeGroups.describeNodegroup(ref);
    row.version = g.version;
    row.releaseVersion = g.releaseVersion;
  } catch (err) {
    row.error = errorMessage(err);
    return row;
  }
  try {
    if (deps.releases) Object.assign(row, behindOf(row.releaseVersion, await deps.releases.listReleases(ref, row.version)));
  } catch (err) {
    row.error = `cannot list the published AMI releases: ${errorMessage(err)}`;
  }
  return row;
}

/** Every configured node group at `now`; one that cannot be read says why instead of stopping the rest. */
export async function fleetReport(deps: FleetDeps, now: number): Promise<FleetReport> {
  const errors: FleetReport['errors'] = [];
  const refs: GroupRef[] = [];
  for (const c of deps.targets.clusters) {
    try {
      for (const nodegroup of await deps.targets.groupsOf(c)) refs.push({ cluster: c.name, nodegroup });
    } catch (err) {
      errors.push({ cluster: c.name, error: errorMessage(err) });
    }
  }
  return { at: now, groups: await Promise.all(refs.map((ref) => groupRow(deps, ref, now))), errors };
}

/** The groups the AMI watch speaks of: behind, and not already being upgraded. */
export function behindGroups(report: FleetReport): FleetGroup[] {
  return report.groups.filter((g) => g.behind && !g.activeRun);
}
