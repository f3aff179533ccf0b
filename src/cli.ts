// mngbot without Slack: `mngbot plan`, `mngbot upgrade`, `mngbot sim`. The same engine as the bot,
// against the simulator (default) or AWS (MNG_WORLD=aws), printing progress lines and a report.
// For CI pipelines, and for trying a plan before wiring Slack.
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { findingWords, refusalWords, surgeReasonWords } from './cli/words.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { Engine, PlanRefusedError } from './engine/commands.js';
import { formatDuration, parseDurationMs } from './engine/duration.js';
import { errorMessage, UserError } from './engine/errors.js';
import type { ProgressEvent } from './engine/events.js';
import { blockingFindings } from './engine/plan.js';
import type { GroupRef, NodeGroups, RunStore, Sizes } from './engine/ports.js';
import { ACTIVE_STATUSES, isTerminal, type Actor, type DecisionChoice, type Finding, type Plan, type Run, type Strategy, type UpgradeRequest } from './engine/run.js';
import type { EngineLog } from './engine/runner.js';
import { parseVersion } from './engine/version.js';
import { LOG_LEVELS, type LogFields, type Logger, type LogLevel } from './log.js';
import { openWorld, type OpenedWorld } from './open-world.js';
import { eventLine, reportText, SIM_USAGE, simMain } from './sim-cli.js';
import { VirtualClock } from './sim/clock.js';
import { simReport, type SimReport, type SimStatus } from './sim/simulate.js';
import { Targets } from './slack/targets.js';
import { DataFileError, DEFAULT_DATA_FILE, LowdbRunStore } from './store/lowdb-run-store.js';
import { MemoryRunStore } from './store/memory-run-store.js';

/** The simulator's world when neither --scenario nor MNG_SCENARIO names one: the package's demo. */
export const DEFAULT_SCENARIO = fileURLToPath(new URL('../scenarios/demo.json', import.meta.url));

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;
/** After a second Ctrl-C, as shells report a process ended by SIGINT. */
const EXIT_INTERRUPTED = 130;

// ---------------------------------------------------------------------------------------------
// Usage

export const CLI_USAGE = `usage: mngbot <command> [options]

Upgrades the nodes of an EKS node group with the engine the Slack bot uses, without Slack.

Commands:
  plan       show what an upgrade would do; changes nothing
  upgrade    show the plan, ask, then upgrade, printing progress and a report; with a data
             directory that records an unfinished run of the node group, continue that run
  resume     continue a run recorded in the data directory: mngbot resume RUN
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

Exit status: 0 done, 1 refused, failed or cancelled, 2 a usage or configuration mistake.`;

const TARGET_USAGE = '--to VERSION [--cluster C] [--nodegroup N] [--release-version R] [--strategy rolling|eks] [--max-unavailable N] [--surge N] [--drain-timeout 15m] [--force] [--json] [--scenario FILE] [--context NAME] [--kubeconfig FILE]';

const TARGET_OPTIONS = `  --to VERSION              target Kubernetes version: 1.30, v1.30 or 1.30.4 (required)
  --cluster C               the EKS cluster; may be left out when only one is configured
  --nodegroup N             the node group; may be left out when the cluster has only one
  --release-version R       an AMI release such as 1.30.4-20240917 (default: the latest for VERSION)
  --strategy rolling|eks    eks: EKS replaces the nodes (managed node groups); rolling: mngbot surges,
                            drains and terminates (self-managed groups). Default: the group's own
  --max-unavailable N       nodes replaced at a time
  --surge N                 new nodes launched up front (rolling only)
  --drain-timeout D         how long one node's drain may take, e.g. 15m or 1h; then ask
  --force                   accept pods without a controller; after the drain timeout, delete
                            what is left instead of asking
  --json                    machine-readable output on stdout (messages stay on stderr)
  --scenario FILE           MNG_WORLD=sim: the scenario (default $MNG_SCENARIO or scenarios/demo.json)
  --context NAME            MNG_WORLD=aws: the kubeconfig context of the cluster
  --kubeconfig FILE         MNG_WORLD=aws: the kubeconfig file (default $KUBECONFIG, ~/.kube/config)
  -h, --help                this help`;

export const PLAN_USAGE = `usage: mngbot plan ${TARGET_USAGE}

Shows what an upgrade would do: the surge and why, the nodes to replace, the preflight findings.
Changes nothing. Exits 1 when a finding blocks the upgrade, naming it.

Options:
${TARGET_OPTIONS}`;

