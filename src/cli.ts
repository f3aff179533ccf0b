// mngbot without Slack: `mngbot plan`, `mngbot upgrade`, `mngbot sim`. The same engine as the bot,
// against the simulator (default) or AWS (MNG_WORLD=aws), printing progress lines and a report.
// For CI pipelines, and for trying a plan before wiring Slack.
import { readFileSync } from 'node:fs';
import { DataFileError, DEFAULT_DATA_FILE } from './app/compose.js';
import { FLEET_FLAGS, parseFlags, resumeArgs, RESUME_FLAGS, STATUS_FLAGS, targetArgs, TARGET_FLAGS, upgradeArgs, UPGRADE_FLAGS } from './cli/args.js';
import { fleetCommand } from './cli/fleet.js';
import { statusCommand } from './cli/status.js';
import { ROLLBACK_FLAGS, rollbackCommand } from './cli/rollback.js';
import { UsageError } from './cli/usage-error.js';
import { exitSoon, processIo, type CliIo } from './cli/io.js';
import { DEFAULT_SCENARIO } from './cli/session.js';
import { refusalWords } from './cli/words.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, planCommand, resumeCommand, upgradeCommand } from './cli/upgrade.js';
import { PlanRefusedError } from './engine/commands.js';
import { errorMessage, Refusal, UserError } from './engine/errors.js';
import { SIM_USAGE, simMain } from './sim-cli.js';

export type { CliIo };
export { DEFAULT_SCENARIO };

// ---------------------------------------------------------------------------------------------
// Usage

export const CLI_USAGE = `usage: mngbot <command> [options]

Upgrades the nodes of an EKS node group with the engine the Slack bot uses, without Slack.

Commands:
  plan       show what an upgrade would do; changes nothing
  upgrade    show the plan, ask, then upgrade, printing progress and a report; with a data
             directory that records an unfinished run of the node group, continue that run
  resume     continue a run recorded in the data directory: mngbot resume RUN
  rollback   put the nodes a recorded run replaced back on the release before it: mngbot rollback RUN
  status     the runs the data directory records, or one with its latest events: mngbot status [RUN]
  fleet      every node group: its AMI release, how far behind the latest, next window, last run
  sim        a whole simulated upgrade, as npm run sim (mngbot sim --help)
  help [COMMAND]

Run "mngbot COMMAND --help" for the options of a command.

The world, from the environment:
  MNG_WORLD=sim (default)  the simulator: --scenario FILE, else $MNG_SCENARIO, else scenarios/demo.json;
                           simulated time runs as fast as it can, so an upgrade takes seconds
  MNG_WORLD=aws            AWS and Kubernetes for real: the SDK's default credentials, AWS_REGION,
                           AWS_ENDPOINT_URL; Kubernetes through --context/--kubeconfig/$KUBECONFIG, the
                           pod's service account, or the EKS endpoint with a token
  MNG_CONFIG=FILE          the bot's configuration file: clusters and their regions, defaults
  MNG_DATA_DIR=DIR         the bot's data directory (as --data-dir): an upgrade recorded there can be
                           resumed by the bot if this command is stopped

Exit status: 0 done (nothing to do included), 1 not done (blocked, refused, failed, cancelled, or
nothing replaced), 2 a usage or configuration mistake, 130 interrupted. With --json the last line
of stdout is one JSON object saying how the command ended.`;

const TARGET_USAGE = '--to VERSION [--cluster C] [--nodegroup N] [--release-version R] [--strategy rolling|eks] [--update-strategy default|minimal] [--max-unavailable N] [--surge N] [--drain-timeout 15m] [--deregistration-wait 60s] [--bake 5m|--no-bake] [--force] [--json] [--scenario FILE] [--context NAME] [--kubeconfig FILE]';

