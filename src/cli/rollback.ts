// mngbot rollback RUN: the rollback of a run the data directory records, through the use case the bot
// uses; its plan is shown and confirmed as an upgrade's is, then followed to its end.
import { isActive, type Actor } from '../engine/run.js';
import type { OptionName } from '../app/upgrade-options.js';
import type { CliIo } from './io.js';
import { planText, plural, refusal } from './output.js';
import { openSession } from './session.js';
import { EXIT_FAILED, follow } from './upgrade.js';
import { UsageError } from './usage-error.js';
import type { UpgradeArgs } from './args.js';

export const ROLLBACK_FLAGS: readonly OptionName[] = ['data-dir', 'decide', 'yes', 'json', 'context', 'kubeconfig', 'scenario', 'help'];

export async function rollbackCommand(runId: string, args: Partial<UpgradeArgs>, io: CliIo): Promise<number> {
  const s = await openSession(args, io, { keepRuns: true });
  try {
    if (!s.dataFile) throw new UsageError('which data directory records the run? give --data-dir DIR, or set MNG_DATA_DIR');
    const { driver } = s;
    const actor = (): Actor => ({ user: s.user, at: s.world.clock.now() });
    // This process holds the data directory: a run recorded as under way runs nowhere else, so it is
    // picked up here, for its cancel to take effect.
    const recorded = await driver.settle(s.app.status(runId, 0));
    if (recorded && isActive(recorded.run.status)) await driver.settle(s.engine.start());
    const outcome = await driver.settle(
      s.app.rollback(runId, actor(), {
        onStopping: (run) => io.err(`mngbot: run ${run.id} is still under way (${run.status}): cancelling it first; it stops at a safe point and puts back what it changed`),
      }),
    );
    if (outcome.kind === 'refused') {
      io.out(args.json ? JSON.stringify({ kind: 'plan', plan: outcome.plan }) : planText(outcome.plan));
      if (args.json) io.out(JSON.stringify({ kind: 'refused', code: 'plan-refused', findings: outcome.plan.findings, message: outcome.reason, ...(outcome.hint ? { hint: outcome.hint } : {}) }));
      io.err(`mngbot rollback: not started: ${refusal(outcome.plan)}`);
      return EXIT_FAILED;
    }
    const { run } = outcome;
    io.out(args.json ? JSON.stringify({ kind: 'plan', runId: run.id, plan: run.plan }) : planText(run.plan));
    const confirmed = args.yes === true || (io.interactive && /^\s*y(es)?\s*$/i.test((await io.ask(`\nRoll back ${plural(run.plan.nodes.length, 'node')} of ${run.ref.cluster}/${run.ref.nodegroup} to ${run.plan.toRelease}. Proceed? [y/N] `)) ?? ''));
    if (!confirmed) {
      await driver.settle(s.app.cancel(run.id, actor()));
      const why = io.interactive ? 'not confirmed' : 'stdin is not a terminal, so nobody can confirm (add --yes)';
      if (args.json) io.out(JSON.stringify({ kind: 'refused', code: io.interactive ? 'not-confirmed' : 'no-terminal', runId: run.id, findings: run.plan.findings, message: `${why}; nothing was changed` }));
      io.err(`mngbot rollback: not started: ${why}; nothing was changed.`);
      return EXIT_FAILED;
    }
    return await follow(s, run, { yes: true, json: args.json === true, ...(args.decide ? { decide: args.decide } : {}) }, io, 'approve');
  } finally {
    await s.close();
  }
}
