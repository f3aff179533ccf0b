// The options of an upgrade, defined once for every front end: each option's name, kind, example and
// rule. Slack (slack/grammar.ts) tokenises /mng text its own way, the command lines (cli.ts,
// sim-cli.ts) go through node:util parseArgs with the table below; both then read the values here, so
// the same input is accepted or refused the same way, with the same message, wherever it is typed.
import { parseArgs } from 'node:util';
import { isBareNumber, readDurationMs } from '../engine/duration.js';
import { UserError } from '../engine/errors.js';
import type { GroupRef } from '../engine/ports.js';
import type { DecisionChoice, MaxUnavailable, Strategy, UpdateStrategy, UpgradeRequest } from '../engine/run.js';
import { isKubeVersion, NAME, NAME_RULE, RELEASE, RELEASE_EXAMPLE, VERSION_FORMS } from './names.js';

/** An option typed wrong: the message says what and how to fix it; a front end may add its usage line. */
export class OptionError extends UserError {
  override name = 'OptionError';
}

/** Values are echoed in messages; a long one is cut, as Slack would show a wall of text. */
export const quote = (s: string): string => `"${s.length > 60 ? `${s.slice(0, 57)}…` : s}"`;

/**
 * A drain timeout from 10 s to 24 h. Below 10 s no eviction finishes; above a day a stuck drain is
 * forgotten rather than asked about.
 */
export const MIN_DRAIN_TIMEOUT_MS = 10_000;
export const MAX_DRAIN_TIMEOUT_MS = 24 * 3_600_000;
const MAX_SPEED = 1_000_000;

interface ValueOption<T> {
  type: 'string';
  example: string;
  short?: string;
  /** The value as typed → the value, or an OptionError; `flag` is how to name it ("--surge"). */
  read(text: string, flag: string): T;
}
interface SwitchOption {
  type: 'boolean';
  short?: string;
}
type OptionSpec = ValueOption<unknown> | SwitchOption;

const valueOf = <T>(example: string, read: (text: string, flag: string) => T): ValueOption<T> => ({ type: 'string', example, read });
const text = (example: string) => valueOf(example, (t) => t);
const onOff = (short?: string): SwitchOption => ({ type: 'boolean', ...(short ? { short } : {}) });

function kubeVersion(text: string, flag: string): string {
  if (!isKubeVersion(text)) throw new OptionError(`${flag}: ${quote(text)} is not a Kubernetes version: ${VERSION_FORMS}`);
  return text;
}

function groupName(what: string) {
  return (text: string, flag: string): string => {
    if (!NAME.test(text)) throw new OptionError(`${flag} ${quote(text)} is not ${what} name: use ${NAME_RULE}`);
    return text;
  };
}

function release(text: string, flag: string): string {
  if (!RELEASE.test(text)) throw new OptionError(`${flag} ${quote(text)} is not an AMI release version, e.g. ${RELEASE_EXAMPLE}`);
  return text;
}

function oneOf<T extends string>(allowed: readonly T[]) {
  return (text: string, flag: string): T => {
    const v = text.toLowerCase() as T;
    if (!allowed.includes(v)) throw new OptionError(`${flag} must be ${allowed.join(' or ')} (got ${quote(text)})`);
    return v;
  };
}

function wholeNumber(min: number, max: number) {
  return (text: string, flag: string): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text)) throw new OptionError(`${flag} must be a whole number from ${min} to ${max} (got ${quote(text)})`);
    if (n < min || n > max) throw new OptionError(`${flag} ${text} is out of range: it must be from ${min} to ${max}`);
    return n;
  };
}

/** A number of nodes, or a share of the old nodes as EKS's maxUnavailablePercentage: the plan counts it. */
function maxUnavailable(text: string, flag: string): MaxUnavailable {
  if (!text.endsWith('%')) return wholeNumber(1, 100)(text, flag);
  const digits = text.slice(0, -1);
  const n = Number(digits);
  if (!/^\d+$/.test(digits)) {
    throw new OptionError(`${flag} as a percentage must be a whole number from 1% to 100% of the old nodes (got ${quote(text)})`);
  }
  if (n < 1 || n > 100) throw new OptionError(`${flag} ${text} is out of range: it must be from 1% to 100% of the old nodes`);
  return `${n}%`;
}

