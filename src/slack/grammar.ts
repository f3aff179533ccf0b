// /mng text → a typed command, or a usage error that quotes the input. Pure: it starts nothing,
// looks nothing up, and never throws, whatever it is given.
import type { Strategy } from '../engine/run.js';

export interface UpgradeOptions {
  /** As typed: 1.30, v1.30 or 1.30.4. */
  version: string;
  cluster?: string;
  nodegroup?: string;
  releaseVersion?: string;
  maxUnavailable?: number;
  surge?: number;
  strategy?: Strategy;
  drainTimeoutMs?: number;
  force: boolean;
  dryRun: boolean;
}

export type MngCommand =
  | { kind: 'help'; topic?: 'upgrade' | 'status' | 'cancel' | 'list' }
  | { kind: 'list' }
  | { kind: 'status'; runId?: string }
  | { kind: 'cancel'; runId: string }
  | { kind: 'upgrade'; options: UpgradeOptions };

export type ParseResult =
  | { ok: true; command: MngCommand }
  | { ok: false; input: string; error: string; usage: string };

export const USAGE = {
  help: '/mng help',
  list: '/mng list',
  upgrade:
    '/mng upgrade nodegroup <version> [--cluster C] [--nodegroup N] [--release-version R] [--max-unavailable K] [--surge S] ' +
    '[--strategy rolling|eks] [--drain-timeout 20m] [--force] [--dry-run]',
  upgradeEksctl: '/mng upgrade nodegroup --name=N --cluster=C --kubernetes-version=1.30',
  status: '/mng status [RUN-ID]',
  cancel: '/mng cancel RUN-ID',
} as const;

export const ALL_USAGE = [USAGE.help, USAGE.list, USAGE.upgrade, USAGE.upgradeEksctl, USAGE.status, USAGE.cancel].join('\n');

const MAX_INPUT = 2000;
const VERSION = /^v?1\.\d{1,2}(\.\d{1,3})?$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
/** AL2/AL2023 "1.30.0-20240625", Bottlerocket "1.20.3-5d4ec6a7". */
const RELEASE = /^\d+\.\d+\.\d+-[0-9a-z]{6,16}$/;
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const DURATION = /^(\d{1,4}h)?(\d{1,5}m)?(\d{1,6}s)?$/;
const MAX_DRAIN_TIMEOUT_MS = 24 * 3_600_000;

type OptionKey =
  | 'cluster'
  | 'nodegroup'
  | 'version'
  | 'releaseVersion'
  | 'maxUnavailable'
  | 'surge'
  | 'strategy'
  | 'drainTimeout'
  | 'force'
  | 'dryRun';

/** Every spelling we accept, ours and eksctl's, to the option it means. */
const OPTIONS: Record<string, { key: OptionKey; flag?: true }> = {
  cluster: { key: 'cluster' },
  nodegroup: { key: 'nodegroup' },
  name: { key: 'nodegroup' },
  'kubernetes-version': { key: 'version' },
  'release-version': { key: 'releaseVersion' },
  'max-unavailable': { key: 'maxUnavailable' },
  surge: { key: 'surge' },
  strategy: { key: 'strategy' },
  'drain-timeout': { key: 'drainTimeout' },
  force: { key: 'force', flag: true },
  'force-upgrade': { key: 'force', flag: true },
  'dry-run': { key: 'dryRun', flag: true },
};

class UsageError {
  constructor(
    readonly error: string,
    readonly usage: string,
  ) {}
}

/** What Slack clients do to typed text: HTML entities, long dashes for "--", curly quotes. */
export function normalise(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/[\u2014\u2013\u2212]/g, '--')
    .replace(/----/g, '--')
    .replace(/[\u201c\u201d\u2018\u2019]/g, '"')
    .replace(/[\u00a0\u2000-\u200b\u202f\u3000]/g, ' ')
    .trim();
}

/** Splits on whitespace; "double quotes" keep spaces (only useful to quote back an error). */
function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (const m of text.matchAll(re)) tokens.push(m[1] ?? m[2] ?? '');
  return tokens;
}

