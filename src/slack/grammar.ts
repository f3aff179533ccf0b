// /mng text → a typed command, or a usage error that quotes the input. Pure: it starts nothing,
// looks nothing up (times and zones are checked with the pure functions of schedule/), and never
// throws, whatever it is given.
import type { UserError } from '../engine/errors.js';
import type { Strategy } from '../engine/run.js';
import { parseCron } from '../schedule/cron.js';
import { isOneOff, parseOneOff } from '../schedule/schedules.js';
import { assertTimeZone } from '../schedule/zoned-time.js';

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
  /** --now: run outside the node group's maintenance windows (still after an approval). Present only when given. */
  now?: true;
}

/** /mng schedule upgrade nodegroup …: an upgrade asked for at a time, once or again and again. */
export interface ScheduleUpgradeOptions {
  /** As typed; absent: the group's current version (each firing takes its latest AMI release). */
  version?: string;
  cluster?: string;
  nodegroup?: string;
  maxUnavailable?: number;
  surge?: number;
  strategy?: Strategy;
  drainTimeoutMs?: number;
  force: boolean;
  /** A five-field cron ("0 2 * * SAT") or an ISO time ("2025-04-12T02:00", "2025-04-12T00:00Z"). */
  at: string;
  /** IANA zone the time is read in; absent: UTC. */
  timezone?: string;
}

export type HelpTopic = 'upgrade' | 'status' | 'cancel' | 'list' | 'schedule' | 'windows' | 'history' | 'audit';
const HELP_TOPICS: readonly HelpTopic[] = ['upgrade', 'status', 'cancel', 'list', 'schedule', 'windows', 'history', 'audit'];

export type MngCommand =
  | { kind: 'help'; topic?: HelpTopic }
  | { kind: 'list' }
  | { kind: 'status'; runId?: string }
  | { kind: 'cancel'; runId: string }
  | { kind: 'upgrade'; options: UpgradeOptions }
  /** Past runs, newest first; of one node group when named (cluster too when given as CLUSTER/NODEGROUP). */
  | { kind: 'history'; cluster?: string; nodegroup?: string }
  /** The last `limit` audit entries (approvers only). */
  | { kind: 'audit'; limit: number }
  | { kind: 'windows' }
  | { kind: 'schedule-upgrade'; options: ScheduleUpgradeOptions }
  | { kind: 'schedule-list' }
  | { kind: 'schedule-cancel'; scheduleId: string };

export type ParseResult =
  | { ok: true; command: MngCommand }
  | { ok: false; input: string; error: string; usage: string };

export const USAGE = {
  help: '/mng help [upgrade|schedule|windows|status|cancel|list|history|audit]',
  list: '/mng list',
  upgrade:
    '/mng upgrade nodegroup <version> [--cluster C] [--nodegroup N] [--release-version R] [--max-unavailable K] [--surge S] ' +
    '[--strategy rolling|eks] [--drain-timeout 20m] [--force] [--now] [--dry-run]',
  upgradeEksctl: '/mng upgrade nodegroup --name=N --cluster=C --kubernetes-version=1.30',
  status: '/mng status [RUN-ID]',
  cancel: '/mng cancel RUN-ID',
  scheduleUpgrade:
    '/mng schedule upgrade nodegroup [<version>] --at "0 2 * * SAT"|2025-04-12T02:00 [--timezone Europe/Berlin] [--cluster C] [--nodegroup N] ' +
    '[--max-unavailable K] [--surge S] [--strategy rolling|eks] [--drain-timeout 20m] [--force]',
  scheduleList: '/mng schedule list',
  scheduleCancel: '/mng schedule cancel SCHEDULE-ID',
  windows: '/mng windows',
  history: '/mng history [NODEGROUP | CLUSTER/NODEGROUP]',
  audit: '/mng audit [N]',
} as const;

const SCHEDULE_USAGE = [USAGE.scheduleUpgrade, USAGE.scheduleList, USAGE.scheduleCancel].join('\n');

