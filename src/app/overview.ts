// What /mng list, /mng windows and `mngbot` show of the fleet: each configured cluster and node group
// as it is now, and each group's maintenance windows. Data only; the front ends word it.
import { errorMessage } from '../engine/errors.js';
import type { GroupRef, NodeGroups, Sizes } from '../engine/ports.js';
import { ACTIVE_STATUSES, type Run, type RunStatus } from '../engine/run.js';
import { openingZone, upcomingOpenings } from '../schedule/window-gate.js';
import { currentWindow, type Window, type WindowSpan } from '../schedule/windows.js';
import type { Targets } from './targets.js';

export interface GroupRow {
  name: string;
  version?: string;
  releaseVersion?: string;
  sizes?: Sizes;
  status?: string;
  managed?: boolean;
  instanceType?: string;
  activeRun?: { id: string; status: RunStatus };
  /** Why the group could not be described. */
  error?: string;
}

export interface ClusterRow {
  name: string;
  version?: string;
  status?: string;
  error?: string;
  groups: GroupRow[];
}

export interface WindowsRow {
  ref: GroupRef;
  windows: readonly Window[];
  /** Open now. */
  open?: WindowSpan & { timezone: string };
  /** The next openings, soonest first. */
  next: (WindowSpan & { timezone: string })[];
}

export interface WindowsClusterError {
  cluster: string;
  error: string;
}

/** Openings listed per node group. */
export const OPENINGS_SHOWN = 3;

export interface OverviewDeps {
  targets: Targets;
  nodeGroups: Pick<NodeGroups, 'describeCluster' | 'describeNodegroup'>;
  list(filter: { statuses: Run['status'][] }): Promise<Run[]>;
  windowsOf(ref: GroupRef): readonly Window[];
}

/** Every configured cluster and node group, with any upgrade holding it; a cluster or group that cannot be described says why. */
export async function fleetRows(deps: OverviewDeps): Promise<ClusterRow[]> {
  const active = await deps.list({ statuses: [...ACTIVE_STATUSES, 'awaiting-approval'] });
  return Promise.all(
    deps.targets.clusters.map(async (c): Promise<ClusterRow> => {
      try {
        const [info, names] = await Promise.all([deps.nodeGroups.describeCluster(c.name), deps.targets.groupsOf(c)]);
        const groups = await Promise.all(
          names.map(async (name): Promise<GroupRow> => {
            const run = active.find((r) => r.ref.cluster === c.name && r.ref.nodegroup === name);
            const activeRun = run ? { activeRun: { id: run.id, status: run.status } } : {};
            try {
              const g = await deps.nodeGroups.describeNodegroup({ cluster: c.name, nodegroup: name });
              return {
                name,
                version: g.version,
                releaseVersion: g.releaseVersion,
                sizes: g.sizes,
                status: g.status,
                managed: g.managed,
                instanceType: g.instanceType,
                ...activeRun,
              };
            } catch (err) {
              return { name, error: errorMessage(err), ...activeRun };
            }
          }),
        );
        return { name: c.name, version: info.version, status: info.status, groups };
      } catch (err) {
        return { name: c.name, error: errorMessage(err), groups: [] };
      }
    }),
  );
}

/** Each configured node group's windows at `now`: open or not, and the next openings. */
export async function windowsRows(deps: Pick<OverviewDeps, 'targets' | 'windowsOf'>, now: number): Promise<{ rows: WindowsRow[]; errors: WindowsClusterError[] }> {
  const rows: WindowsRow[] = [];
  const errors: WindowsClusterError[] = [];
  for (const c of deps.targets.clusters) {
    let names: string[];
    try {
      names = await deps.targets.groupsOf(c);
    } catch (err) {
      errors.push({ cluster: c.name, error: errorMessage(err) });
      continue;
    }
    for (const nodegroup of names) {
      const ref = { cluster: c.name, nodegroup };
      const windows = deps.windowsOf(ref);
      const open = windows.length ? currentWindow(windows, now) : undefined;
      rows.push({
        ref,
        windows,
        ...(open ? { open: { ...open, timezone: openingZone(windows, open.opensAt) } } : {}),
        next: windows.length ? upcomingOpenings(windows, now, OPENINGS_SHOWN) : [],
      });
    }
  }
  return { rows, errors };
}
