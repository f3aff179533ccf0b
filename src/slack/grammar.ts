// /mng text → a typed command, or a usage error that quotes the input. Pure: it starts nothing,
// looks nothing up (times and zones are checked with the pure functions of schedule/), and never
// throws, whatever it is given. Slack's own here: the words, quoting, eksctl's spellings and --at's
// unquoted cron; what an upgrade option means and accepts is app/upgrade-options', as for the CLI.
import { NAME, RUN_ID, SCHEDULE_ID } from '../app/names.js';
import type { RunTarget } from '../app/run-controls.js';
import {
  givenTwice,
  missingValue,
  OptionError,
  isOptionName,
  OPTIONS,
  quote,
  readOptionValues,
  switchValue,
  unknownOption,
  upgradeOptions,
  upgradeSettings,
  type OptionName,
  type RawOptions,
  type UpgradeOptions as AppUpgradeOptions,
  type UpgradeSettings,
} from '../app/upgrade-options.js';
import type { UserError } from '../engine/errors.js';
import { parseCron } from '../schedule/cron.js';
import { isOneOff, parseOneOff } from '../schedule/schedules.js';
import { assertTimeZone } from '../schedule/zoned-time.js';

export interface UpgradeOptions extends AppUpgradeOptions {
  /** --dry-run: post the plan without buttons. */
  dryRun: boolean;
}

/** /mng schedule upgrade nodegroup …: an upgrade asked for at a time, once or again and again. */
export interface ScheduleUpgradeOptions extends Omit<UpgradeSettings, 'releaseVersion'> {
  /** As typed; absent: the group's current version (each firing takes its latest AMI release). */
  version?: string;
  force: boolean;
  /** A five-field cron ("0 2 * * SAT") or an ISO time ("2025-04-12T02:00", "2025-04-12T00:00Z"). */
  at: string;
  /** IANA zone the time is read in; absent: UTC. */
  timezone?: string;
}

export type HelpTopic = 'upgrade' | 'status' | 'cancel' | 'pause' | 'resume' | 'rollback' | 'list' | 'schedule' | 'windows' | 'history' | 'audit';
const HELP_TOPICS: readonly HelpTopic[] = ['upgrade', 'status', 'cancel', 'pause', 'resume', 'rollback', 'list', 'schedule', 'windows', 'history', 'audit'];

export type MngCommand =
  | { kind: 'help'; topic?: HelpTopic }
  | { kind: 'list' }
  | { kind: 'status'; runId?: string }
  /** A run by its id, or by its node group (NODEGROUP or CLUSTER/NODEGROUP): the group's run under way. */
  | ({ kind: 'cancel' | 'pause' | 'resume' } & RunTarget)
  /** Put the nodes a run replaced back on the release before it (a new run, to be approved). */
  | { kind: 'rollback'; runId: string }
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
  help: '/mng help [upgrade|schedule|windows|status|cancel|rollback|list|history|audit]',
  list: '/mng list',
  upgrade:
    '/mng upgrade nodegroup <version> [--cluster C] [--nodegroup N] [--release-version R] [--max-unavailable K] [--surge S] ' +
    '[--strategy rolling|eks] [--update-strategy default|minimal] [--drain-timeout 20m] [--deregistration-wait 60s] [--bake 5m|--no-bake] [--force] [--now] [--dry-run]',
  upgradeEksctl: '/mng upgrade nodegroup --name=N --cluster=C --kubernetes-version=1.30',
  status: '/mng status [RUN-ID]',
  cancel: '/mng cancel RUN-ID | NODEGROUP | CLUSTER/NODEGROUP',
  pause: '/mng pause RUN-ID | NODEGROUP | CLUSTER/NODEGROUP',
  resume: '/mng resume RUN-ID | NODEGROUP | CLUSTER/NODEGROUP',
  rollback: '/mng rollback RUN-ID',
  scheduleUpgrade:
    '/mng schedule upgrade nodegroup [<version>] --at "0 2 * * SAT"|2025-04-12T02:00 [--timezone Europe/Berlin] [--cluster C] [--nodegroup N] ' +
    '[--max-unavailable K] [--surge S] [--strategy rolling|eks] [--update-strategy default|minimal] [--drain-timeout 20m] [--force]',
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
  USAGE.pause,
  USAGE.resume,
  USAGE.rollback,
  USAGE.scheduleUpgrade,
  USAGE.scheduleList,
  USAGE.scheduleCancel,
  USAGE.windows,
  USAGE.history,
  USAGE.audit,
].join('\n');