function drainTimeout(text: string, flag: string): number {
  const t = text.trim();
  const ms = isBareNumber(t) && Number(t) === 0 ? 0 : readDurationMs(t);
  if (ms === undefined) {
    throw new OptionError(
      isBareNumber(t)
        ? `${flag} ${quote(text)} is a number, not a duration: write ${t}m for minutes or ${t}s for seconds`
        : `${flag} ${quote(text)} is not a duration: write it like 90s, 15m or 1h30m`,
    );
  }
  if (ms < MIN_DRAIN_TIMEOUT_MS || ms > MAX_DRAIN_TIMEOUT_MS) throw new OptionError(`${flag} must be from 10s to 24h (got ${quote(text)})`);
  return ms;
}

/** The health gate's bake: 0 (none) to 24 h. */
export const MAX_BAKE_MS = 24 * 3_600_000;

function bake(text: string, flag: string): number {
  const t = text.trim();
  const ms = isBareNumber(t) && Number(t) === 0 ? 0 : readDurationMs(t);
  if (ms === undefined) {
    throw new OptionError(
      isBareNumber(t)
        ? `${flag} ${quote(text)} is a number, not a duration: write ${t}m for minutes or ${t}s for seconds, or use --no-bake`
        : `${flag} ${quote(text)} is not a duration: write it like 90s, 5m or 1h, or use --no-bake`,
    );
  }
  if (ms > MAX_BAKE_MS) throw new OptionError(`${flag} must be from 0 to 24h (got ${quote(text)})`);
  return ms;
}

/** 0 (none) to 1 h: longer than any load balancer's deregistration delay worth waiting for. */
export const MAX_DEREGISTRATION_WAIT_MS = 3_600_000;

function deregistrationWait(text: string, flag: string): number {
  const t = text.trim();
  const ms = isBareNumber(t) && Number(t) === 0 ? 0 : readDurationMs(t);
  if (ms === undefined) {
    throw new OptionError(
      isBareNumber(t)
        ? `${flag} ${quote(text)} is a number, not a duration: write ${t}s for seconds, or 0 for no wait`
        : `${flag} ${quote(text)} is not a duration: write it like 60s, 5m, or 0 for no wait`,
    );
  }
  if (ms > MAX_DEREGISTRATION_WAIT_MS) throw new OptionError(`${flag} must be from 0 to 1h (got ${quote(text)})`);
  return ms;
}

function speed(text: string, flag: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0) throw new OptionError(`${flag} must be a number above 0 (got ${quote(text)})`);
  if (n > MAX_SPEED) throw new OptionError(`${flag} must be at most ${MAX_SPEED} simulated seconds per real second (got ${quote(text)})`);
  return n;
}

function port(text: string, flag: string): number {
  const n = Number(text);
  if (!/^\d{1,5}$/.test(text) || n < 1 || n > 65535) throw new OptionError(`${flag} must be a port number from 1 to 65535 (got ${quote(text)})`);
  return n;
}

/** Every option of mngbot's front ends; each front end accepts the ones that make sense there. */
export const OPTIONS = {
  // What to upgrade, and how: Slack and the command lines.
  to: valueOf('1.30', kubeVersion),
  cluster: valueOf('prod-eu', groupName('a cluster')),
  nodegroup: valueOf('workers', groupName('a node group')),
  'release-version': valueOf(RELEASE_EXAMPLE, release),
  strategy: valueOf('rolling', oneOf<Strategy>(['rolling', 'eks'])),
  /** EKS's updateStrategy: default (surge first) or minimal (terminate first, no surge). */
  'update-strategy': valueOf('minimal', oneOf<UpdateStrategy>(['default', 'minimal'])),
  'max-unavailable': valueOf('2', maxUnavailable),
  surge: valueOf('3', wholeNumber(1, 100)),
  'drain-timeout': valueOf('15m', drainTimeout),
  /** Between cordon and terminate, for load balancers to deregister the node (rolling; EKS keeps its own 60 s). */
  'deregistration-wait': valueOf('60s', deregistrationWait),
  /** The health gate's bake after the canary (rolling; 5 minutes when not given). */
  bake: valueOf('5m', bake),
  /** No bake after the canary: the health gate still watches before every drain. */
  'no-bake': onOff(),
  force: onOff(),
  /** Run outside the node group's maintenance windows (still after an approval). */
  now: onOff(),
  // The command lines only.
  decide: valueOf('abort', oneOf<DecisionChoice>(['force', 'skip', 'abort', 'continue', 'rollback'])),
  speed: valueOf('60', speed),
  'serve-kube': valueOf('8080', port),
  json: onOff(),
  quiet: onOff(),
  yes: onOff('y'),
  help: onOff('h'),
  scenario: text('scenarios/demo.json'),
  context: text('my-cluster'),
  kubeconfig: text('~/.kube/config'),
  'data-dir': text('./data'),
} satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;
export type OptionValue<K extends OptionName> = (typeof OPTIONS)[K] extends ValueOption<infer T> ? T : true;
/** Read and checked; a switch is present only when on. */
export type OptionValues = { [K in OptionName]?: OptionValue<K> };
/** As typed: a value option's text, a switch's on or off. */
export type RawOptions = { [K in OptionName]?: string | boolean };

