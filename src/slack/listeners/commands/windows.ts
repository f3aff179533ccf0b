// /mng windows: each configured node group's maintenance windows, open now or not, and the next openings.
import { errorMessage } from '../../../engine/errors.js';
import { openingZone, upcomingOpenings } from '../../../schedule/window-gate.js';
import { currentWindow } from '../../../schedule/windows.js';
import { windowsMessage, type WindowsClusterError, type WindowsRow } from '../../blocks/windows.js';
import type { CommandContext, HandlerDeps } from '../deps.js';
import { ephemeral } from '../reply.js';

/** Openings listed per node group. */
export const OPENINGS_SHOWN = 3;

export async function windowsCommand(deps: HandlerDeps, ctx: CommandContext): Promise<void> {
  const now = deps.clock.now();
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
      const windows = deps.windowsFor?.(ref) ?? [];
      const open = windows.length ? currentWindow(windows, now) : undefined;
      rows.push({
        ref,
        windows,
        ...(open ? { open: { ...open, timezone: openingZone(windows, open.opensAt) } } : {}),
        next: windows.length ? upcomingOpenings(windows, now, OPENINGS_SHOWN) : [],
      });
    }
  }
  await ephemeral(ctx.respond, windowsMessage(rows, now, errors), deps.log);
}