export const UPGRADE_USAGE = `usage: mngbot upgrade ${TARGET_USAGE} [--yes] [--decide force|skip|abort] [--data-dir DIR] [--speed N]

Shows the plan, asks "Proceed? [y/N]", then upgrades the node group, printing a line per change and
the report at the end. Ctrl-C cancels the run and waits while mngbot puts back what it changed; a
second Ctrl-C exits at once and leaves the run as it is.

Options:
${TARGET_OPTIONS}
  -y, --yes                 do not ask; needed when stdin is not a terminal (CI)
  --decide CHOICE           force, skip or abort: the answer when a drain is blocked (a
                            PodDisruptionBudget allowed no eviction for the drain timeout). Without
                            it a terminal is asked; with no terminal the run is aborted and what it
                            changed is put back
  --data-dir DIR            record the run in DIR/${DEFAULT_DATA_FILE} (default $MNG_DATA_DIR), where
                            the bot can resume it if this command is stopped
  --speed N                 MNG_WORLD=sim: N simulated seconds per real second, instead of as fast
                            as possible

A run this command started and that was stopped (killed, the machine lost) is continued, never
started twice: run the same command again with the same data directory, or mngbot resume RUN.

With --json: the plan as {"kind":"plan",…}, then one line per event, then {"kind":"report",…}.`;

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

// ---------------------------------------------------------------------------------------------
// Arguments

/** A mistake on the command line: exit 2 with the message and the command's usage. */
export class UsageError extends Error {
  override name = 'UsageError';
}

type FlagSpec = { type: 'string' | 'boolean'; short?: string };