export const isOptionName = (name: string): name is OptionName => Object.hasOwn(OPTIONS, name);

// The mistakes in how options are written, worded once.

export function unknownOption(typed: string, known: readonly string[]): OptionError {
  if (!typed.startsWith('--')) return new OptionError(`${quote(typed)} is not an option; options start with "--"`);
  const name = typed.slice(2);
  const near = name.length >= 2 ? known.find((k) => k.startsWith(name) || name.startsWith(k)) : undefined;
  return new OptionError(`unknown option ${quote(typed)}${near ? ` (did you mean --${near}?)` : ''}`);
}

/** `example` when `name` is a spelling OPTIONS does not have (Slack's --at, eksctl's --name). */
export function missingValue(name: string, opts: { afterEquals?: boolean; example?: string } = {}): OptionError {
  const example = opts.example ?? (isOptionName(name) && OPTIONS[name].type === 'string' ? OPTIONS[name].example : undefined);
  const eg = example === undefined ? '' : `, e.g. --${name}${opts.afterEquals ? '=' : ' '}${example}`;
  return new OptionError(`--${name} needs a value${opts.afterEquals ? ' after "="' : ''}${eg}`);
}

export function givenTwice(name: string, first: string, second: string): OptionError {
  return new OptionError(`--${name} is given twice (${quote(first)} and ${quote(second)})`);
}

export function switchWithValue(name: string): OptionError {
  return new OptionError(`--${name} takes no value: it is a switch; give it alone, or as --${name}=true|false`);
}

/** `--force=true` is `--force`, `--force=false` is no --force; anything else is a mistake. */
export function switchValue(name: string, value: string): boolean {
  const v = value.toLowerCase();
  if (v !== 'true' && v !== 'false') throw switchWithValue(name);
  return v === 'true';
}

/**
 * Checks each value against its option's rule, in the table's order, so the first mistake named is the
 * same everywhere. `labels`: how an option was written when not as --name (Slack's --kubernetes-version).
 */
export function readOptionValues(raw: RawOptions, labels: Partial<Record<OptionName, string>> = {}): OptionValues {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(OPTIONS) as [OptionName, OptionSpec][]) {
    const v = raw[name];
    if (v === undefined || v === false) continue;
    if (spec.type === 'boolean') {
      out[name] = true;
      continue;
    }
    if (typeof v !== 'string' || v.trim() === '') throw missingValue(name);
    out[name] = spec.read(v, labels[name] ?? `--${name}`);
  }
  return out as OptionValues;
}

/**
 * A command line's options through node:util parseArgs, strict, with the table above. Before it, two
 * readings Slack's grammar has too: `--surge -1` is --surge's value (a mistake to name, not a missing
 * value), and a switch may be written `--force=true|false`. Its own errors are worded as Slack's are.
 */
export function parseOptionArgs(args: readonly string[], names: readonly OptionName[]): { raw: RawOptions; positionals: string[] } {
  const options = Object.fromEntries(names.map((n) => [n, { type: OPTIONS[n].type, ...(OPTIONS[n].short ? { short: OPTIONS[n].short } : {}) }]));
  const prepared = prepare(args, names);
  let parsed;
  try {
    parsed = parseArgs({ args: prepared, options, strict: true, allowPositionals: true, tokens: true });
  } catch (err) {
    throw explain(err, prepared, options, names);
  }
  const seen = new Map<string, string>();
  for (const t of parsed.tokens) {
    if (t.kind !== 'option') continue;
    if (t.inlineValue && t.value === '') throw missingValue(t.name, { afterEquals: true });
    const value = t.value ?? 'true';
    const before = seen.get(t.name);
    if (before !== undefined && before !== value) throw givenTwice(t.name, before, value);
    seen.set(t.name, value);
  }
  return { raw: parsed.values as RawOptions, positionals: parsed.positionals };
}

