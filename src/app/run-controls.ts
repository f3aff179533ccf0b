// Pause, Resume and Cancel of a run under way, from a button or a command, named by its run id or by
// its node group. Pause and Resume are for approvers (the same policy that approves and decides);
// Cancel also for the person who asked, as it always was. Every answer is in the audit log: the
// engine records what it did, this records what it refused.
import type { Engine } from '../engine/commands.js';
import { Refusal, UserError } from '../engine/errors.js';
import type { AuditEntry, GroupRef } from '../engine/ports.js';
import { isActive, type Actor, type Run } from '../engine/run.js';
import type { Approvals } from './application.js';
import { NAME } from './names.js';
import type { ChannelRef, Targets } from './targets.js';

export type RunControl = 'pause' | 'resume' | 'cancel';

/** A run as a person names it: its id, or its node group (then the group's run under way). */
export type RunTarget = { runId: string } | { cluster?: string; nodegroup: string };

export interface RunControlDeps {
  engine: Engine;
  targets: Targets;
  approvers: Approvals;
  audit: (entry: AuditEntry) => Promise<void>;
}

/** The run a target names. A bare word that is no run's id is read as a node group. */
export async function resolveRunTarget(deps: RunControlDeps, target: RunTarget, channel?: ChannelRef): Promise<string> {
  if ('runId' in target) {
    if (await deps.engine.get(target.runId)) return target.runId;
    if (!NAME.test(target.runId)) throw new Refusal({ code: 'no-such-run', fields: { runId: target.runId } });
    let ref: GroupRef;
    try {
      ref = await deps.targets.resolve({ nodegroup: target.runId }, channel);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      throw new UserError(`there is no run and no node group named ${target.runId}`, 'name a run by its id (see the list of runs) or a node group as CLUSTER/NODEGROUP');
    }
    return activeRunOf(deps, ref);
  }
  const ref = await deps.targets.resolve(target, channel);
  return activeRunOf(deps, ref);
}

async function activeRunOf(deps: RunControlDeps, ref: GroupRef): Promise<string> {
  const runs = await deps.engine.list({ cluster: ref.cluster, nodegroup: ref.nodegroup });
  const active = runs.find((r) => isActive(r.status));
  if (!active) throw new UserError(`no upgrade of ${ref.cluster}/${ref.nodegroup} is under way`, 'name the run by its id to see why (the list of runs shows them)');
  return active.id;
}

/** Pause or Resume: approvers only; a refusal of any kind is audited, once a minute per person at most. */
export async function controlRun(deps: RunControlDeps, action: 'pause' | 'resume', runId: string, by: Actor): Promise<Run> {
  if (!(await deps.approvers.isApprover(by.user))) {
    await refused(deps, action, runId, by, 'not an approver');
    throw new Refusal({ code: 'not-approver', fields: { action, of: 'a run' } });
  }
  return audited(deps, action, runId, by, () => (action === 'pause' ? deps.engine.pause(runId, by) : deps.engine.resume(runId, by)));
}

/** Runs a command, auditing the engine's refusal (its success the engine audits itself). */
export async function audited<T>(deps: Pick<RunControlDeps, 'audit'>, action: RunControl, runId: string, by: Actor, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof UserError) await refused(deps, action, runId, by, err.message);
    throw err;
  }
}

function refused(deps: Pick<RunControlDeps, 'audit'>, action: RunControl, runId: string, by: Actor, detail: string): Promise<void> {
  return deps.audit({ at: by.at, user: by.user, action: `refused-${action}`, runId, ...(by.channel ? { channel: by.channel } : {}), detail });
}