const TARGET_FLAGS: Record<string, FlagSpec> = {
  to: { type: 'string' },
  cluster: { type: 'string' },
  nodegroup: { type: 'string' },
  'release-version': { type: 'string' },
  strategy: { type: 'string' },
  'max-unavailable': { type: 'string' },
  surge: { type: 'string' },
  'drain-timeout': { type: 'string' },
  force: { type: 'boolean' },
  json: { type: 'boolean' },
  scenario: { type: 'string' },
  context: { type: 'string' },
  kubeconfig: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

const RESUME_FLAGS: Record<string, FlagSpec> = {
  'data-dir': { type: 'string' },
  decide: { type: 'string' },
  json: { type: 'boolean' },
  context: { type: 'string' },
  kubeconfig: { type: 'string' },
  scenario: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

const UPGRADE_FLAGS: Record<string, FlagSpec> = {
  ...TARGET_FLAGS,
  yes: { type: 'boolean', short: 'y' },
  decide: { type: 'string' },
  'data-dir': { type: 'string' },
  speed: { type: 'string' },
};

type Flags = Record<string, string | boolean | undefined>;

/** --name value, --name=value, -y; no positionals. */
export function parseFlags(command: string, args: string[], spec: Record<string, FlagSpec>): Flags {
  const flags: Flags = {};
  const byShort = new Map(Object.entries(spec).flatMap(([name, s]) => (s.short ? [[s.short, name] as const] : [])));
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    let name: string | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      if (eq !== -1) inline = arg.slice(eq + 1);
    } else if (/^-[A-Za-z]$/.test(arg)) {
      name = byShort.get(arg.slice(1));
      if (!name) throw new UsageError(`unknown option ${arg} for mngbot ${command}`);
    } else {
      throw new UsageError(
        `unexpected argument "${arg}": mngbot ${command} takes options only` +
          (/^v?\d+\.\d+/.test(arg) ? ` (did you mean --to ${arg}?)` : ''),
      );
    }
    const s = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (!s) {
      const near = Object.keys(spec).find((k) => k.startsWith(name!) || name!.startsWith(k));
      throw new UsageError(`unknown option --${name} for mngbot ${command}${near ? ` (did you mean --${near}?)` : ''}`);
    }
    if (flags[name] !== undefined) throw new UsageError(`--${name} is given twice`);
    if (s.type === 'boolean') {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value (got --${name}=${inline})`);
      flags[name] = true;
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) {
      throw new UsageError(`--${name} needs a value${EXAMPLES[name] ? `, e.g. --${name} ${EXAMPLES[name]}` : ''}`);
    }
    if (value.trim() === '') throw new UsageError(`--${name} is empty`);
    flags[name] = value;
  }
  return flags;
}

const EXAMPLES: Record<string, string> = {
  to: '1.30',
  cluster: 'prod-eu',
  nodegroup: 'workers',
  'release-version': '1.30.4-20240917',
  strategy: 'rolling',
  'max-unavailable': '2',
  surge: '3',
  'drain-timeout': '15m',
  scenario: 'scenarios/demo.json',
  context: 'my-cluster',
  kubeconfig: '~/.kube/config',
  decide: 'abort',
  'data-dir': './data',
  speed: '60',
};

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const RELEASE = /^\d+\.\d+\.\d+-[0-9a-z]{6,16}$/;

export interface TargetArgs {
  to: string;
  cluster?: string;
  nodegroup?: string;
  releaseVersion?: string;
  strategy?: Strategy;
  maxUnavailable?: number;
  surge?: number;
  drainTimeoutMs?: number;
  force: boolean;
  json: boolean;
  scenario?: string;
  context?: string;
  kubeconfig?: string;
}

export interface UpgradeArgs extends TargetArgs {
  yes: boolean;
  decide?: DecisionChoice;
  dataDir?: string;
  speed?: number;
}

function str(flags: Flags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

function wholeNumber(flags: Flags, name: string, max: number): number | undefined {
  const text = str(flags, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > max) throw new UsageError(`--${name} must be a whole number from 1 to ${max} (got "${text}")`);
  return n;
}

function oneOf<T extends string>(flags: Flags, name: string, allowed: readonly T[]): T | undefined {
  const v = str(flags, name);
  if (v === undefined) return undefined;
  if (!allowed.includes(v as T)) throw new UsageError(`--${name} must be ${allowed.join(' or ')} (got "${v}")`);
  return v as T;
}

function name(flags: Flags, flag: string, what: string): string | undefined {
  const v = str(flags, flag);
  if (v !== undefined && !NAME.test(v)) throw new UsageError(`--${flag} "${v}" is not ${what} name (letters, digits, - and _)`);
  return v;
}

export function targetArgs(flags: Flags): TargetArgs {
  const to = str(flags, 'to');
  if (to === undefined) throw new UsageError('--to is required: the Kubernetes version to upgrade to, e.g. --to 1.30');
  try {
    parseVersion(to);
  } catch (err) {
    throw new UsageError(`--to: ${errorMessage(err)}`);
  }
  const release = str(flags, 'release-version');
  if (release !== undefined && !RELEASE.test(release)) {
    throw new UsageError(`--release-version "${release}" is not an AMI release version, e.g. 1.30.4-20240917`);
  }
  let drainTimeoutMs: number | undefined;
  const drain = str(flags, 'drain-timeout');
  if (drain !== undefined) {
    try {
      drainTimeoutMs = parseDurationMs(drain, '--drain-timeout');
    } catch (err) {
      throw new UsageError(`${errorMessage(err)}: write it like 90s, 15m, 1h30m`);
    }
  }
  const args: TargetArgs = { to, force: flags.force === true, json: flags.json === true };
  const set = <K extends keyof TargetArgs>(k: K, v: TargetArgs[K] | undefined) => {
    if (v !== undefined) args[k] = v;
  };
  set('cluster', name(flags, 'cluster', 'a cluster'));
  set('nodegroup', name(flags, 'nodegroup', 'a node group'));
  set('releaseVersion', release);
  set('strategy', oneOf(flags, 'strategy', ['rolling', 'eks'] as const));
  set('maxUnavailable', wholeNumber(flags, 'max-unavailable', 100));
  set('surge', wholeNumber(flags, 'surge', 100));
  set('drainTimeoutMs', drainTimeoutMs);
  set('scenario', str(flags, 'scenario'));
  set('context', str(flags, 'context'));
  set('kubeconfig', str(flags, 'kubeconfig'));
  return args;
}

export function resumeArgs(flags: Flags): Partial<UpgradeArgs> {
  const args: Partial<UpgradeArgs> = { json: flags.json === true };
  const decide = oneOf(flags, 'decide', ['force', 'skip', 'abort'] as const);
  if (decide) args.decide = decide;
  for (const [flag, key] of [['data-dir', 'dataDir'], ['context', 'context'], ['kubeconfig', 'kubeconfig'], ['scenario', 'scenario']] as const) {
    const v = str(flags, flag);
    if (v) args[key] = v;
  }
  return args;
}

export function upgradeArgs(flags: Flags): UpgradeArgs {
  const args: UpgradeArgs = { ...targetArgs(flags), yes: flags.yes === true };
  const decide = oneOf(flags, 'decide', ['force', 'skip', 'abort'] as const);
  if (decide) args.decide = decide;
  const dataDir = str(flags, 'data-dir');
  if (dataDir) args.dataDir = dataDir;
  const speed = str(flags, 'speed');
  if (speed !== undefined) {
    const n = Number(speed);
    if (!Number.isFinite(n) || n <= 0 || n > 1_000_000) throw new UsageError(`--speed must be a number of simulated seconds per real second above 0 (got "${speed}")`);
    args.speed = n;
  }
  return args;
}

// ---------------------------------------------------------------------------------------------
// Output

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Whether a person can be asked (stdin is a terminal). */
  interactive: boolean;
  /** Asks on stderr; undefined when the person pressed Ctrl-C or closed the input. */
  ask(question: string): Promise<string | undefined>;
  env: Record<string, string | undefined>;
}

function processIo(): CliIo {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    interactive: process.stdin.isTTY === true,
    ask: (question) =>
      new Promise((resolve) => {
        const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY === true });
        let answered = false;
        // Ctrl-C at the question, or the end of the input (Ctrl-D), answers nothing.
        const finish = (answer: string | undefined) => {
          if (answered) return;
          answered = true;
          rl.close();
          resolve(answer);
        };
        rl.on('SIGINT', () => {
          process.stderr.write('\n');
          finish(undefined);
        });
        rl.on('close', () => finish(undefined));
        rl.question(question, (answer) => finish(answer));
      }),
    env: process.env,
  };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const sizesText = (s: Sizes) => `${s.min}/${s.max}/${s.desired}`;

const SEVERITY: Record<Finding['severity'], string> = { block: 'BLOCKS', warn: 'warning', info: 'info' };

/** The plan for a terminal: what the Slack plan message shows, as text. */
export function planText(plan: Plan): string {
  const { cluster, nodegroup } = plan.ref;
  const pods = plan.nodes.reduce((n, x) => n + x.pods, 0);
  const byAz = new Map<string, number>();
  for (const n of plan.nodes) byAz.set(n.az, (byAz.get(n.az) ?? 0) + 1);
  const lines = [
    `Upgrade ${cluster}/${nodegroup}: ${plan.fromVersion} → ${plan.toVersion} (AMI release ${plan.fromRelease} → ${plan.toRelease})`,
    `  cluster          ${cluster}, control plane ${plan.clusterVersion}`,
    `  node group       ${nodegroup}, ${plan.managed ? 'EKS managed' : 'self-managed'}, ${plan.amiType}, min/max/desired ${sizesText(plan.sizes)}`,
    `  strategy         ${plan.strategy === 'eks' ? 'eks (EKS replaces the nodes, mngbot watches)' : 'rolling (mngbot replaces the nodes)'}`,
    `  surge            ${plural(plan.surge, 'new node')}: ${surgeReasonWords(plan.surgeReason)}`,
    `  maxUnavailable   ${plan.maxUnavailable}`,
    `  drain timeout    ${formatDuration(plan.drainTimeoutMs)}${plan.force ? ', then force (--force)' : ', then ask'}`,
    `  estimated        about ${formatDuration(plan.estimatedMs)}`,
    '',
    `Nodes to replace: ${plan.nodes.length} (${plural(pods, 'pod')} to move${byAz.size ? `; ${[...byAz].map(([az, n]) => `${az} ${n}`).join(', ')}` : ''})`,
  ];
  if (plan.nodes.length === 0) lines.push('  none: nothing runs on the old image');
  const width = Math.max(0, ...plan.nodes.map((n) => n.name.length));
  for (const n of plan.nodes) {
    lines.push(`  ${n.name.padEnd(width)}  ${n.az.padEnd(11)}  ${n.instanceId.padEnd(19)}  ${n.version.padEnd(5)}  ${String(n.pods).padStart(3)} pods`);
  }
  lines.push('');
  if (plan.findings.length === 0) {
    lines.push('Preflight: no findings.');
  } else {
    const order = { block: 0, warn: 1, info: 2 } as const;
    lines.push(`Preflight findings (${plan.findings.length}):`);
    for (const f of [...plan.findings].sort((a, b) => order[a.severity] - order[b.severity])) {
      lines.push(`  ${SEVERITY[f.severity].padEnd(7)}  ${findingWords(f)} (${f.code})`);
    }
  }
  return lines.join('\n');
}

/** What a run that did not succeed left changed, in words. */
function changesText(run: Run): string[] {
  const changes = run.outcome?.changes ?? [];
  if (run.status === 'succeeded') return [];
  if (changes.length === 0) return [`${run.outcome?.summary ?? run.status}`, 'Nothing it changed stayed changed.'];
  return [run.outcome?.summary ?? run.status, 'What stayed changed:', ...changes.map((c) => `  - ${c}`)];
}

/** A report for a run on AWS: the simulator's report without what only the simulator can know. */
export interface RunReport {
  status: SimStatus;
  strategy: Strategy;
  nodes: { old: number; replaced: number; failed: number; skipped: number };
  surge: number;
  asg: { before: Sizes; after?: Sizes };
  podsEvicted: number;
  forcedDeletions: number;
  apiErrors: number;
  makespanSeconds: number;
}

function reportStatus(run: Run): SimStatus {
  return run.status === 'succeeded'
    ? 'succeeded'
    : run.status === 'cancelled' || run.status === 'aborted'
      ? 'cancelled'
      : run.status === 'needs-decision'
        ? 'blocked'
        : 'failed';
}

function nodeCounts(run: Run) {
  const old = run.nodes.filter((n) => n.role === 'old');
  return {
    old: old.length,
    replaced: old.filter((n) => n.state === 'terminated').length,
    failed: old.filter((n) => n.state === 'failed').length,
    skipped: old.filter((n) => n.state === 'skipped').length,
  };
}

const makespanSeconds = (run: Run, now: number) => Math.round(((run.finishedAt ?? now) - (run.startedAt ?? run.createdAt)) / 1000);

async function awsReport(nodeGroups: NodeGroups, run: Run, now: number): Promise<RunReport> {
  let after: Sizes | undefined;
  try {
    after = (await nodeGroups.describeNodegroup(run.ref)).sizes;
  } catch {
    // The report goes out without it; the run's own summary says what it put back.
  }
  return {
    status: reportStatus(run),
    strategy: run.strategy,
    nodes: nodeCounts(run),
    surge: run.plan.surge,
    asg: { before: run.original?.sizes ?? run.plan.sizes, ...(after ? { after } : {}) },
    podsEvicted: run.counters.podsEvicted,
    forcedDeletions: run.counters.forcedDeletions,
    apiErrors: run.counters.apiErrors,
    makespanSeconds: makespanSeconds(run, now),
  };
}

export function runReportText(r: RunReport): string {
  const sizes = (s: Sizes) => `min ${s.min} max ${s.max} desired ${s.desired}`;
  return [
    `status ${r.status} (${r.strategy}): ${r.nodes.replaced} of ${r.nodes.old} nodes replaced, ${r.nodes.skipped} skipped, ${r.nodes.failed} failed; surge ${r.surge}`,
    `asg before ${sizes(r.asg.before)}, after ${r.asg.after ? sizes(r.asg.after) : 'unknown (could not read the group)'}`,
    `pods evicted ${r.podsEvicted}, forced deletions ${r.forcedDeletions}, API errors ${r.apiErrors}; took ${formatDuration(r.makespanSeconds * 1000)}`,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Plumbing: logs, the store, and moving simulated time

/** Engine and adapter logs as plain lines on stderr; warnings and errors unless MNG_LOG_LEVEL asks for more. */
function textLogger(level: LogLevel, write: (line: string) => void, base: LogFields = {}): Logger {
  const at = (l: LogLevel) => LOG_LEVELS.indexOf(l) >= LOG_LEVELS.indexOf(level);
  const line = (l: LogLevel, msg: string, fields?: LogFields) => {
    if (!at(l)) return;
    const all = { ...base, ...fields };
    const extra = Object.entries(all)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : v instanceof Error ? v.message : JSON.stringify(v)}`)
      .join(' ');
    write(`mngbot ${l}: ${msg}${extra ? ` (${extra})` : ''}`);
  };
  return {
    level,
    debug: (m, f) => line('debug', m, f),
    info: (m, f) => line('info', m, f),
    warn: (m, f) => line('warn', m, f),
    error: (m, f) => line('error', m, f),
    child: (fields) => textLogger(level, write, { ...base, ...fields }),
  };
}