const TARGET_OPTIONS = `  --to VERSION              target Kubernetes version: 1.30, v1.30 or 1.30.4 (required)
  --cluster C               the EKS cluster; may be left out when only one is configured
  --nodegroup N             the node group; may be left out when the cluster has only one
  --release-version R       an AMI release such as 1.30.4-20240917 (default: the latest for VERSION)
  --strategy rolling|eks    eks: EKS replaces the nodes (managed node groups); rolling: mngbot surges,
                            drains and terminates (self-managed groups). Default: the group's own
  --update-strategy default|minimal
                            minimal: no surge; old nodes are drained and terminated first and the
                            group launches their replacements (capacity dips by max-unavailable
                            nodes), for GPU or capacity-capped groups. Default: surge first
  --max-unavailable N       nodes replaced at a time, 1 to 100 or 1% to 100% (at most the old nodes)
  --surge N                 new nodes launched up front (rolling only), 1 to 100 (at most the old
                            nodes: a larger value is capped, with a warning)
  --drain-timeout D         how long one node's drain may take before asking, with its unit, from
                            10s to 24h: 90s, 15m, 1h30m
  --deregistration-wait D   rolling: after cordon, how long load balancers get to deregister the
                            node before it is terminated, as EKS (default 60s; 0: none; at most 1h)
  --bake D                  rolling: the health gate's bake after the canary (the first nodes
                            drained): their pods must stay healthy on new nodes this long before
                            the next drain (default 5m; at most 24h)
  --no-bake                 no bake; the health gate still stops the run before any drain while
                            pods on new nodes crash-loop or are not Ready
  --force                   accept pods without a controller; after the drain timeout, delete
                            what is left instead of asking
  --json                    machine-readable output on stdout (messages stay on stderr)
  --scenario FILE           MNG_WORLD=sim: the scenario (default $MNG_SCENARIO or scenarios/demo.json)
  --context NAME            MNG_WORLD=aws: the kubeconfig context of the cluster
  --kubeconfig FILE         MNG_WORLD=aws: the kubeconfig file (default $KUBECONFIG, ~/.kube/config)
  -h, --help                this help`;

export const PLAN_USAGE = `usage: mngbot plan ${TARGET_USAGE}

Shows what an upgrade would do: the surge and why, the nodes to replace, the preflight findings.
Changes nothing. Exits 1 when a finding blocks the upgrade, naming it; 0 when there is nothing to do.

Options:
${TARGET_OPTIONS}`;

export const UPGRADE_USAGE = `usage: mngbot upgrade ${TARGET_USAGE} [--now] [--yes] [--decide CHOICE] [--data-dir DIR] [--speed N]

Shows the plan, asks "Proceed? [y/N]", then upgrades the node group, printing a line per change and
the report at the end. A node group with maintenance windows (MNG_CONFIG) waits for the next one,
as the bot's runs do. Ctrl-C cancels the run and waits while mngbot puts back what it changed; a
second Ctrl-C exits at once and leaves the run as it is.

Options:
${TARGET_OPTIONS}
  --now                     start at once, outside the node group's maintenance windows (audited)
  -y, --yes                 do not ask; needed when stdin is not a terminal (CI)
  --decide CHOICE           force, skip or abort: the answer when a drain is blocked (a
                            PodDisruptionBudget allowed no eviction for the drain timeout);
                            continue, rollback or abort: the health gate's (pods failing on new
                            nodes). Without it a terminal is asked; with no terminal, or a choice
                            that does not answer the question, the run is aborted and what it
                            changed is put back
  --data-dir DIR            record the run in DIR/${DEFAULT_DATA_FILE} (default $MNG_DATA_DIR), where
                            the bot can resume it if this command is stopped
  --speed N                 MNG_WORLD=sim: N simulated seconds per real second, instead of as fast
                            as possible

A run this command started and that was stopped (killed, the machine lost) is continued, never
started twice: run the same command again with the same data directory, or mngbot resume RUN.

With --json: the plan as {"kind":"plan",…}, then one line per event, then {"kind":"report",…}; the
last line is always one object saying how it ended: the report, {"kind":"refused",…} with the plan's
findings, {"kind":"nothing-to-do",…} (exit 0) or {"kind":"error",…}.`;

export const STATUS_USAGE = `usage: mngbot status [RUN] [--data-dir DIR] [--json]

The runs recorded in the data directory (--data-dir, default $MNG_DATA_DIR), newest first; with RUN,
that run: its state, how it ended and its latest events. Changes nothing.

Options:
  --data-dir DIR            the data directory the runs are recorded in
  --json                    machine-readable output on stdout
  -h, --help                this help`;

export const FLEET_USAGE = `usage: mngbot fleet [--data-dir DIR] [--json] [--scenario FILE] [--context NAME] [--kubeconfig FILE]

Every configured node group, as /mng status shows it in Slack: its Kubernetes version, its AMI release
and how old it is, how many releases (and days) it is behind the latest for its version, its next
maintenance window, and its last run (from the data directory, default $MNG_DATA_DIR, when there is
one). Changes nothing.

Options:
  --data-dir DIR            the data directory the runs are recorded in
  --json                    machine-readable output on stdout
  --scenario FILE           MNG_WORLD=sim: the simulated world
  --context NAME            MNG_WORLD=aws: the kubeconfig context of the cluster
  --kubeconfig FILE         MNG_WORLD=aws: the kubeconfig file
  -h, --help                this help`;

