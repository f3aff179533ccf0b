// Roll back: the nodes a run put on a new image go back to the release (and, rolling, the
// launch-template version) the group ran before, as a new run of the same engine that needs an
// approval like any upgrade. A run still under way is stopped first through the cancel path: the plan
// of what to put back is only true once it has stopped (its cleanup removes the surge it launched).
import { PlanRefusedError, type Engine } from '../engine/commands.js';
import { Refusal } from '../engine/errors.js';
import type { RollbackRefusal } from '../engine/outcomes.js';
import type { AuditEntry, GroupRef } from '../engine/ports.js';
import type { Window } from '../schedule/windows.js';
import { HEALTH_GATE, isActive, isTerminal, type Actor, type Plan, type Run, type UpgradeRequest } from '../engine/run.js';
import type { Logger } from '../log.js';
import type { ChannelRef, Targets } from './targets.js';

export type RollbackOutcome =
  /** Awaiting approval; it runs outside maintenance windows once approved (a rollback should not wait days). */
  | { kind: 'requested'; run: Run; of: Run }
  /** The rollback's plan has blocking findings: nothing was started. */
  | { kind: 'refused'; plan: Plan; reason: string; hint?: string; of: Run };

export interface RollbackAsk {
  runId: string;
  by: Actor;
  channel?: ChannelRef;
  /** Where a chat front end shows the rollback. */
  notify?: Run['notify'];
  /** The run is under way and is being stopped first: a front end can say so while it waits. */
  onStopping?: (run: Run) => void | Promise<void>;
}

export interface RollbackDeps {
  engine: Pick<Engine, 'get' | 'list' | 'cancel' | 'decide' | 'requestUpgrade' | 'onEvent'>;
  targets: Targets;
  isApprover(user: string): boolean | Promise<boolean>;
  audit(entry: AuditEntry): Promise<void>;
  windowsOf(ref: GroupRef): readonly Window[];
  log: Logger;
}

const refuse = (fields: RollbackRefusal) => new Refusal({ code: 'rollback-refused', fields });