/** The store, with its calls in flight counted, so simulated time waits for file writes. */
function trackedStore(store: RunStore): { store: RunStore; settled(): Promise<void> | undefined } {
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    const done = () => inFlight.delete(p);
    p.then(done, done);
    return p;
  };
  const wrapped: RunStore = {
    get: (id) => track(store.get(id)),
    list: (filter) => track(store.list(filter)),
    create: (run) => track(store.create(run)),
    save: (run, events) => track(store.save(run, events)),
    events: (id, limit) => track(store.events(id, limit)),
    audit: (entry) => track(store.audit(entry)),
    auditLog: (limit) => track(store.auditLog(limit)),
  };
  return {
    store: wrapped,
    settled: () => (inFlight.size ? Promise.allSettled([...inFlight]).then(() => undefined) : undefined),
  };
}

const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Waits for conditions while time moves: a virtual clock is moved timer by timer, a real one is watched. */
interface Driver {
  /** 'idle': simulated time has nothing left to do and the condition still does not hold. */
  until(done: () => boolean): Promise<'done' | 'idle'>;
  settle<T>(promise: Promise<T>): Promise<T>;
  /** Something changed: look at the condition again now. */
  wake(): void;
}

function virtualDriver(clock: VirtualClock, settledStore: () => Promise<void> | undefined): Driver {
  const until = async (done: () => boolean): Promise<'done' | 'idle'> => {
    for (;;) {
      await macrotask();
      if (done()) return 'done';
      const writes = settledStore();
      if (writes) {
        await writes;
        continue;
      }
      if (!clock.advance()) return 'idle';
    }
  };
  return {
    until,
    async settle<T>(promise: Promise<T>): Promise<T> {
      let finished = false;
      const tracked = promise.finally(() => {
        finished = true;
      });
      tracked.catch(() => {});
      await until(() => finished);
      return tracked;
    },
    wake() {},
  };
}

