// mngbot plan | upgrade | resume: open a session, call the use case, print what happened. Upgrades
// are asked for through the application like any other front end's, so maintenance windows hold.
import { simReport, type SimReport } from '../app/simulate.js';
import { awsReport, type RunReport } from '../app/run-report.js';
import { errorMessage, UserError } from '../engine/errors.js';
import type { ProgressEvent } from '../engine/events.js';
import { blockingFindings } from '../engine/plan.js';
import { ACTIVE_STATUSES, DRAIN_CHOICES, HEALTH_GATE, isTerminal, type Actor, type DecisionChoice, type Run, type UpgradeRequest } from '../engine/run.js';
import { parseVersion } from '../engine/version.js';
import { describeOpening } from '../schedule/windows.js';
import { eventLine, reportText } from '../sim-cli.js';
import { gateQuestion } from './gate-question.js';
import { exitSoon, type CliIo } from './io.js';
import { changesText, describeTarget, planText, plural, refusal, runReportText } from './output.js';
import { refusalWords } from './words.js';
import { PlanRefusedError } from '../engine/commands.js';
import { openSession, type Session } from './session.js';
import { UsageError } from './usage-error.js';
import type { TargetArgs, UpgradeArgs } from './args.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
/** What a shell reports for a program ended by Ctrl-C. */
export const EXIT_INTERRUPTED = 130;

export async function planCommand(args: TargetArgs, io: CliIo): Promise<number> {
  const s = await openSession(args, io, { keepRuns: false });
  try {
    const plan = await s.driver.settle(s.app.plan(s.request!));
    io.out(args.json ? JSON.stringify(plan) : planText(plan));
    if (blockingFindings(plan).length > 0) {
      io.err(`mngbot plan: ${refusal(plan)}`);
      return EXIT_FAILED;
    }
    if (!args.json) io.out(`\nTo run it: mngbot upgrade ${describeTarget(s.request!)}`);
    return EXIT_OK;
  } finally {
    await s.close();
  }
}

export async function upgradeCommand(args: UpgradeArgs, io: CliIo): Promise<number> {
  const s = await openSession(args, io, { keepRuns: true });
  try {
    return await upgrade(s, args, io);
  } finally {
    await s.close();
  }
}

/** A run of the node group the data directory holds that has not ended: this command's to continue. */
async function recordedRun(s: Session): Promise<Run | undefined> {
  if (!s.dataFile) return undefined;
  const { cluster, nodegroup } = s.request!.ref;
  const open = await s.engine.list({ cluster, nodegroup, statuses: ['awaiting-approval', ...ACTIVE_STATUSES] });
  return open[0];
}

function sameTarget(run: Run, request: UpgradeRequest): boolean {
  return parseVersion(request.version).text === run.plan.toVersion && (!request.releaseVersion || request.releaseVersion === run.plan.toRelease);
}

async function upgrade(s: Session, args: UpgradeArgs, io: CliIo): Promise<number> {
  const { driver } = s;
  const request = s.request!;
  const actor = (): Actor => ({ user: s.user, at: s.world.clock.now() });

  const recorded = await driver.settle(recordedRun(s));
  if (recorded && !sameTarget(recorded, request)) {
    const message =
      `${recorded.ref.cluster}/${recorded.ref.nodegroup} already has run ${recorded.id} (${recorded.status}) to ${recorded.plan.toVersion} (${recorded.plan.toRelease}), ` +
      `recorded in ${s.dataFile}. Continue it with "mngbot resume ${recorded.id}", or let it finish first.`;
    if (args.json) io.out(JSON.stringify({ kind: 'refused', code: 'other-run-recorded', fields: { runId: recorded.id }, findings: [], message }));
    io.err(`mngbot upgrade: not started: ${message}`);
    return EXIT_FAILED;
  }
  if (recorded && recorded.status !== 'awaiting-approval') {
    io.err(`mngbot: continuing run ${recorded.id}, recorded in ${s.dataFile} (${recorded.status}, phase ${recorded.phase}): it is not started again`);
    return follow(s, recorded, args, io, 'resume');
  }

  if (!args.yes && !io.interactive) {
    // Show what would have happened, then refuse: nobody is there to say yes.
    const plan = recorded?.plan ?? (await driver.settle(s.app.plan(request)));
    const message = 'stdin is not a terminal, so nobody can confirm';
    const hint = 'Add --yes to upgrade without asking (CI), or run "mngbot plan" to only look.';
    if (args.json) {
      io.out(JSON.stringify({ kind: 'plan', plan }));
      io.out(JSON.stringify({ kind: 'refused', code: 'no-terminal', findings: plan.findings, message, hint }));
    } else io.out(planText(plan));
    io.err(`mngbot upgrade: not started: ${message}. ${hint}`);
    return EXIT_FAILED;
  }

  let run: Run;
  let waits: string | undefined;
  if (recorded) {
    // Asked before and never answered (the command stopped at the question): the same request, asked again.
    run = recorded;
  } else {
    const outcome = await driver.settle(s.app.requestUpgrade({ choices: s.choices!, by: actor() }));
    if (outcome.kind === 'refused') {
      const { plan } = outcome;
      if (args.json) {
        const { message, hint } = refusalWords(new PlanRefusedError(plan));
        io.out(JSON.stringify({ kind: 'plan', plan }));
        io.out(JSON.stringify({ kind: 'refused', code: 'plan-refused', findings: plan.findings, message, ...(hint ? { hint } : {}) }));
      } else io.out(planText(plan));
      io.err(`mngbot upgrade: not started: ${refusal(plan)}`);
      return EXIT_FAILED;
    }
    if (outcome.kind !== 'requested') throw new Error(`unexpected outcome ${outcome.kind}`);
    run = outcome.run;
    if (outcome.start.kind === 'closed' && !outcome.outside) {
      waits = `once approved, run ${run.id} waits for the next maintenance window of ${run.ref.cluster}/${run.ref.nodegroup}: ${describeOpening(outcome.start.next.opensAt, outcome.at, outcome.start.timezone)} (--now runs it outside the windows)`;
    }
  }
  io.out(args.json ? JSON.stringify({ kind: 'plan', runId: run.id, plan: run.plan }) : planText(run.plan));
  if (waits) io.err(`mngbot: ${waits}`);

  if (!args.yes) {
    const answer = await io.ask(`\nUpgrade ${plural(run.plan.nodes.length, 'node')} of ${run.ref.cluster}/${run.ref.nodegroup} to ${run.plan.toRelease}. Proceed? [y/N] `);
    if (!/^\s*y(es)?\s*$/i.test(answer ?? '')) {
      await driver.settle(s.app.cancel(run.id, actor()));
      if (args.json) io.out(JSON.stringify({ kind: 'refused', code: 'not-confirmed', runId: run.id, findings: run.plan.findings, message: 'not confirmed; nothing was changed' }));
      io.err('mngbot upgrade: not started; nothing was changed.');
      return EXIT_FAILED;
    }
  }
  return follow(s, run, args, io, 'approve');
}