export const ALL_USAGE = [
  USAGE.help,
  USAGE.list,
  USAGE.upgrade,
  USAGE.upgradeEksctl,
  USAGE.status,
  USAGE.cancel,
  USAGE.scheduleUpgrade,
  USAGE.scheduleList,
  USAGE.scheduleCancel,
  USAGE.windows,
  USAGE.history,
  USAGE.audit,
].join('\n');

const MAX_INPUT = 2000;
const VERSION = /^v?1\.\d{1,2}(\.\d{1,3})?$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
/** AL2/AL2023 "1.30.0-20240625", Bottlerocket "1.20.3-5d4ec6a7". */
const RELEASE = /^\d+\.\d+\.\d+-[0-9a-z]{6,16}$/;
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const SCHEDULE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
/** One field of a cron as typed: digits, names, *, /, ",", "-". */
const CRON_FIELD = /^[0-9A-Za-z*/,-]+$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_CLOCK = /^\d{1,2}:\d{2}/;
export const DEFAULT_AUDIT_LIMIT = 20;
export const MAX_AUDIT_LIMIT = 200;
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
  | 'dryRun'
  | 'now'
  | 'at'
  | 'timezone';

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
  now: { key: 'now', flag: true },
  at: { key: 'at' },
  timezone: { key: 'timezone' },
  tz: { key: 'timezone' },
};

const UPGRADE_KEYS: ReadonlySet<OptionKey> = new Set<OptionKey>([
  'cluster',
  'nodegroup',
  'version',
  'releaseVersion',
  'maxUnavailable',
  'surge',
  'strategy',
  'drainTimeout',
  'force',
  'dryRun',
  'now',
]);
const SCHEDULE_KEYS: ReadonlySet<OptionKey> = new Set<OptionKey>([
  'cluster',
  'nodegroup',
  'version',
  'maxUnavailable',
  'surge',
  'strategy',
  'drainTimeout',
  'force',
  'at',
  'timezone',
]);
/** Options that exist but mean nothing for a schedule: say why rather than "unknown". */
const NOT_FOR_SCHEDULES: Partial<Record<OptionKey, string>> = {
  releaseVersion: 'a schedule takes the latest AMI release of its version each time it fires; pin a release with /mng upgrade',
  dryRun: 'to see the plan, use /mng upgrade … --dry-run',
  now: 'a schedule runs at its own time: use --at, or /mng upgrade … --now',
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

/**
 * Splits on whitespace; "double quotes" keep spaces, also inside a token (--at="0 2 * * SAT"). A
 * quote without its pair is an ordinary character.
 */
function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /(?:[^\s"]+|"[^"]*")+|\S+/g;
  for (const m of text.matchAll(re)) tokens.push(m[0].replace(/"([^"]*)"/g, '$1'));
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
    case 'history':
      return parseHistory(rest);
    case 'audit':
      return parseAudit(rest);
    case 'windows':
    case 'window':
      if (rest.length > 0) throw new UsageError(`"windows" takes nothing after it, got ${quote(rest.join(' '))}`, USAGE.windows);
      return { kind: 'windows' };
    case 'schedule':
    case 'schedules':
      return parseSchedule(rest);
    default:
      throw new UsageError(`unknown command ${quote(verb)}`, ALL_USAGE);
  }
}

function parseHelp(rest: string[]): MngCommand {
  if (rest.length === 0) return { kind: 'help' };
  const topic = rest[0].toLowerCase() as HelpTopic;
  if (rest.length === 1 && HELP_TOPICS.includes(topic)) return { kind: 'help', topic };
  throw new UsageError(`no help on ${quote(rest.join(' '))}`, USAGE.help);
}

function runId(token: string, usage: string): string {
  if (!RUN_ID.test(token)) throw new UsageError(`${quote(token)} is not a run id (like r-1a2b3c4d)`, usage);
  return token;
}

interface ReadOptions {
  seen: Map<OptionKey, string>;
  positional: string[];
}

/** Reads --options (space or = form) and positional words; only the keys allowed here. */
function readOptions(args: string[], allowed: ReadonlySet<OptionKey>, usage: string, refusals: Partial<Record<OptionKey, string>> = {}): ReadOptions {
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
    if (spec && !allowed.has(spec.key)) {
      const why = refusals[spec.key];
      if (why) throw new UsageError(`--${name} does not apply here: ${why}`, usage);
    }
    if (!spec || !allowed.has(spec.key)) throw new UsageError(`unknown option ${quote(`--${name}`)}`, usage);
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
    if (spec.key === 'at') {
      // Unquoted times: "--at 0 2 * * SAT" (a cron's five fields) and "--at 2025-04-12 02:00".
      if (ISO_DATE.test(value) && ISO_CLOCK.test(args[i + 1] ?? '')) {
        value = `${value} ${args[++i]}`;
      } else if (!ISO_DATE.test(value) && CRON_FIELD.test(value)) {
        const fields = [value];
        while (fields.length < 5 && i + 1 < args.length && CRON_FIELD.test(args[i + 1]) && !args[i + 1].startsWith('-')) fields.push(args[++i]);
        value = fields.join(' ');
      }
    }
    const previous = seen.get(spec.key);
    if (previous !== undefined && previous !== value) throw new UsageError(`--${name} is given twice (${quote(previous)} and ${quote(value)})`, usage);
    seen.set(spec.key, value);
  }
  return { seen, positional };
}