function realDriver(): Driver {
  let wake: (() => void) | undefined;
  return {
    async until(done) {
      while (!done()) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 1000);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
      return 'done';
    },
    settle: (promise) => promise,
    wake: () => wake?.(),
  };
}

function cliUser(env: Record<string, string | undefined>): string {
  let name: string | undefined;
  try {
    name = userInfo().username;
  } catch {
    name = env.USER ?? env.USERNAME;
  }
  return `cli:${name || 'unknown'}`;
}

// ---------------------------------------------------------------------------------------------
// plan and upgrade

interface Session {
  world: OpenedWorld;
  engine: Engine;
  store: RunStore;
  driver: Driver;
  /** What the command line asks for (plan and upgrade; resume names a run instead). */
  request?: UpgradeRequest;
  user: string;
  dataFile?: string;
  close(): Promise<void>;
}

async function openSession(args: Partial<TargetArgs> & Partial<UpgradeArgs>, io: CliIo, opts: { keepRuns: boolean }): Promise<Session> {
  const env = io.env;
  const worldName = env.MNG_WORLD?.trim() || 'sim';
  if (worldName === 'sim' && (args.context || args.kubeconfig)) {
    throw new UsageError(`--${args.context ? 'context' : 'kubeconfig'} is for MNG_WORLD=aws; the simulator has its own Kubernetes`);
  }
  if (worldName === 'aws' && (args.scenario || args.speed !== undefined)) {
    throw new UsageError(`--${args.scenario ? 'scenario' : 'speed'} is for the simulator; MNG_WORLD is aws`);
  }
  let config: Config;
  try {
    config = await loadConfig({
      env: { ...env, ...(worldName === 'sim' ? { MNG_SCENARIO: args.scenario ?? (env.MNG_SCENARIO?.trim() || DEFAULT_SCENARIO) } : {}) },
    });
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`configuration: ${err.message}`);
    throw err;
  }
  const level = (LOG_LEVELS as readonly string[]).includes(env.MNG_LOG_LEVEL?.trim() ?? '') ? config.logLevel : 'warn';
  const log = textLogger(level, io.err);

  // A cluster named on the command line needs no configuration file, only a region (AWS_REGION).
  const clusters = config.world.kind === 'aws' && config.clusters.length === 0 && args.cluster ? [{ name: args.cluster }] : config.clusters;
  if (config.world.kind === 'aws' && clusters.length === 0) {
    throw new UsageError('which cluster? name it with --cluster (its region comes from AWS_REGION), or list clusters in the file MNG_CONFIG names');
  }
  const virtual = config.world.kind === 'sim' && args.speed === undefined ? new VirtualClock() : undefined;
  const world = await openWorld(
    {
      world: config.world.kind === 'sim' && args.speed !== undefined ? { ...config.world, simSpeed: args.speed } : config.world,
      clusters,
    },
    {
      ...(virtual ? { clock: virtual } : {}),
      kube: { ...(args.context ? { context: args.context } : {}), ...(args.kubeconfig ? { kubeconfig: args.kubeconfig } : {}) },
      env,
      log,
    },
  );

  let lowdb: LowdbRunStore | undefined;
  const dataDir = args.dataDir ?? (env.MNG_DATA_DIR?.trim() || undefined);
  try {
    if (dataDir !== undefined && opts.keepRuns) {
      lowdb = await LowdbRunStore.open({
        dataDir,
        runRetentionDays: config.retention.runDays,
        auditRetentionDays: config.retention.auditDays,
        now: () => world.clock.now(),
        log: (m) => io.err(`mngbot: ${m}`),
      });
    }
  } catch (err) {
    await world.close();
    throw err;
  }
  const base: RunStore = lowdb ?? new MemoryRunStore();
  const tracked = trackedStore(base);
  const store = tracked.store;
  const driver = virtual ? virtualDriver(virtual, tracked.settled) : realDriver();
  const engineLog: EngineLog = log.child({ component: 'engine' });
  const engine = new Engine({
    nodeGroups: world.nodeGroups,
    clusterFor: (c) => world.clusterFor(c),
    store,
    clock: world.clock,
    // Whoever holds the credentials this command runs with is the approver: there is nobody else to ask.
    policy: { isApprover: () => true, allowSelfApproval: true },
    // A paced simulator runs faster than people answer: the approval expiry is meant in real minutes.
    defaults: { ...config.defaults, approvalExpiryMs: config.defaults.approvalExpiryMs * (args.speed ?? 1) },
    log: engineLog,
  });
  const close = async () => {
    await engine.stop();
    await lowdb?.close();
    await world.close();
  };
  const session = { world, engine, store, driver, user: cliUser(env), ...(lowdb ? { dataFile: lowdb.file } : {}), close };
  if (args.to === undefined) return session;
  let ref: GroupRef;
  try {
    ref = await driver.settle(new Targets(world.clusters, world.nodeGroups).resolve({ cluster: args.cluster, nodegroup: args.nodegroup }));
  } catch (err) {
    await close();
    throw err;
  }
  const request: UpgradeRequest = {
    ref,
    version: args.to,
    ...(args.releaseVersion ? { releaseVersion: args.releaseVersion } : {}),
    ...(args.strategy ? { strategy: args.strategy } : {}),
    ...(args.maxUnavailable ? { maxUnavailable: args.maxUnavailable } : {}),
    ...(args.surge ? { surge: args.surge } : {}),
    ...(args.drainTimeoutMs ? { drainTimeoutMs: args.drainTimeoutMs } : {}),
    ...(args.force ? { force: true } : {}),
  };
  return { ...session, request };
}