export async function resumeCommand(runId: string, args: Partial<UpgradeArgs>, io: CliIo): Promise<number> {
  const s = await openSession(args, io, { keepRuns: true });
  try {
    if (!s.dataFile) throw new UsageError('which data directory records the run? give --data-dir DIR, or set MNG_DATA_DIR');
    const run = (await s.driver.settle(s.app.status(runId, 0)))?.run;
    if (!run) {
      const known = (await s.driver.settle(s.app.history())).slice(0, 5).map((r) => `${r.id} (${r.ref.cluster}/${r.ref.nodegroup}, ${r.status})`);
      throw new UserError(`there is no run ${runId} in ${s.dataFile}${known.length ? `; it records ${known.join(', ')}` : '; it records no runs'}`);
    }
    if (isTerminal(run.status)) {
      io.out(args.json ? JSON.stringify({ kind: 'run', run }) : `run ${run.id} has ended: ${run.outcome?.summary ?? run.status}`);
      for (const line of args.json ? [] : changesText(run)) io.out(line);
      return run.status === 'succeeded' ? EXIT_OK : EXIT_FAILED;
    }
    if (run.status === 'awaiting-approval') {
      throw new UserError(`run ${run.id} was never approved: start it with mngbot upgrade --cluster ${run.ref.cluster} --nodegroup ${run.ref.nodegroup} --to ${run.plan.toVersion}`);
    }
    io.err(`mngbot: continuing run ${run.id}, recorded in ${s.dataFile} (${run.status}, phase ${run.phase})`);
    return await follow(s, run, { yes: true, json: args.json === true, ...(args.decide ? { decide: args.decide } : {}) }, io, 'resume');
  } finally {
    await s.close();
  }
}