/** "upgrade nodegroup" or "ng"; the rest of the tokens. */
function nodegroupWord(tokens: string[], verb: string, usage: string): string[] {
  const [what, ...args] = tokens;
  if (what === undefined) throw new UsageError(`"${verb}" needs what to upgrade: "${verb} nodegroup <version>"`, usage);
  if (!['nodegroup', 'ng'].includes(what.toLowerCase())) throw new UsageError(`can only upgrade a nodegroup, not ${quote(what)}`, usage);
  return args;
}

/** The version from the positional word or --kubernetes-version; undefined when neither is given. */
function versionOf({ seen, positional }: ReadOptions, usage: string): string | undefined {
  if (positional.length > 1) throw new UsageError(`expected one version, got ${positional.map(quote).join(' and ')}`, usage);
  const [versionArg] = positional;
  const optVersion = seen.get('version');
  if (versionArg !== undefined && optVersion !== undefined && versionArg !== optVersion) {
    throw new UsageError(`two versions given: ${quote(versionArg)} and --kubernetes-version=${optVersion}`, usage);
  }
  const version = versionArg ?? optVersion;
  if (version !== undefined && !VERSION.test(version)) throw new UsageError(`${quote(version)} is not a Kubernetes version (like 1.30)`, usage);
  return version;
}

type CommonOptions = Pick<UpgradeOptions, 'cluster' | 'nodegroup' | 'maxUnavailable' | 'surge' | 'strategy' | 'drainTimeoutMs'>;