const MAX_INPUT = 2000;
/** One field of a cron as typed: digits, names, *, /, ",", "-". */
const CRON_FIELD = /^[0-9A-Za-z*/,-]+$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_CLOCK = /^\d{1,2}:\d{2}/;
export const DEFAULT_AUDIT_LIMIT = 20;
export const MAX_AUDIT_LIMIT = 200;

/** The upgrade options, and the options only /mng has: a schedule's time and zone, and --dry-run. */
type OptionKey = OptionName | 'dry-run' | 'at' | 'timezone';

/** Every spelling we accept, ours and eksctl's, to the option it means. */
const SPELLINGS: Record<string, OptionKey> = {
  to: 'to',
  'kubernetes-version': 'to',
  cluster: 'cluster',
  nodegroup: 'nodegroup',
  name: 'nodegroup',
  'release-version': 'release-version',
  'max-unavailable': 'max-unavailable',
  surge: 'surge',
  strategy: 'strategy',
  'update-strategy': 'update-strategy',
  'drain-timeout': 'drain-timeout',
  'deregistration-wait': 'deregistration-wait',
  bake: 'bake',
  'no-bake': 'no-bake',
  force: 'force',
  'force-upgrade': 'force',
  'dry-run': 'dry-run',
  now: 'now',
  at: 'at',
  timezone: 'timezone',
  tz: 'timezone',
};

const isSwitch = (key: OptionKey) => key === 'dry-run' || (isOptionName(key) && OPTIONS[key].type === 'boolean');