export const ROLLBACK_USAGE = `usage: mngbot rollback RUN [--data-dir DIR] [--yes] [--decide force|skip|abort] [--json] [--context NAME] [--kubeconfig FILE]

Puts the nodes a run recorded in the data directory (--data-dir, default $MNG_DATA_DIR) replaced back
on the AMI release it replaced (and, for a self-managed group, the launch-template version it used
before): a new run, planned and shown like an upgrade, that asks "Proceed? [y/N]" and then runs with
the same care (PodDisruptionBudgets, surge, taints), printing progress and the report. A run still
under way is cancelled first. A managed group goes back through EKS (UpdateNodegroupVersion with the
previous release), which cannot go back across a Kubernetes minor version.

Options:
  --data-dir DIR            the data directory the run is recorded in
  -y, --yes                 do not ask; needed when stdin is not a terminal (CI)
  --decide CHOICE           force, skip or abort: the answer when a drain is blocked
  --json                    machine-readable output on stdout
  --context NAME            MNG_WORLD=aws: the kubeconfig context of the cluster
  --kubeconfig FILE         MNG_WORLD=aws: the kubeconfig file
  -h, --help                this help`;

export const RESUME_USAGE = `usage: mngbot resume RUN [--data-dir DIR] [--decide force|skip|abort] [--json] [--context NAME] [--kubeconfig FILE]

Continues a run recorded in the data directory (--data-dir, default $MNG_DATA_DIR) from where it was,
printing progress and the report, as mngbot upgrade does. A run that has ended is shown, not run again.

Options:
  --data-dir DIR            the data directory the run is recorded in
  --decide CHOICE           force, skip or abort: the answer when a drain is blocked
  --json                    machine-readable output on stdout
  --context NAME            MNG_WORLD=aws: the kubeconfig context of the cluster
  --kubeconfig FILE         MNG_WORLD=aws: the kubeconfig file
  -h, --help                this help`;

// Arguments (src/cli/args.ts); re-exported for the tests that call the parser directly.
export { parseFlags, resumeArgs, RESUME_FLAGS, TARGET_FLAGS, targetArgs, UPGRADE_FLAGS, upgradeArgs, type TargetArgs, type UpgradeArgs } from './cli/args.js';
export { UsageError } from './cli/usage-error.js';

// ---------------------------------------------------------------------------------------------
// Entry