function prepare(args: readonly string[], names: readonly OptionName[]): string[] {
  const out: string[] = [];
  const switches = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      out.push(...args.slice(i));
      break;
    }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') ? arg.slice(2, eq === -1 ? undefined : eq) : '';
    const spec = names.includes(name as OptionName) ? OPTIONS[name as OptionName] : undefined;
    const next = args[i + 1];
    if (spec?.type === 'string' && eq === -1 && next !== undefined && next.startsWith('-') && !next.startsWith('--')) {
      out.push(`${arg}=${next}`);
      i++;
    } else if (spec?.type === 'boolean') {
      const on = eq === -1 || switchValue(name, arg.slice(eq + 1));
      const before = switches.get(name);
      if (before !== undefined && before !== String(on)) throw givenTwice(name, before, String(on));
      switches.set(name, String(on));
      if (on) out.push(`--${name}`);
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** parseArgs' refusal in our words: the non-strict tokens show which argument it was. */
function explain(err: unknown, args: string[], options: Record<string, { type: 'string' | 'boolean' }>, names: readonly OptionName[]): Error {
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    const spec = Object.hasOwn(options, t.name) ? options[t.name] : undefined;
    if (!spec) return unknownOption(t.rawName, names);
    if (spec.type === 'string' && (t.value === undefined || (!t.inlineValue && t.value.startsWith('-')))) return missingValue(t.name);
    if (spec.type === 'boolean' && t.value !== undefined) return switchWithValue(t.name);
  }
  return err instanceof Error ? new OptionError(err.message) : new OptionError(String(err));
}

// From values to an upgrade.

/** What an upgrade was asked for with, read and checked; the same from Slack, the CLI and a schedule. */
export type UpgradeOptions = Omit<UpgradeRequest, 'ref' | 'force'> & {
  cluster?: string;
  nodegroup?: string;
  force: boolean;
  /** --now: run outside the node group's maintenance windows (still after an approval). Present only when given. */
  now?: true;
};

/** The options that say how, not what version: a schedule takes them without a version. */
export type UpgradeSettings = Pick<
  UpgradeOptions,
  'cluster' | 'nodegroup' | 'releaseVersion' | 'maxUnavailable' | 'surge' | 'strategy' | 'updateStrategy' | 'drainTimeoutMs' | 'deregistrationWaitMs' | 'bakeMs'
>;

export function upgradeSettings(values: OptionValues): UpgradeSettings {
  const out: UpgradeSettings = {};
  if (values.cluster !== undefined) out.cluster = values.cluster;
  if (values.nodegroup !== undefined) out.nodegroup = values.nodegroup;
  if (values['release-version'] !== undefined) out.releaseVersion = values['release-version'];
  if (values['max-unavailable'] !== undefined) out.maxUnavailable = values['max-unavailable'];
  if (values.surge !== undefined) out.surge = values.surge;
  if (values.strategy !== undefined) out.strategy = values.strategy;
  if (values['update-strategy'] !== undefined) out.updateStrategy = values['update-strategy'];
  if (values['drain-timeout'] !== undefined) out.drainTimeoutMs = values['drain-timeout'];
  if (values['deregistration-wait'] !== undefined) out.deregistrationWaitMs = values['deregistration-wait'];
  if (values.bake !== undefined && values['no-bake']) throw new OptionError('--bake and --no-bake contradict each other: give one');
  if (values.bake !== undefined) out.bakeMs = values.bake;
  if (values['no-bake']) out.bakeMs = 0;
  return out;
}

export function upgradeOptions(values: OptionValues): UpgradeOptions {
  if (values.to === undefined) throw new OptionError('--to is required: the Kubernetes version to upgrade to, e.g. --to 1.30');
  return { version: values.to, ...upgradeSettings(values), force: values.force === true, ...(values.now ? { now: true as const } : {}) };
}

/** The one way from what a person asked for to the engine's request, once the node group is known. */
export function toUpgradeRequest(ref: GroupRef, o: Omit<UpgradeOptions, 'now'>): UpgradeRequest {
  return {
    ref,
    version: kubeVersion(o.version, '--to'),
    ...(o.releaseVersion !== undefined ? { releaseVersion: o.releaseVersion } : {}),
    ...(o.maxUnavailable !== undefined ? { maxUnavailable: o.maxUnavailable } : {}),
    ...(o.surge !== undefined ? { surge: o.surge } : {}),
    ...(o.strategy !== undefined ? { strategy: o.strategy } : {}),
    ...(o.updateStrategy !== undefined ? { updateStrategy: o.updateStrategy } : {}),
    ...(o.drainTimeoutMs !== undefined ? { drainTimeoutMs: o.drainTimeoutMs } : {}),
    ...(o.deregistrationWaitMs !== undefined ? { deregistrationWaitMs: o.deregistrationWaitMs } : {}),
    ...(o.bakeMs !== undefined ? { bakeMs: o.bakeMs } : {}),
    ...(o.force ? { force: true } : {}),
  };
}