const UPGRADE_KEYS: ReadonlySet<OptionKey> = new Set<OptionKey>([
  'to',
  'cluster',
  'nodegroup',
  'release-version',
  'max-unavailable',
  'surge',
  'strategy',
  'update-strategy',
  'drain-timeout',
  'deregistration-wait',
  'bake',
  'no-bake',
  'force',
  'dry-run',
  'now',
]);
const SCHEDULE_KEYS: ReadonlySet<OptionKey> = new Set<OptionKey>([
  'to',
  'cluster',
  'nodegroup',
  'max-unavailable',
  'surge',
  'strategy',
  'update-strategy',
  'drain-timeout',
  'bake',
  'no-bake',
  'force',
  'at',
  'timezone',
]);
/** Options that exist but mean nothing for a schedule: say why rather than "unknown". */
const NOT_FOR_SCHEDULES: Partial<Record<OptionKey, string>> = {
  'release-version': 'a schedule takes the latest AMI release of its version each time it fires; pin a release with /mng upgrade',
  'dry-run': 'to see the plan, use /mng upgrade … --dry-run',
  now: 'a schedule runs at its own time: use --at, or /mng upgrade … --now',
};
const EXAMPLES: Partial<Record<OptionKey, string>> = { at: '"0 2 * * SAT"', timezone: 'Europe/Berlin' };

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
    case 'cancel':
    case 'pause':
    case 'resume': {
      const kind = verb.toLowerCase() as 'cancel' | 'pause' | 'resume';
      const usage = USAGE[kind];
      if (rest.length !== 1) {
        throw new UsageError(rest.length === 0 ? `"${kind}" needs the id of the run to ${kind}` : `"${kind}" takes one run id or node group, got ${quote(rest.join(' '))}`, usage);
      }
      return { kind, ...runTarget(rest[0], usage) };
    }
    case 'rollback':
    case 'roll-back': {
      if (rest.length !== 1) throw new UsageError(rest.length === 0 ? '"rollback" needs the id of the run to roll back' : `"rollback" takes one run id, got ${quote(rest.join(' '))}`, USAGE.rollback);
      return { kind: 'rollback', runId: runId(rest[0], USAGE.rollback) };
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

/** A run id, or a node group: NODEGROUP (read as a run id first) or CLUSTER/NODEGROUP. */
function runTarget(token: string, usage: string): RunTarget {
  const [first, second, extra] = token.split('/');
  if (second !== undefined && extra === undefined) {
    if (!NAME.test(first)) throw new UsageError(`${quote(first)} is not a cluster name`, usage);
    if (!NAME.test(second)) throw new UsageError(`${quote(second)} is not a node group name`, usage);
    return { cluster: first, nodegroup: second };
  }
  if (!RUN_ID.test(token)) throw new UsageError(`${quote(token)} is not a run id (like r-1a2b3c4d) or a node group (like ng-1, or prod/ng-1)`, usage);
  return { runId: token };
}

function runId(token: string, usage: string): string {
  if (!RUN_ID.test(token)) throw new UsageError(`${quote(token)} is not a run id (like r-1a2b3c4d)`, usage);
  return token;
}

interface ReadOptions {
  /** Each option's value as typed; a switch's "true" or "false". */
  seen: Map<OptionKey, string>;
  /** How each option was written ("--name" for --nodegroup), to name it as the person did. */
  spelled: Map<OptionKey, string>;
  positional: string[];
}

const exampleOf = (key: OptionKey): string | undefined => {
  const spec = isOptionName(key) ? OPTIONS[key] : undefined;
  return spec?.type === 'string' ? spec.example : EXAMPLES[key];
};

/** Reads --options (space or = form) and positional words; only the keys allowed here. */
function readOptions(args: string[], allowed: ReadonlySet<OptionKey>, refusals: Partial<Record<OptionKey, string>> = {}): ReadOptions {
  const seen = new Map<OptionKey, string>();
  const spelled = new Map<OptionKey, string>();
  const positional: string[] = [];
  const known = Object.keys(SPELLINGS).filter((k) => allowed.has(SPELLINGS[k]));
  for (let i = 0; i < args.length; i++) {
    const token = args[i];
    if (!token.startsWith('-')) {
      positional.push(token);
      continue;
    }
    if (!token.startsWith('--') || token.length < 3) throw unknownOption(token, known);
    const eq = token.indexOf('=');
    const name = (eq >= 0 ? token.slice(2, eq) : token.slice(2)).toLowerCase();
    const key = Object.hasOwn(SPELLINGS, name) ? SPELLINGS[name] : undefined;
    if (key && !allowed.has(key)) {
      const why = refusals[key];
      if (why) throw new OptionError(`--${name} does not apply here: ${why}`);
    }
    if (!key || !allowed.has(key)) throw unknownOption(`--${name}`, known);
    const example = exampleOf(key);
    let value: string;
    if (isSwitch(key)) {
      value = eq >= 0 ? String(switchValue(name, token.slice(eq + 1))) : 'true';
    } else if (eq >= 0) {
      value = token.slice(eq + 1);
      if (value === '') throw missingValue(name, { afterEquals: true, ...(example ? { example } : {}) });
    } else {
      const next = args[i + 1];
      if (next === undefined || next.startsWith('--')) throw missingValue(name, example ? { example } : {});
      value = next;
      i++;
    }
    if (key === 'at') {
      // Unquoted times: "--at 0 2 * * SAT" (a cron's five fields) and "--at 2025-04-12 02:00".
      if (ISO_DATE.test(value) && ISO_CLOCK.test(args[i + 1] ?? '')) {
        value = `${value} ${args[++i]}`;
      } else if (!ISO_DATE.test(value) && CRON_FIELD.test(value)) {
        const fields = [value];
        while (fields.length < 5 && i + 1 < args.length && CRON_FIELD.test(args[i + 1]) && !args[i + 1].startsWith('-')) fields.push(args[++i]);
        value = fields.join(' ');
      }
    }
    const previous = seen.get(key);
    if (previous !== undefined && previous !== value) throw givenTwice(name, previous, value);
    seen.set(key, value);
    spelled.set(key, `--${name}`);
  }
  return { seen, spelled, positional };
}

/** Option errors become usage errors with this command's usage. */
function withUsage<T>(usage: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof OptionError) throw new UsageError(err.message, usage);
    throw err;
  }
}

