// Asking for an upgrade, the same for a person in Slack, the CLI and a schedule that fires: resolve the
// node group, plan, keep to its maintenance windows (or run outside them with --now, audited), and
// say what happened as data.
import { PlanRefusedError, type Engine } from '../engine/commands.js';
import { UserError } from '../engine/errors.js';
import type { AuditEntry, GroupRef } from '../engine/ports.js';
import type { Actor, Plan, Run, UpgradeRequest } from '../engine/run.js';
import { notBeforeFor, windowStart, type WindowStart } from '../schedule/window-gate.js';
import type { Window } from '../schedule/windows.js';
import type { ChannelRef, Targets } from './targets.js';
import { toUpgradeRequest, type UpgradeOptions } from './upgrade-options.js';

/** What a person chose, in any front end's grammar (app/upgrade-options.ts), once parsed. */
export type UpgradeChoices = Omit<UpgradeOptions, 'force' | 'now'> & {
  force?: boolean;
  /** Run outside the group's maintenance windows (still after an approval). */
  now?: boolean;
  /** Only show the plan. */
  dryRun?: boolean;
};

export type UpgradeOutcome =
  | { kind: 'dry-run'; plan: Plan; windows: readonly Window[]; outside: boolean; at: number }
  /** Awaiting approval; once approved it starts at notBefore (a window's opening) or at once. */
  | { kind: 'requested'; run: Run; windows: readonly Window[]; start: WindowStart; outside: boolean; notBefore?: number; at: number }
  /** The plan has blocking findings: nothing was started. */
  | { kind: 'refused'; plan: Plan; reason: string; hint?: string };

export interface RequestUpgradeDeps {
  engine: Pick<Engine, 'plan' | 'requestUpgrade'>;
  targets: Targets;
  windowsOf(ref: GroupRef): readonly Window[];
  audit(entry: AuditEntry): Promise<void>;
}

/** The one way choices become an UpgradeRequest. */
export const toRequest = (ref: GroupRef, o: UpgradeChoices): UpgradeRequest => toUpgradeRequest(ref, { ...o, force: o.force === true });

export interface UpgradeAsk {
  choices: UpgradeChoices;
  by: Actor;
  /** Where it was asked: a channel may only drive the clusters configured for it. */
  channel?: ChannelRef;
  /** Where a chat front end shows the run. */
  notify?: Run['notify'];
}

export async function requestUpgrade(deps: RequestUpgradeDeps, ask: UpgradeAsk): Promise<UpgradeOutcome> {
  const { choices, by } = ask;
  const ref = await deps.targets.resolve(choices, ask.channel);
  const request = toRequest(ref, choices);
  const at = by.at;
  const windows = deps.windowsOf(ref);
  const start = windowStart(windows, at);
  // --now matters only where there are windows to run outside of.
  const outside = choices.now === true && windows.length > 0;

  if (choices.dryRun) return { kind: 'dry-run', plan: await deps.engine.plan(request), windows, outside, at };
  if (!outside && start.kind === 'never') {
    throw new UserError(
      `no maintenance window of ${ref.cluster}/${ref.nodegroup} opens ahead, so an upgrade could never start`,
      'change its windows in the configuration, or add --now to run outside them (it still needs an approval)',
    );
  }
  const notBefore = outside ? undefined : notBeforeFor(start, at);
  let run: Run;
  try {
    run = await deps.engine.requestUpgrade(request, by, {
      ...(ask.notify ? { notify: ask.notify } : {}),
      ...(notBefore !== undefined ? { notBefore } : {}),
      ...(outside ? { outsideWindows: true } : {}),
    });
  } catch (err) {
    if (!(err instanceof PlanRefusedError)) throw err;
    await deps.audit({ at, user: by.user, action: 'refused-plan', ...(by.channel ? { channel: by.channel } : {}), detail: err.message });
    return { kind: 'refused', plan: err.plan, reason: err.message, ...(err.hint ? { hint: err.hint } : {}) };
  }
  if (outside) {
    // The engine's request entry names the versions, not the choice: say who chose to bypass the windows.
    await deps.audit({
      at,
      user: by.user,
      action: 'request-now',
      runId: run.id,
      ...(by.channel ? { channel: by.channel } : {}),
      detail: `--now: ${ref.cluster}/${ref.nodegroup} runs outside its maintenance windows`,
    });
  }
  return { kind: 'requested', run, windows, start, outside, ...(notBefore !== undefined ? { notBefore } : {}), at };
}