function refusal(plan: Plan): string {
  const blockers = blockingFindings(plan);
  const { hint } = refusalWords(new PlanRefusedError(plan));
  return `this upgrade cannot be approved: ${blockers.map((f) => `${findingWords(f)} (${f.code})`).join('; ')}\n${hint}`;
}

async function planCommand(args: TargetArgs, io: CliIo): Promise<number> {
  const s = await openSession(args, io, { keepRuns: false });
  try {
    const plan = await s.driver.settle(s.engine.plan(s.request!));
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

function describeTarget(r: UpgradeRequest): string {
  return [
    `--cluster ${r.ref.cluster} --nodegroup ${r.ref.nodegroup} --to ${r.version}`,
    r.releaseVersion ? `--release-version ${r.releaseVersion}` : '',
    r.strategy ? `--strategy ${r.strategy}` : '',
    r.maxUnavailable ? `--max-unavailable ${r.maxUnavailable}` : '',
    r.surge ? `--surge ${r.surge}` : '',
    r.drainTimeoutMs ? `--drain-timeout ${Math.round(r.drainTimeoutMs / 1000)}s` : '',
    r.force ? '--force' : '',
  ]
    .filter(Boolean)
    .join(' ');
}

async function upgradeCommand(args: UpgradeArgs, io: CliIo): Promise<number> {
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
  const { engine, driver } = s;
  const request = s.request!;
  const actor = (): Actor => ({ user: s.user, at: s.world.clock.now() });

  const recorded = await driver.settle(recordedRun(s));
  if (recorded && !sameTarget(recorded, request)) {
    io.err(
      `mngbot upgrade: not started: ${recorded.ref.cluster}/${recorded.ref.nodegroup} already has run ${recorded.id} (${recorded.status}) to ${recorded.plan.toVersion} (${recorded.plan.toRelease}), ` +
        `recorded in ${s.dataFile}. Continue it with "mngbot resume ${recorded.id}", or let it finish first.`,
    );
    return EXIT_FAILED;
  }
  if (recorded && recorded.status !== 'awaiting-approval') {
    io.err(`mngbot: continuing run ${recorded.id}, recorded in ${s.dataFile} (${recorded.status}, phase ${recorded.phase}): it is not started again`);
    return follow(s, recorded, args, io, 'resume');
  }

  if (!args.yes && !io.interactive) {
    // Show what would have happened, then refuse: nobody is there to say yes.
    const plan = recorded?.plan ?? (await driver.settle(engine.plan(request)));
    io.out(args.json ? JSON.stringify({ kind: 'plan', plan }) : planText(plan));
    io.err(
      'mngbot upgrade: not started: stdin is not a terminal, so nobody can confirm. ' +
        'Add --yes to upgrade without asking (CI), or run "mngbot plan" to only look.',
    );
    return EXIT_USAGE;
  }

  let run: Run;
  if (recorded) {
    // Asked before and never answered (the command stopped at the question): the same request, asked again.
    run = recorded;
  } else {
    try {
      run = await driver.settle(engine.requestUpgrade(request, actor()));
    } catch (err) {
      if (err instanceof PlanRefusedError) {
        io.out(args.json ? JSON.stringify({ kind: 'plan', plan: err.plan }) : planText(err.plan));
        io.err(`mngbot upgrade: not started: ${refusal(err.plan)}`);
        return EXIT_FAILED;
      }
      throw err;
    }
  }
  io.out(args.json ? JSON.stringify({ kind: 'plan', runId: run.id, plan: run.plan }) : planText(run.plan));

  if (!args.yes) {
    const answer = await io.ask(`\nUpgrade ${plural(run.plan.nodes.length, 'node')} of ${run.ref.cluster}/${run.ref.nodegroup} to ${run.plan.toRelease}. Proceed? [y/N] `);
    if (!/^\s*y(es)?\s*$/i.test(answer ?? '')) {
      await driver.settle(engine.cancel(run.id, actor()));
      io.err('mngbot upgrade: not started; nothing was changed.');
      return EXIT_FAILED;
    }
  }
  return follow(s, run, args, io, 'approve');
}

async function resumeCommand(runId: string, args: Partial<UpgradeArgs>, io: CliIo): Promise<number> {
  const s = await openSession(args, io, { keepRuns: true });
  try {
    if (!s.dataFile) throw new UsageError('which data directory records the run? give --data-dir DIR, or set MNG_DATA_DIR');
    const run = await s.driver.settle(s.engine.get(runId));
    if (!run) {
      const known = (await s.driver.settle(s.engine.list())).slice(0, 5).map((r) => `${r.id} (${r.ref.cluster}/${r.ref.nodegroup}, ${r.status})`);
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
async function follow(s: Session, run: Run, args: Pick<UpgradeArgs, 'decide' | 'json' | 'yes'>, io: CliIo, how: 'approve' | 'resume'): Promise<number> {
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
    if (how === 'approve') await driver.settle(engine.approve(run.id, actor()));
    else await driver.settle(engine.start());
    if (s.dataFile && !args.json) io.err(`mngbot: run ${run.id} is recorded in ${s.dataFile}`);

    for (;;) {
      const outcome = await driver.until(() => isTerminal(status) || (status === 'needs-decision' && !asked) || cancelWanted);
      if (cancelWanted) {
        cancelWanted = false;
        try {
          await driver.settle(engine.cancel(run.id, actor()));
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
          await driver.settle(engine.decide(run.id, current.decision.node, choice, actor()));
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
  const blockers = d.blockers.map((b) => `${b.pod}${b.pdb ? ` (PDB ${b.pdb})` : ''}: ${b.reason}`);
  const what = `the drain of ${d.node} is blocked by ${blockers.length ? blockers.join('; ') : 'pods that cannot be evicted'}`;
  if (args.decide) {
    io.err(`mngbot: ${what}; --decide ${args.decide}`);
    return args.decide;
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

// ---------------------------------------------------------------------------------------------
// Entry

const HELP: Record<string, string> = { plan: PLAN_USAGE, upgrade: UPGRADE_USAGE, resume: RESUME_USAGE, sim: SIM_USAGE.replace('npm run sim --', 'mngbot sim') };

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
      io.err(`mngbot help: there is no command "${topic}"; the commands are plan, upgrade and sim`);
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
  if (command !== 'plan' && command !== 'upgrade' && command !== 'resume') {
    io.err(`mngbot: unknown command "${command}"; the commands are plan, upgrade, resume and sim (mngbot --help)`);
    return EXIT_USAGE;
  }

  let json = false;
  try {
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
      io.err(command === 'resume' ? RESUME_USAGE.split('\n')[0] : `usage: mngbot ${command} ${command === 'plan' ? TARGET_USAGE : `${TARGET_USAGE} [--yes] [--decide force|skip|abort] [--data-dir DIR] [--speed N]`}`);
      io.err(`(mngbot ${command} --help explains every option)`);
      return EXIT_USAGE;
    }
    const known = err instanceof UserError || err instanceof DataFileError;
    const words = err instanceof UserError ? refusalWords(err) : { message: errorMessage(err) };
    const message = words.message;
    const hint = words.hint && !message.includes(words.hint) ? ` (${words.hint})` : '';
    if (json) io.out(JSON.stringify({ kind: 'error', message, ...(words.hint ? { hint: words.hint } : {}) }));
    io.err(`mngbot ${command}: ${message}${hint}`);
    if (!known && err instanceof Error && err.stack && io.env.MNG_LOG_LEVEL === 'debug') io.err(err.stack);
    return EXIT_FAILED;
  }
}

/** Exits once stdout and stderr have taken everything written to them. */
function exitSoon(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
  // Streams that never drain (a closed pipe) must not keep us here.
  setTimeout(() => process.exit(code), 2000).unref();
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