/** "upgrade nodegroup" or "ng"; the rest of the tokens. */
function nodegroupWord(tokens: string[], verb: string, usage: string): string[] {
  const [what, ...args] = tokens;
  if (what === undefined) throw new UsageError(`"${verb}" needs what to upgrade: "${verb} nodegroup <version>"`, usage);
  if (!['nodegroup', 'ng'].includes(what.toLowerCase())) throw new UsageError(`can only upgrade a nodegroup, not ${quote(what)}`, usage);
  return args;
}

/**
 * The shared options as the option table reads them: the version from the positional word or
 * --to/--kubernetes-version, each named as it was written.
 */
function sharedOptions({ seen, spelled, positional }: ReadOptions) {
  if (positional.length > 1) throw new OptionError(`expected one version, got ${positional.map(quote).join(' and ')}`);
  const [versionArg] = positional;
  const optVersion = seen.get('to');
  if (versionArg !== undefined && optVersion !== undefined && versionArg !== optVersion) {
    throw new OptionError(`two versions given: ${quote(versionArg)} and ${spelled.get('to')}=${optVersion}`);
  }
  const raw: RawOptions = {};
  const labels: Partial<Record<OptionName, string>> = {};
  for (const [key, value] of seen) {
    if (!isOptionName(key)) continue;
    raw[key] = OPTIONS[key].type === 'boolean' ? value === 'true' : value;
    labels[key] = spelled.get(key)!;
  }
  if (versionArg !== undefined) {
    raw.to = versionArg;
    labels.to = 'version';
  }
  return readOptionValues(raw, labels);
}

function parseUpgrade(tokens: string[]): UpgradeOptions {
  const usage = `${USAGE.upgrade}\n${USAGE.upgradeEksctl}`;
  return withUsage(usage, () => {
    const read = readOptions(nodegroupWord(tokens, 'upgrade', usage), UPGRADE_KEYS);
    if (read.positional.length === 0 && !read.seen.has('to')) throw new OptionError('which version? e.g. "upgrade nodegroup 1.30"');
    return { ...upgradeOptions(sharedOptions(read)), dryRun: read.seen.get('dry-run') === 'true' };
  });
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
  return withUsage(usage, () => {
    const read = readOptions(nodegroupWord(tokens, 'schedule upgrade', usage), SCHEDULE_KEYS, NOT_FOR_SCHEDULES);
    const values = sharedOptions(read);
    const { seen } = read;
    const at = seen.get('at')?.trim();
    if (at === undefined || at === '') throw new OptionError('when? add --at with a cron ("0 2 * * SAT") or a time (2025-04-12T02:00)');
    const timezone = seen.get('timezone');
    if (timezone !== undefined) {
      try {
        assertTimeZone(timezone, '--timezone');
      } catch (err) {
        throw new OptionError((err as Error).message);
      }
    }
    try {
      if (isOneOff(at)) parseOneOff(at, timezone ?? 'UTC', '--at');
      else parseCron(at);
    } catch (err) {
      const hint = (err as UserError).hint;
      const message = (err as Error).message;
      throw new OptionError(`${message.startsWith('--at') ? '' : '--at: '}${message}${hint ? ` (${hint})` : ''}`);
    }
    return {
      ...(values.to !== undefined ? { version: values.to } : {}),
      force: values.force === true,
      at,
      ...upgradeSettings(values),
      ...(timezone !== undefined ? { timezone } : {}),
    };
  });
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
