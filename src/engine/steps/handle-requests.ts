// Decisions and cancellations arrive in run.requests; they take effect at the runner's next step.
import { forceRemaining } from '../drain.js';
import { plural } from '../plural.js';
import type { StepContext, StepResult } from '../step-context.js';
import { HEALTH_GATE } from '../run.js';
import { failRun } from './fail-run.js';
import { gateDecided } from './health-gate.js';
import { restoreNode } from './taint-nodes.js';

/** Applies pending requests; returns a result when the run changed course. */
export async function handleRequests(ctx: StepContext): Promise<StepResult | undefined> {
  const { run } = ctx;
  const req = run.requests;
  if (req.cancel) {
    const by = req.cancel;
    delete req.cancel;
    ctx.emit({ kind: 'decision', choice: 'cancel', by: by.user, detail: `cancelled by ${by.user}` });
    return failRun(ctx, `cancelled by ${by.user}`, 'cancelled');
  }
  if (req.decision?.node === HEALTH_GATE) {
    const { choice, by } = req.decision;
    delete req.decision;
    const stopped = gateDecided(ctx, choice, by);
    if (stopped) return stopped;
  } else if (req.decision) {
    const { node, choice, by } = req.decision;
    delete req.decision;
    ctx.emit({ kind: 'decision', node, choice, by: by.user, detail: `${by.user} chose ${choice} for ${node}` });
    if (choice === 'abort') return failRun(ctx, `aborted by ${by.user} at the blocked drain of ${node}`, 'aborted');
    const rec = run.nodes.find((r) => r.name === node);
    if (run.decision?.node === node) {
      run.decision = undefined;
      run.status = 'running';
      ctx.emit({ kind: 'status', status: 'running', detail: `carrying on after ${choice} on ${node}` });
    }
    if (rec && choice === 'force' && rec.state === 'evicting') {
      const n = await forceRemaining(ctx, rec);
      ctx.emit({ kind: 'warning', node, detail: `${node}: ${plural(n, 'pod')} deleted by force, as ${by.user} decided` });
    }
    if (rec && choice === 'skip' && ['tainted', 'evicting', 'evicted', 'cordoned'].includes(rec.state)) {
      await restoreNode(ctx, rec.name, rec.wasCordoned);
      rec.skippedBy = by.user;
      rec.note = `skipped by ${by.user}; still on ${run.plan.fromVersion}`;
      ctx.setNodeState(rec, 'skipped', `${node} skipped by ${by.user}: taint and cordon removed, node left on ${run.plan.fromVersion}`);
    }
  }
  if (req.pause && run.status === 'running') {
    run.status = 'paused';
    ctx.emit({ kind: 'status', status: 'paused', detail: `paused: ${req.pause.user}; nodes in flight finish, no new node starts` });
  }
  return undefined;
}