/** The options upgrade and schedule upgrade share, checked. */
function commonOptions(seen: Map<OptionKey, string>, usage: string): CommonOptions {
  const out: CommonOptions = {};
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

function parseUpgrade(tokens: string[]): UpgradeOptions {
  const usage = `${USAGE.upgrade}\n${USAGE.upgradeEksctl}`;
  const read = readOptions(nodegroupWord(tokens, 'upgrade', usage), UPGRADE_KEYS, usage);
  const version = versionOf(read, usage);
  if (version === undefined) throw new UsageError('which version? e.g. "upgrade nodegroup 1.30"', usage);
  const { seen } = read;
  const common = commonOptions(seen, usage);
  const out: UpgradeOptions = { version, force: seen.get('force') === 'true', dryRun: seen.get('dryRun') === 'true' };
  if (common.cluster !== undefined) out.cluster = common.cluster;
  if (common.nodegroup !== undefined) out.nodegroup = common.nodegroup;
  const release = seen.get('releaseVersion');
  if (release !== undefined) {
    if (!RELEASE.test(release)) throw new UsageError(`${quote(release)} is not an AMI release version (like 1.30.0-20240625)`, usage);
    out.releaseVersion = release;
  }
  if (common.maxUnavailable !== undefined) out.maxUnavailable = common.maxUnavailable;
  if (common.surge !== undefined) out.surge = common.surge;
  if (common.strategy !== undefined) out.strategy = common.strategy;
  if (common.drainTimeoutMs !== undefined) out.drainTimeoutMs = common.drainTimeoutMs;
  if (seen.get('now') === 'true') out.now = true;
  return out;
}

function parseSchedule(rest: string[]): MngCommand {
  const [sub, ...args] = rest;
  switch (sub?.toLowerCase()) {
    case undefined:
      throw new UsageError('"schedule" needs what to do: upgrade, list or cancel', SCHEDULE_USAGE);
    case 'list':
    case 'ls':
      if (args.length > 0) throw new UsageError(`"schedule list" takes nothing after it, got ${quote(args.join(' '))}`, USAGE.scheduleList);
      return { kind: 'schedule-list' };
    case 'cancel':
    case 'delete':
    case 'rm': {
      if (args.length !== 1) {
        throw new UsageError(args.length === 0 ? '"schedule cancel" needs the id of the schedule (see /mng schedule list)' : `"schedule cancel" takes one schedule id, got ${quote(args.join(' '))}`, USAGE.scheduleCancel);
      }
      if (!SCHEDULE_ID.test(args[0])) throw new UsageError(`${quote(args[0])} is not a schedule id (like s-7kq2m)`, USAGE.scheduleCancel);
      return { kind: 'schedule-cancel', scheduleId: args[0] };
    }
    case 'upgrade':
      return { kind: 'schedule-upgrade', options: parseScheduleUpgrade(args) };
    default:
      throw new UsageError(`"schedule" can upgrade, list or cancel, not ${quote(sub)}`, SCHEDULE_USAGE);
  }
}

function parseScheduleUpgrade(tokens: string[]): ScheduleUpgradeOptions {
  const usage = USAGE.scheduleUpgrade;
  const read = readOptions(nodegroupWord(tokens, 'schedule upgrade', usage), SCHEDULE_KEYS, usage, NOT_FOR_SCHEDULES);
  const version = versionOf(read, usage);
  const { seen } = read;
  const at = seen.get('at')?.trim();
  if (at === undefined || at === '') throw new UsageError('when? add --at with a cron ("0 2 * * SAT") or a time (2025-04-12T02:00)', usage);
  const timezone = seen.get('timezone');
  if (timezone !== undefined) {
    try {
      assertTimeZone(timezone, '--timezone');
    } catch (err) {
      throw new UsageError((err as Error).message, usage);
    }
  }
  try {
    if (isOneOff(at)) parseOneOff(at, timezone ?? 'UTC', '--at');
    else parseCron(at);
  } catch (err) {
    const hint = (err as UserError).hint;
    const message = (err as Error).message;
    throw new UsageError(`${message.startsWith('--at') ? '' : '--at: '}${message}${hint ? ` (${hint})` : ''}`, usage);
  }
  const out: ScheduleUpgradeOptions = { ...(version !== undefined ? { version } : {}), force: seen.get('force') === 'true', at };
  Object.assign(out, commonOptions(seen, usage));
  if (timezone !== undefined) out.timezone = timezone;
  return out;
}

function parseHistory(rest: string[]): MngCommand {
  if (rest.length === 0) return { kind: 'history' };
  if (rest.length > 1) throw new UsageError(`"history" takes at most one node group, got ${quote(rest.join(' '))}`, USAGE.history);
  const [first, second, extra] = rest[0].split('/');
  if (extra === undefined && second !== undefined) {
    if (!NAME.test(first)) throw new UsageError(`${quote(first)} is not a cluster name`, USAGE.history);
    if (!NAME.test(second)) throw new UsageError(`${quote(second)} is not a node group name`, USAGE.history);
    return { kind: 'history', cluster: first, nodegroup: second };
  }
  if (second === undefined && NAME.test(first)) return { kind: 'history', nodegroup: first };
  throw new UsageError(`${quote(rest[0])} is not a node group (like ng-1, or prod/ng-1)`, USAGE.history);
}

function parseAudit(rest: string[]): MngCommand {
  if (rest.length === 0) return { kind: 'audit', limit: DEFAULT_AUDIT_LIMIT };
  if (rest.length > 1) throw new UsageError(`"audit" takes at most one number, got ${quote(rest.join(' '))}`, USAGE.audit);
  return { kind: 'audit', limit: wholeNumber(rest[0], '"audit"', 1, MAX_AUDIT_LIMIT, USAGE.audit) };
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
