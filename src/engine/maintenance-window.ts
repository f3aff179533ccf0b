// Maintenance windows: a run starts only inside one; when it closes, nodes in flight finish, no new
// node starts, and the run waits, paused, for the next opening. Old nodes keep their taint meanwhile,
// so nothing lands on them. Restoring phases (scale-back, finish, cleanup) always run to the end.
import type { WindowGate } from './ports.js';
import type { Phase } from './run.js';
import type { StepContext } from './step-context.js';

const GATED_PHASES: ReadonlySet<Phase> = new Set(['pending', 'prepare', 'surge', 'await-new-nodes', 'taint', 'replace']);
/** No opening ahead (a one-off window that has passed): look again now and then. */
const NO_OPENING_RECHECK_MS = 3_600_000;

export type WindowCheck =
  /** Not gated: no windows, asked to run outside them, or a phase that only puts things back. */
  | { gated: false }
  /** The step may run; wake no later than `edgeAt`, when the window opens or closes. */
  | { gated: true; edgeAt?: number }
  /** A scheduled run whose window is closed: do not start it. */
  | { gated: true; holdMs: number };

/** Brings the run's status in line with its window at ctx.now; emits what changed. */
export function applyWindow(ctx: StepContext, gate: WindowGate | undefined): WindowCheck {
  const { run } = ctx;
  if (!gate || run.outsideWindows || !GATED_PHASES.has(run.phase)) {
    if (run.windowPause && !GATED_PHASES.has(run.phase)) resume(ctx, 'restoring the node group does not wait for a window');
    return { gated: false };
  }
  const w = gate.at(ctx.now);
  const opensIn = (at?: number) => (at === undefined ? 'no maintenance window is ahead: change the windows, or ask again to run outside them' : `next window opens ${gate.describe(at, ctx.now)}`);

  if (run.status === 'scheduled') {
    if (w.open) return { gated: true, edgeAt: w.closesAt };
    if (run.notBefore !== w.opensAt) {
      run.notBefore = w.opensAt;
      ctx.emit({ kind: 'status', status: 'scheduled', detail: `waiting for the maintenance window: ${opensIn(w.opensAt)}` });
    }
    return { gated: true, holdMs: w.opensAt !== undefined ? w.opensAt - ctx.now : NO_OPENING_RECHECK_MS };
  }

  if (w.open) {
    if (run.windowPause) resume(ctx, `maintenance window open until ${gate.describe(w.closesAt, ctx.now)}: carrying on`);
    return { gated: true, edgeAt: w.closesAt };
  }
  if (!run.windowPause && (run.status === 'running' || run.status === 'needs-decision')) {
    run.windowPause = { since: ctx.now, ...(w.opensAt !== undefined ? { opensAt: w.opensAt } : {}) };
    ctx.touch();
    if (run.strategy === 'eks' && run.eks?.requestedAt !== undefined) {
      ctx.emit({ kind: 'warning', detail: `the maintenance window closed, but EKS's update cannot be paused: it carries on (${opensIn(w.opensAt)})` });
    } else if (run.status === 'running') {
      run.status = 'paused';
      ctx.emit({ kind: 'status', status: 'paused', detail: `maintenance window closed: nodes in flight finish, no new node starts; old nodes stay tainted. Resumes when the ${opensIn(w.opensAt)}` });
    }
  }
  return { gated: true, ...(w.opensAt !== undefined ? { edgeAt: w.opensAt } : {}) };
}

function resume(ctx: StepContext, detail: string): void {
  const { run } = ctx;
  run.windowPause = undefined;
  ctx.touch();
  if (run.status === 'paused' && !run.requests.pause) {
    run.status = 'running';
    ctx.emit({ kind: 'status', status: 'running', detail });
  }
}