const quote = (s: string) => `"${s.length > 60 ? `${s.slice(0, 57)}…` : s}"`;

export function parseCommand(text: unknown): ParseResult {
  const raw = typeof text === 'string' ? text : '';
  const input = normalise(raw.length > MAX_INPUT ? raw.slice(0, MAX_INPUT) : raw);
  try {
    if (raw.length > MAX_INPUT) throw new UsageError(`the command is too long (${raw.length} characters; at most ${MAX_INPUT})`, ALL_USAGE);
    return { ok: true, command: parseTokens(tokenize(input)) };
  } catch (err) {
    if (err instanceof UsageError) return { ok: false, input, error: err.error, usage: err.usage };
    // A bug here must not reach Slack as a crash: say so, start nothing.
    return { ok: false, input, error: `the command could not be read (${String(err)})`, usage: ALL_USAGE };
  }
}

function parseTokens(tokens: string[]): MngCommand {
  const [verb, ...rest] = tokens;
  switch (verb?.toLowerCase()) {
    case undefined:
    case 'help':
    case '-h':
    case '--help':
      return parseHelp(rest);
    case 'list':
    case 'ls':
      if (rest.length > 0) throw new UsageError(`"list" takes nothing after it, got ${quote(rest.join(' '))}`, USAGE.list);
      return { kind: 'list' };
    case 'status': {
      if (rest.length > 1) throw new UsageError(`"status" takes at most one run id, got ${quote(rest.join(' '))}`, USAGE.status);
      if (rest.length === 0) return { kind: 'status' };
      return { kind: 'status', runId: runId(rest[0], USAGE.status) };
    }
    case 'cancel': {
      if (rest.length !== 1) throw new UsageError(rest.length === 0 ? '"cancel" needs the id of the run to cancel' : `"cancel" takes one run id, got ${quote(rest.join(' '))}`, USAGE.cancel);
      return { kind: 'cancel', runId: runId(rest[0], USAGE.cancel) };
    }
    case 'upgrade':
      return { kind: 'upgrade', options: parseUpgrade(rest) };
    default:
      throw new UsageError(`unknown command ${quote(verb)}`, ALL_USAGE);
  }
}

function parseHelp(rest: string[]): MngCommand {
  if (rest.length === 0) return { kind: 'help' };
  const topic = rest[0].toLowerCase();
  if (rest.length === 1 && (topic === 'upgrade' || topic === 'status' || topic === 'cancel' || topic === 'list')) return { kind: 'help', topic };
  throw new UsageError(`no help on ${quote(rest.join(' '))}`, USAGE.help);
}

function runId(token: string, usage: string): string {
  if (!RUN_ID.test(token)) throw new UsageError(`${quote(token)} is not a run id (like r-1a2b3c4d)`, usage);
  return token;
}