const HELP: Record<string, string> = { plan: PLAN_USAGE, upgrade: UPGRADE_USAGE, resume: RESUME_USAGE, rollback: ROLLBACK_USAGE, status: STATUS_USAGE, fleet: FLEET_USAGE, sim: SIM_USAGE.replace('npm run sim --', 'mngbot sim') };

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Runs one command line; resolves with the exit status. */
export async function cliMain(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    io.err(CLI_USAGE);
    return EXIT_USAGE;
  }
  if (command === '--help' || command === '-h') {
    io.out(CLI_USAGE);
    return EXIT_OK;
  }
  if (command === '--version' || command === '-v') {
    io.out(packageVersion());
    return EXIT_OK;
  }
  if (command === 'help') {
    const topic = rest[0];
    if (topic === undefined) io.out(CLI_USAGE);
    else if (Object.hasOwn(HELP, topic)) io.out(HELP[topic]);
    else {
      io.err(`mngbot help: there is no command "${topic}"; the commands are plan, upgrade, resume, rollback, status, fleet and sim`);
      return EXIT_USAGE;
    }
    return EXIT_OK;
  }
  if (command === 'sim') {
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(HELP.sim);
      return EXIT_OK;
    }
    // simMain's default scenario is relative to the working directory; the package's demo is not.
    const named = rest.some((a) => a === '--scenario' || a.startsWith('--scenario='));
    const scenario = io.env.MNG_SCENARIO?.trim() || DEFAULT_SCENARIO;
    try {
      return await simMain(named ? rest : ['--scenario', scenario, ...rest], io.out);
    } catch (err) {
      if (err instanceof UserError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
        const words = err instanceof UserError ? refusalWords(err) : { message: errorMessage(err) };
        io.err(`mngbot sim: ${words.message}${words.hint ? ` (${words.hint})` : ''}`);
        io.err(HELP.sim);
        return EXIT_USAGE;
      }
      throw err;
    }
  }
  if (command !== 'plan' && command !== 'upgrade' && command !== 'resume' && command !== 'rollback' && command !== 'status' && command !== 'fleet') {
    io.err(`mngbot: unknown command "${command}"; the commands are plan, upgrade, resume, rollback, status, fleet and sim (mngbot --help)`);
    return EXIT_USAGE;
  }

  let json = false;
  try {
    if (command === 'status') {
      const positional = rest[0] !== undefined && !rest[0].startsWith('-');
      const flags = parseFlags(command, positional ? rest.slice(1) : rest, STATUS_FLAGS);
      if (flags.help) {
        io.out(HELP.status);
        return EXIT_OK;
      }
      json = flags.json === true;
      return await statusCommand(positional ? rest[0] : undefined, resumeArgs(flags), io);
    }
    if (command === 'fleet') {
      const flags = parseFlags(command, rest, FLEET_FLAGS);
      if (flags.help) {
        io.out(HELP.fleet);
        return EXIT_OK;
      }
      json = flags.json === true;
      return await fleetCommand(resumeArgs(flags), io);
    }
    if (command === 'rollback') {
      const positional = rest[0] !== undefined && !rest[0].startsWith('-');
      const flags = parseFlags(command, positional ? rest.slice(1) : rest, ROLLBACK_FLAGS);
      if (flags.help) {
        io.out(HELP.rollback);
        return EXIT_OK;
      }
      json = flags.json === true;
      if (!positional) throw new UsageError('which run? mngbot rollback RUN, e.g. mngbot rollback r-1a2b3c4d');
      return await rollbackCommand(rest[0], { ...resumeArgs(flags), yes: flags.yes === true }, io);
    }
    if (command === 'resume') {
      const positional = rest[0] !== undefined && !rest[0].startsWith('-');
      const runId = positional ? rest[0] : undefined;
      const options = positional ? rest.slice(1) : rest;
      const flags = parseFlags(command, options, RESUME_FLAGS);
      if (flags.help) {
        io.out(HELP.resume);
        return EXIT_OK;
      }
      json = flags.json === true;
      if (!runId) throw new UsageError('which run? mngbot resume RUN, e.g. mngbot resume r-1a2b3c4d');
      return await resumeCommand(runId, resumeArgs(flags), io);
    }
    const flags = parseFlags(command, rest, command === 'plan' ? TARGET_FLAGS : UPGRADE_FLAGS);
    if (flags.help) {
      io.out(HELP[command]);
      return EXIT_OK;
    }
    json = flags.json === true;
    return command === 'plan' ? await planCommand(targetArgs(flags), io) : await upgradeCommand(upgradeArgs(flags), io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`mngbot ${command}: ${err.message}`);
      io.err(HELP[command].split('\n')[0]);
      io.err(`(mngbot ${command} --help explains every option)`);
      return EXIT_USAGE;
    }
    const known = err instanceof UserError || err instanceof DataFileError;
    const words = err instanceof UserError ? refusalWords(err) : { message: errorMessage(err) };
    const message = words.message;
    const hint = words.hint && !message.includes(words.hint) ? ` (${words.hint})` : '';
    // Nothing to do is what a re-run CI job finds: done, not failed.
    const done = err instanceof Refusal && err.outcome.code === 'nothing-to-do';
    if (json) io.out(JSON.stringify(resultLine(err, words)));
    io.err(`mngbot ${command}: ${message}${hint}`);
    if (!known && err instanceof Error && err.stack && io.env.MNG_LOG_LEVEL === 'debug') io.err(err.stack);
    return done ? EXIT_OK : EXIT_FAILED;
  }
}

/** With --json, the last line: what stopped the command, as data and in words. */
function resultLine(err: unknown, words: { message: string; hint?: string }): Record<string, unknown> {
  const said = { message: words.message, ...(words.hint ? { hint: words.hint } : {}) };
  if (!(err instanceof Refusal)) return { kind: 'error', ...said };
  const { code, fields } = err.outcome as { code: string; fields?: unknown };
  if (code === 'nothing-to-do') return { kind: 'nothing-to-do', fields, findings: [], ...said };
  const findings = err instanceof PlanRefusedError ? err.plan.findings : [];
  return { kind: 'refused', code, fields, findings, ...said };
}

/** bin/mngbot.js: run the command line and exit with its status. */
export async function runAndExit(argv: string[]): Promise<void> {
  let code: number;
  try {
    code = await cliMain(argv);
  } catch (err) {
    process.stderr.write(`mngbot: ${errorMessage(err)}\n`);
    code = EXIT_FAILED;
  }
  exitSoon(code);
}

if (import.meta.url === `file://${process.argv[1]}`) void runAndExit(process.argv.slice(2));