export async function requestRollback(deps: RollbackDeps, ask: RollbackAsk): Promise<RollbackOutcome> {
  const { engine, log } = deps;
  const { runId, by } = ask;
  const found = await engine.get(runId);
  if (!found) throw new Refusal({ code: 'no-such-run', fields: { runId } });
  // Putting nodes back is a decision on a change already made, as Force or Abort is: approvers only.
  if (!(await deps.isApprover(by.user))) {
    await deps.audit({ at: by.at, user: by.user, action: 'refused-rollback', runId, ...(by.channel ? { channel: by.channel } : {}), detail: 'not an approver' });
    throw new Refusal({ code: 'not-approver', fields: { action: 'roll back', of: 'upgrades' } });
  }
  let run = found;
  await checkRollbackable(deps, run);
  const ref = await deps.targets.resolve(run.ref, ask.channel);

  let stopped: Actor | undefined;
  let atGate = false;
  if (isActive(run.status)) {
    if (run.strategy === 'eks' && run.eks?.requestedAt) throw refuse({ runId, reason: 'eks-update-running', ...(run.eks.updateId ? { updateId: run.eks.updateId } : {}) });
    await ask.onStopping?.(run);
    const ending = runEnded(engine, runId);
    try {
      // At the health gate, Roll back is one of its answers: the run records it as the gate's outcome.
      atGate = run.status === 'needs-decision' && run.decision?.node === HEALTH_GATE;
      if (atGate) await engine.decide(runId, HEALTH_GATE, 'rollback', by);
      else if (!run.cleanupReason && !run.requests.cancel) await engine.cancel(runId, by);
    } catch (err) {
      // It ended by itself meanwhile: `ending` has seen it. Anything else: nothing to wait for.
      if (!(err instanceof Refusal && err.outcome.code === 'run-ended')) {
        ending.stop();
        throw err;
      }
    }
    log.info('stopping a run to roll it back', { runId, user: by.user });
    run = await ending.run;
    stopped = by;
  }

  const { plan } = run;
  const request: UpgradeRequest = {
    ref,
    version: plan.fromVersion,
    releaseVersion: plan.fromRelease,
    strategy: run.strategy,
    maxUnavailable: plan.maxUnavailableAsked ?? plan.maxUnavailable,
    drainTimeoutMs: plan.drainTimeoutMs,
    ...(plan.deregistrationWaitMs !== undefined ? { deregistrationWaitMs: plan.deregistrationWaitMs } : {}),
    rollback: {
      runId,
      imageId: plan.fromImageId,
      from: { version: plan.toVersion, release: plan.toRelease },
      ...(run.strategy === 'rolling' && run.original ? { launchTemplateVersion: run.original.launchTemplateVersion } : {}),
      ...(stopped ? { stopped } : {}),
    },
  };
  let rollback: Run;
  try {
    // Undoing a change should not wait days for a window, nor stop half done when one closes.
    const outsideWindows = deps.windowsOf(ref).length > 0;
    rollback = await engine.requestUpgrade(request, by, { ...(ask.notify ? { notify: ask.notify } : {}), ...(outsideWindows ? { outsideWindows } : {}) });
  } catch (err) {
    if (err instanceof Refusal && err.outcome.code === 'nothing-to-do' && err.outcome.fields.release !== undefined) {
      throw refuse({ runId, reason: 'nothing-to-roll-back', nodegroup: ref.nodegroup, release: plan.fromRelease, ...(stopped ? { stopped: true } : {}), ...(atGate ? { atGate } : {}) });
    }
    if (!(err instanceof PlanRefusedError)) throw err;
    await deps.audit({ at: by.at, user: by.user, action: 'refused-plan', runId, ...(by.channel ? { channel: by.channel } : {}), detail: `rollback: ${err.message}` });
    return { kind: 'refused', plan: err.plan, reason: err.message, ...(err.hint ? { hint: err.hint } : {}), of: run };
  }
  await deps.audit({
    at: by.at,
    user: by.user,
    action: 'rollback',
    runId: rollback.id,
    ...(by.channel ? { channel: by.channel } : {}),
    detail: `roll back run ${runId}: ${rollback.plan.nodes.length} nodes back to ${plan.fromRelease}${stopped ? `; run ${runId} was cancelled first` : ''}`,
  });
  log.info('rollback requested', { runId: rollback.id, of: runId, toRelease: plan.fromRelease, nodes: rollback.plan.nodes.length });
  return { kind: 'requested', run: rollback, of: run };
}

/** The refusals that need no cloud call: a run that changed nothing, a previous version not known, a newer run. */
async function checkRollbackable(deps: RollbackDeps, run: Run): Promise<void> {
  const runId = run.id;
  const nodegroup = run.ref.nodegroup;
  // Nothing recorded the group before a change: the run never got to change anything.
  if (!run.original) throw refuse({ runId, reason: 'changed-nothing', status: run.status });
  const missing = !run.plan.fromRelease ? 'release' : !run.plan.fromImageId ? 'image' : run.strategy === 'rolling' && !run.original.launchTemplateVersion ? 'launch-template version' : undefined;
  if (missing) throw refuse({ runId, reason: 'previous-unknown', nodegroup, missing });
  const newer = (await deps.engine.list({ cluster: run.ref.cluster, nodegroup })).find((r) => r.id !== runId && r.createdAt > run.createdAt && r.original !== undefined);
  if (newer) throw refuse({ runId, reason: 'newer-run', nodegroup, newerRunId: newer.id, newerStatus: newer.status });
}

/** The run once it has ended (its final status is stored before the event is sent); stop() stops waiting. */
function runEnded(engine: RollbackDeps['engine'], runId: string): { run: Promise<Run>; stop(): void } {
  let off = () => {};
  const run = new Promise<Run>((resolve, reject) => {
    let settled = false;
    const look = () => {
      engine.get(runId).then(
        (r) => {
          if (settled || !r || !isTerminal(r.status)) return;
          settled = true;
          off();
          resolve(r);
        },
        (err: unknown) => {
          if (settled) return;
          settled = true;
          off();
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    };
    off = engine.onEvent((e) => {
      if (e.runId === runId && e.kind === 'status') look();
    });
    look();
  });
  return { run, stop: () => off() };
}