/** Approves (or picks up again) the run, follows it to its end, answers blocked drains, prints the report. */
export async function follow(s: Session, run: Run, args: Pick<UpgradeArgs, 'decide' | 'json' | 'yes'>, io: CliIo, how: 'approve' | 'resume'): Promise<number> {
  const { engine, driver } = s;
  const actor = (): Actor => ({ user: s.user, at: s.world.clock.now() });
  const before = how === 'resume' ? (run.original?.sizes ?? run.plan.sizes) : s.world.sim?.groupSizes();
  let status: Run['status'] = run.status;
  let asked = false;
  let start: number | undefined;
  engine.onEvent((e: ProgressEvent) => {
    if (e.runId !== run.id) return;
    if (e.kind === 'status') status = e.status;
    if (e.kind === 'decision') asked = false;
    start ??= e.at;
    io.out(args.json ? JSON.stringify(e) : eventLine(e, start));
    driver.wake();
  });

  // Ctrl-C (or SIGTERM) once: cancel and wait for the clean-up. Twice: leave at once.
  let interrupts = 0;
  let cancelWanted = false;
  const interrupt = (why: string) => {
    interrupts++;
    if (interrupts === 1) {
      io.err(
        `\nmngbot: ${why}: cancelling run ${run.id}; mngbot is putting back what it changed. ` +
          'Press Ctrl-C again to exit at once and leave the run as it is.',
      );
      cancelWanted = true;
      driver.wake();
      return;
    }
    io.err(`\nmngbot: exiting now; run ${run.id} is left as it is (${status}).`);
    io.err(
      s.world.sim
        ? 'The simulated world ends with this process; nothing real was changed.'
        : s.dataFile
        ? `It is recorded in ${s.dataFile}: the bot, started with MNG_DATA_DIR=${s.dataFile.replace(/\/[^/]*$/, '')}, picks it up and finishes or cleans up.`
        : 'Nothing recorded it (no --data-dir or MNG_DATA_DIR): the node group may keep extra nodes, tainted or cordoned nodes and changed sizes; check it, or run with --data-dir next time so the bot can resume.',
    );
    exitSoon(EXIT_INTERRUPTED);
  };
  const onSignal = (signal: NodeJS.Signals) => interrupt(signal === 'SIGINT' ? 'Ctrl-C' : signal);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    if (how === 'approve') await driver.settle(s.app.approve(run.id, actor()));
    else await driver.settle(engine.start());
    if (s.dataFile && !args.json) io.err(`mngbot: run ${run.id} is recorded in ${s.dataFile}`);

    for (;;) {
      const outcome = await driver.until(() => isTerminal(status) || (status === 'needs-decision' && !asked) || cancelWanted);
      if (cancelWanted) {
        cancelWanted = false;
        try {
          await driver.settle(s.app.cancel(run.id, actor()));
        } catch (err) {
          io.err(`mngbot: ${errorMessage(err)}`);
        }
        continue;
      }
      if (isTerminal(status)) break;
      if (status === 'needs-decision' && !asked) {
        const current = await driver.settle(engine.mustGet(run.id));
        if (current.status !== 'needs-decision' || !current.decision) continue;
        asked = true;
        const choice = await decide(current, args, io);
        if (choice === undefined) {
          // Ctrl-C or the end of the input at the question: the same as a first Ctrl-C.
          interrupt('no answer');
          continue;
        }
        try {
          await driver.settle(s.app.decide(run.id, current.decision.node, choice, actor()));
        } catch (err) {
          io.err(`mngbot: ${errorMessage(err)}`);
        }
        continue;
      }
      if (outcome === 'idle') {
        io.err(`mngbot: the simulated world has nothing left to do, yet run ${run.id} is ${status}; this is a bug, please report it`);
        break;
      }
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  await engine.stop();
  const final = (await s.store.get(run.id)) ?? run;
  const now = s.world.clock.now();
  const report = s.world.sim && before ? simReport(s.world.sim, final, before) : await awsReport(s.world.nodeGroups, final, now);
  if (args.json) {
    io.out(JSON.stringify({ kind: 'report', runId: final.id, report, outcome: final.outcome ?? null }));
  } else {
    io.out('');
    io.out(s.world.sim ? reportText(report as SimReport) : runReportText(report as RunReport));
    for (const line of changesText(final)) io.out(line);
  }
  return final.status === 'succeeded' ? EXIT_OK : EXIT_FAILED;
}

async function decide(run: Run, args: Pick<UpgradeArgs, 'decide'>, io: CliIo): Promise<DecisionChoice | undefined> {
  const d = run.decision!;
  if (d.node === HEALTH_GATE && d.gate) return gateQuestion(d.gate, args, io);
  const blockers = d.blockers.map((b) => `${b.pod}${b.pdb ? ` (PDB ${b.pdb})` : ''}: ${b.reason}`);
  const what = `the drain of ${d.node} is blocked by ${blockers.length ? blockers.join('; ') : 'pods that cannot be evicted'}`;
  if (args.decide && DRAIN_CHOICES.includes(args.decide)) {
    io.err(`mngbot: ${what}; --decide ${args.decide}`);
    return args.decide;
  }
  if (args.decide) {
    io.err(`mngbot: ${what}. --decide ${args.decide} answers the health gate, not a blocked drain, so the run is aborted and what it changed is put back.`);
    return 'abort';
  }
  if (!io.interactive) {
    io.err(
      `mngbot: ${what}. Nobody can be asked (stdin is not a terminal) and no --decide was given, so the run is aborted and ` +
        'what it changed is put back. Use --decide force|skip|abort to answer blocked drains without asking.',
    );
    return 'abort';
  }
  for (;;) {
    const answer = await io.ask(
      `\n${what}.\n  force: delete the pods regardless of their PodDisruptionBudget\n  skip:  leave this node as it is and carry on\n  abort: stop and put back what the run changed\nforce, skip or abort? [f/s/a] `,
    );
    if (answer === undefined) return undefined;
    const a = answer.trim().toLowerCase();
    if (a === 'f' || a === 'force') return 'force';
    if (a === 's' || a === 'skip') return 'skip';
    if (a === 'a' || a === 'abort') return 'abort';
    io.err(`"${answer.trim()}" is none of force, skip, abort`);
  }
}