function parseUpgrade(tokens: string[]): UpgradeOptions {
  const usage = `${USAGE.upgrade}\n${USAGE.upgradeEksctl}`;
  const [what, ...args] = tokens;
  if (what === undefined) throw new UsageError('"upgrade" needs what to upgrade: "upgrade nodegroup <version>"', usage);
  if (!['nodegroup', 'ng'].includes(what.toLowerCase())) throw new UsageError(`can only upgrade a nodegroup, not ${quote(what)}`, usage);

  const seen = new Map<OptionKey, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const token = args[i];
    if (!token.startsWith('-')) {
      positional.push(token);
      continue;
    }
    if (!token.startsWith('--') || token.length < 3) throw new UsageError(`${quote(token)} is not an option; options start with "--"`, usage);
    const eq = token.indexOf('=');
    const name = (eq >= 0 ? token.slice(2, eq) : token.slice(2)).toLowerCase();
    const spec = Object.prototype.hasOwnProperty.call(OPTIONS, name) ? OPTIONS[name] : undefined;
    if (!spec) throw new UsageError(`unknown option ${quote(`--${name}`)}`, usage);
    let value: string;
    if (spec.flag) {
      if (eq >= 0) {
        const v = token.slice(eq + 1).toLowerCase();
        if (v !== 'true' && v !== 'false') throw new UsageError(`--${name} is a switch: give it alone, or as --${name}=true|false`, usage);
        value = v;
      } else {
        value = 'true';
      }
    } else if (eq >= 0) {
      value = token.slice(eq + 1);
      if (value === '') throw new UsageError(`--${name} needs a value after "="`, usage);
    } else {
      const next = args[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`--${name} needs a value`, usage);
      value = next;
      i++;
    }
    const previous = seen.get(spec.key);
    if (previous !== undefined && previous !== value) throw new UsageError(`--${name} is given twice (${quote(previous)} and ${quote(value)})`, usage);
    seen.set(spec.key, value);
  }

  if (positional.length > 1) throw new UsageError(`expected one version, got ${positional.map(quote).join(' and ')}`, usage);
  const [versionArg] = positional;
  const optVersion = seen.get('version');
  if (versionArg !== undefined && optVersion !== undefined && versionArg !== optVersion) {
    throw new UsageError(`two versions given: ${quote(versionArg)} and --kubernetes-version=${optVersion}`, usage);
  }
  const version = versionArg ?? optVersion;
  if (version === undefined) throw new UsageError('which version? e.g. "upgrade nodegroup 1.30"', usage);
  if (!VERSION.test(version)) throw new UsageError(`${quote(version)} is not a Kubernetes version (like 1.30)`, usage);

  const out: UpgradeOptions = { version, force: seen.get('force') === 'true', dryRun: seen.get('dryRun') === 'true' };
  const cluster = seen.get('cluster');
  if (cluster !== undefined) {
    if (!NAME.test(cluster)) throw new UsageError(`${quote(cluster)} is not a cluster name`, usage);
    out.cluster = cluster;
  }
  const nodegroup = seen.get('nodegroup');
  if (nodegroup !== undefined) {
    if (!NAME.test(nodegroup)) throw new UsageError(`${quote(nodegroup)} is not a node group name`, usage);
    out.nodegroup = nodegroup;
  }
  const release = seen.get('releaseVersion');
  if (release !== undefined) {
    if (!RELEASE.test(release)) throw new UsageError(`${quote(release)} is not an AMI release version (like 1.30.0-20240625)`, usage);
    out.releaseVersion = release;
  }
  const k = seen.get('maxUnavailable');
  if (k !== undefined) out.maxUnavailable = wholeNumber(k, '--max-unavailable', 1, 100, usage);
  const surge = seen.get('surge');
  if (surge !== undefined) out.surge = wholeNumber(surge, '--surge', 1, 100, usage);
  const strategy = seen.get('strategy');
  if (strategy !== undefined) {
    const s = strategy.toLowerCase();
    if (s !== 'rolling' && s !== 'eks') throw new UsageError(`--strategy is rolling or eks, not ${quote(strategy)}`, usage);
    out.strategy = s;
  }
  const drain = seen.get('drainTimeout');
  if (drain !== undefined) out.drainTimeoutMs = drainTimeout(drain, usage);
  return out;
}

function wholeNumber(text: string, option: string, min: number, max: number, usage: string): number {
  if (!/^\d{1,4}$/.test(text)) throw new UsageError(`${option} needs a whole number, got ${quote(text)}`, usage);
  const n = Number(text);
  if (n < min || n > max) throw new UsageError(`${option} must be from ${min} to ${max}, got ${n}`, usage);
  return n;
}

function drainTimeout(text: string, usage: string): number {
  const t = text.toLowerCase();
  const m = DURATION.exec(t);
  if (!m || t === '') throw new UsageError(`--drain-timeout needs a duration like 90s, 20m or 1h30m, got ${quote(text)}`, usage);
  const ms = (Number(m[1]?.slice(0, -1) ?? 0) * 3600 + Number(m[2]?.slice(0, -1) ?? 0) * 60 + Number(m[3]?.slice(0, -1) ?? 0)) * 1000;
  if (ms < 10_000 || ms > MAX_DRAIN_TIMEOUT_MS) throw new UsageError(`--drain-timeout must be from 10s to 24h, got ${quote(text)}`, usage);
  return ms;
}
