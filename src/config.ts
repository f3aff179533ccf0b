// One validated configuration: secrets and switches from the environment, everything else from the
// file MNG_CONFIG names (YAML or JSON). A mistake stops the start with a message naming the key.
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { parseDurationMs } from './engine/duration.js';
import { UserError } from './engine/errors.js';
import type { GroupRef } from './engine/ports.js';
import type { Strategy } from './engine/run.js';
import type { SelfPod } from './engine/step-context.js';
import { LOG_LEVELS, type LogLevel } from './log.js';
import { validateWindows, type Window } from './schedule/windows.js';
import { DEFAULT_AUDIT_RETENTION_DAYS, DEFAULT_RUN_RETENTION_DAYS } from './store/retention.js';

// Maintenance windows. Three levels, the most specific wins (windowsFor):
//
//   windows: [{ cron: "0 2 * * SAT", duration: 4h, timezone: Europe/Berlin }]   # global
//   clusters:
//     - name: prod
//       windows: [{ cron: "0 22 * * FRI", duration: 6h, timezone: UTC }]       # every group of prod…
//       nodegroups:
//         - ng-web                                                              # …such as this one
//         - name: ng-batch                                                      # …except this one:
//           windows: [{ cron: "0 1 * * *", duration: 2h, timezone: UTC }]
//         - name: ng-canary
//           windows: []                                                         # none: runs at once
//
// A group with windows is upgraded only inside them; a group without any (none at any level, or an
// explicit empty list at the most specific level that has the key) runs as soon as it is approved.
// A `nodegroups` item is a name or { name, windows }; plain names keep older files valid.

/** A self-managed node group: its Auto Scaling group and image family (EKS knows nothing of it). */
export interface SelfManagedGroup {
  asgName: string;
  /** An EKS amiType naming the image family, e.g. AL2023_x86_64_STANDARD; CUSTOM for your own AMIs. */
  amiType: string;
  version?: string;
  releaseVersion?: string;
  maxUnavailable?: number;
}

export interface ClusterConfig {
  name: string;
  region?: string;
  /** Assumed through STS for every call on this cluster: one bot, several accounts. */
  roleArn?: string;
  externalId?: string;
  /** Self-managed node groups by name. */
  selfManaged?: Record<string, SelfManagedGroup>;
  /** The node groups mngbot may upgrade; absent: every group the cluster has. */
  nodegroups?: string[];
  /** Channels (ids like C0123, or names like #ops) upgrades of this cluster may be driven from; absent: any. */
  channels?: string[];
  /** Windows of every node group of the cluster that has none of its own. */
  windows?: Window[];
  /** Node groups listed as { name, windows }: their own windows, keyed by group name. */
  nodegroupWindows?: Record<string, Window[]>;
}

export interface Defaults {
  strategy?: Strategy;
  maxUnavailable?: number;
  drainTimeoutMs?: number;
  approvalExpiryMs: number;
}

export interface SlackSettings {
  botToken?: string;
  signingSecret?: string;
  appToken?: string;
  socketMode: boolean;
  /** Base URL of the Web API, ending in "/" (SLACK_API_URL): a fake in tests and the demo. */
  apiUrl?: string;
  port: number;
}

export type WorldConfig =
  | { kind: 'sim'; scenario: string; simSpeed: number }
  /** clockUrl: a simulated cloud's /world/clock; the bot's clock then runs at the world's pace (npm run world). */
  | { kind: 'aws'; clockUrl?: string };

export interface Config {
  slack: SlackSettings;
  world: WorldConfig;
  /** From the file; empty: the world's own (in the simulator, the scenario's cluster and node group). */
  clusters: ClusterConfig[];
  /** Global maintenance windows (the file's top-level `windows`): for groups whose cluster and entry have none. */
  windows: Window[];
  /** Where the data file lives (MNG_DATA_DIR, default ./data). */
  dataDir: string;
  /**
   * How many days history keeps ended runs (MNG_RUN_RETENTION_DAYS, default 400) and audit entries
   * (MNG_AUDIT_RETENTION_DAYS, default 400; deleted by whole months, so up to a month longer).
   * For LowdbRunStore.open's runRetentionDays / auditRetentionDays.
   */
  retention: { runDays: number; auditDays: number };
  approvers: { users: string[]; groups: string[] };
  defaults: Defaults;
  allowSelfApproval: boolean;
  logLevel: LogLevel;
  configFile?: string;
  /** Where this mngbot runs (MNG_NODE_NAME, MNG_POD_NAMESPACE, MNG_POD_NAME from the downward API). */
  self?: SelfPod;
}

export const DEFAULT_APPROVAL_EXPIRY_MS = 30 * 60_000;
export const DEFAULT_PORT = 3000;
export const DEFAULT_SIM_SPEED = 60;
export const DEFAULT_DATA_DIR = './data';

/** A configuration mistake; `key` is the environment variable or the file's key path. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`${key}: ${message}`);
  }
}

const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const GROUP_ID = /^S[A-Z0-9]{2,}$/;
const CHANNEL = /^(#[a-z0-9][a-z0-9._-]{0,79}|[CGD][A-Z0-9]{2,})$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

const shown = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v));

// ---------------------------------------------------------------------------------------------
// The file

export interface FileConfig {
  clusters: ClusterConfig[];
  windows: Window[];
  approvers: { users: string[]; groups: string[] };
  defaults: Partial<Defaults>;
  allowSelfApproval?: boolean;
}

type Obj = Record<string, unknown>;

function object(value: unknown, key: string, allowed: readonly string[]): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(key, `expected a mapping, got ${shown(value)}`);
  }
  for (const k of Object.keys(value)) {
    if (!allowed.includes(k)) throw new ConfigError(key ? `${key}.${k}` : k, `unknown key (expected one of ${allowed.join(', ')})`);
  }
  return value as Obj;
}

function stringList(value: unknown, key: string, pattern: RegExp, what: string): string[] {
  if (!Array.isArray(value)) throw new ConfigError(key, `expected a list of ${what}, got ${shown(value)}`);
  return value.map((v, i) => {
    if (typeof v !== 'string' || !pattern.test(v)) throw new ConfigError(`${key}[${i}]`, `expected ${what}, got ${shown(v)}`);
    return v;
  });
}

function duration(value: unknown, key: string): number {
  if (typeof value !== 'string') throw new ConfigError(key, `expected a duration like "15m" or "1h", got ${shown(value)}`);
  try {
    return parseDurationMs(value, key);
  } catch {
    throw new ConfigError(key, `expected a duration like "15m" or "1h", got ${shown(value)}`);
  }
}

/** A list of { cron, duration, timezone }; a ConfigError names the item and field at fault. */
function windowList(value: unknown, key: string): Window[] {
  if (!Array.isArray(value)) {
    throw new ConfigError(key, `expected a list of windows like { cron: "0 2 * * SAT", duration: 4h, timezone: Europe/Berlin }, got ${shown(value)}`);
  }
  const windows = value.map((w, i) => {
    const o = object(w, `${key}[${i}]`, ['cron', 'duration', 'timezone']);
    for (const field of ['cron', 'duration', 'timezone'] as const) {
      if (typeof o[field] !== 'string') throw new ConfigError(`${key}[${i}].${field}`, `expected a string, got ${shown(o[field])}`);
    }
    return { cron: o.cron as string, duration: o.duration as string, timezone: o.timezone as string };
  });
  try {
    validateWindows(windows, key);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    // "clusters[0].windows[1].timezone: unknown time zone …": the key is what precedes the first ": ".
    const at = err.message.indexOf(': ');
    const [k, m] = at > 0 ? [err.message.slice(0, at), err.message.slice(at + 2)] : [key, err.message];
    throw new ConfigError(k, err.hint ? `${m} (${err.hint})` : m);
  }
  return windows;
}

function nodegroupList(value: unknown, key: string): { names: string[]; windows: Record<string, Window[]> } {
  if (!Array.isArray(value)) throw new ConfigError(key, `expected a list of node group names (or { name, windows }), got ${shown(value)}`);
  const names: string[] = [];
  const windows: Record<string, Window[]> = {};
  value.forEach((v, i) => {
    let name: unknown = v;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const o = object(v, `${key}[${i}]`, ['name', 'windows']);
      name = o.name;
      if (typeof name !== 'string' || !NAME.test(name)) throw new ConfigError(`${key}[${i}].name`, `expected a node group name, got ${shown(name)}`);
      if (o.windows !== undefined) {
        // defineProperty: a group name is data, even one spelt "__proto__".
        Object.defineProperty(windows, name, { value: windowList(o.windows, `${key}[${i}].windows`), enumerable: true, writable: true, configurable: true });
      }
    } else if (typeof v !== 'string' || !NAME.test(v)) {
      throw new ConfigError(`${key}[${i}]`, `expected a node group name, got ${shown(v)}`);
    }
    if (names.includes(name as string)) throw new ConfigError(`${key}[${i}]`, `node group ${String(name)} is listed twice`);
    names.push(name as string);
  });
  return { names, windows };
}

/** Self-managed groups by name: EKS does not know them, so the file names each one's Auto Scaling group. */
function selfManagedGroups(value: unknown, key: string): Record<string, SelfManagedGroup> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(key, `expected a mapping of node group name to { asgName, amiType }, got ${shown(value)}`);
  }
  const out: Record<string, SelfManagedGroup> = {};
  for (const [name, raw] of Object.entries(value)) {
    const at = `${key}.${name}`;
    if (!NAME.test(name)) throw new ConfigError(at, 'expected a node group name');
    const g = object(raw, at, ['asgName', 'amiType', 'version', 'releaseVersion', 'maxUnavailable']);
    if (typeof g.asgName !== 'string' || g.asgName === '') throw new ConfigError(`${at}.asgName`, `expected the Auto Scaling group's name, got ${shown(g.asgName)}`);
    if (typeof g.amiType !== 'string' || !/^[A-Za-z0-9_]+$/.test(g.amiType)) {
      throw new ConfigError(`${at}.amiType`, `expected an EKS amiType like "AL2023_x86_64_STANDARD" or "CUSTOM", got ${shown(g.amiType)}`);
    }
    const group: SelfManagedGroup = { asgName: g.asgName, amiType: g.amiType };
    for (const k of ['version', 'releaseVersion'] as const) {
      if (g[k] !== undefined) {
        if (typeof g[k] !== 'string') throw new ConfigError(`${at}.${k}`, `expected text, got ${shown(g[k])}`);
        group[k] = g[k] as string;
      }
    }
    if (g.maxUnavailable !== undefined) {
      if (typeof g.maxUnavailable !== 'number' || !Number.isInteger(g.maxUnavailable) || g.maxUnavailable < 1 || g.maxUnavailable > 100) {
        throw new ConfigError(`${at}.maxUnavailable`, `expected a whole number from 1 to 100, got ${shown(g.maxUnavailable)}`);
      }
      group.maxUnavailable = g.maxUnavailable;
    }
    out[name] = group;
  }
  return out;
}

/** Validates a parsed configuration file. */
export function parseConfigObject(raw: unknown): FileConfig {
  if (raw === null || raw === undefined) return { clusters: [], windows: [], approvers: { users: [], groups: [] }, defaults: {} };
  const top = object(raw, '', ['clusters', 'windows', 'approvers', 'defaults', 'allowSelfApproval']);
  const windows = top.windows === undefined ? [] : windowList(top.windows, 'windows');

  const clusters: ClusterConfig[] = [];
  if (top.clusters !== undefined) {
    if (!Array.isArray(top.clusters)) throw new ConfigError('clusters', `expected a list of clusters, got ${shown(top.clusters)}`);
    top.clusters.forEach((c, i) => {
      const key = `clusters[${i}]`;
      const o = object(c, key, ['name', 'region', 'roleArn', 'externalId', 'nodegroups', 'selfManaged', 'channels', 'windows']);
      if (typeof o.name !== 'string' || !NAME.test(o.name)) throw new ConfigError(`${key}.name`, `expected a cluster name, got ${shown(o.name)}`);
      const cluster: ClusterConfig = { name: o.name };
      if (o.region !== undefined) {
        if (typeof o.region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(o.region)) {
          throw new ConfigError(`${key}.region`, `expected an AWS region like "us-west-2", got ${shown(o.region)}`);
        }
        cluster.region = o.region;
      }
      if (o.nodegroups !== undefined) {
        const groups = nodegroupList(o.nodegroups, `${key}.nodegroups`);
        cluster.nodegroups = groups.names;
        if (Object.keys(groups.windows).length > 0) cluster.nodegroupWindows = groups.windows;
      }
      if (o.roleArn !== undefined) {
        if (typeof o.roleArn !== 'string' || !/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(o.roleArn)) {
          throw new ConfigError(`${key}.roleArn`, `expected an IAM role ARN like "arn:aws:iam::123456789012:role/mngbot", got ${shown(o.roleArn)}`);
        }
        cluster.roleArn = o.roleArn;
      }
      if (o.externalId !== undefined) {
        if (typeof o.externalId !== 'string' || o.externalId === '') throw new ConfigError(`${key}.externalId`, `expected the role's external id, got ${shown(o.externalId)}`);
        cluster.externalId = o.externalId;
      }
      if (o.selfManaged !== undefined) cluster.selfManaged = selfManagedGroups(o.selfManaged, `${key}.selfManaged`);
      if (o.channels !== undefined) cluster.channels = stringList(o.channels, `${key}.channels`, CHANNEL, 'a channel id like "C0123ABC" or a name like "#ops"');
      if (o.windows !== undefined) cluster.windows = windowList(o.windows, `${key}.windows`);
      if (clusters.some((x) => x.name === cluster.name)) throw new ConfigError(`${key}.name`, `cluster ${cluster.name} is listed twice`);
      clusters.push(cluster);
    });
  }

  const approvers = { users: [] as string[], groups: [] as string[] };
  if (top.approvers !== undefined) {
    const a = object(top.approvers, 'approvers', ['users', 'groups']);
    if (a.users !== undefined) approvers.users = stringList(a.users, 'approvers.users', USER_ID, 'a Slack user id like "U0123ABC"');
    if (a.groups !== undefined) approvers.groups = stringList(a.groups, 'approvers.groups', GROUP_ID, 'a Slack user-group id like "S0123ABC"');
  }

  const defaults: Partial<Defaults> = {};
  if (top.defaults !== undefined) {
    const d = object(top.defaults, 'defaults', ['strategy', 'maxUnavailable', 'drainTimeout', 'approvalExpiry']);
    if (d.strategy !== undefined) {
      if (d.strategy !== 'rolling' && d.strategy !== 'eks') throw new ConfigError('defaults.strategy', `expected "rolling" or "eks", got ${shown(d.strategy)}`);
      defaults.strategy = d.strategy;
    }
    if (d.maxUnavailable !== undefined) {
      if (typeof d.maxUnavailable !== 'number' || !Number.isInteger(d.maxUnavailable) || d.maxUnavailable < 1 || d.maxUnavailable > 100) {
        throw new ConfigError('defaults.maxUnavailable', `expected a whole number from 1 to 100, got ${shown(d.maxUnavailable)}`);
      }
      defaults.maxUnavailable = d.maxUnavailable;
    }
    if (d.drainTimeout !== undefined) defaults.drainTimeoutMs = duration(d.drainTimeout, 'defaults.drainTimeout');
    if (d.approvalExpiry !== undefined) defaults.approvalExpiryMs = duration(d.approvalExpiry, 'defaults.approvalExpiry');
  }

  let allowSelfApproval: boolean | undefined;
  if (top.allowSelfApproval !== undefined) {
    if (typeof top.allowSelfApproval !== 'boolean') throw new ConfigError('allowSelfApproval', `expected true or false, got ${shown(top.allowSelfApproval)}`);
    allowSelfApproval = top.allowSelfApproval;
  }
  return { clusters, windows, approvers, defaults, ...(allowSelfApproval !== undefined ? { allowSelfApproval } : {}) };
}

export type WindowsSource = 'nodegroup' | 'cluster' | 'global' | 'none';

/** A node group's windows and the level they come from: its own, else its cluster's, else the global ones. */
export function resolveWindows(config: Pick<Config, 'clusters' | 'windows'>, ref: GroupRef): { windows: Window[]; from: WindowsSource } {
  const cluster = config.clusters.find((c) => c.name === ref.cluster);
  const own = cluster?.nodegroupWindows && Object.hasOwn(cluster.nodegroupWindows, ref.nodegroup) ? cluster.nodegroupWindows[ref.nodegroup] : undefined;
  if (own) return { windows: own, from: 'nodegroup' };
  if (cluster?.windows) return { windows: cluster.windows, from: 'cluster' };
  if (config.windows.length > 0) return { windows: config.windows, from: 'global' };
  return { windows: [], from: 'none' };
}

/** A node group's maintenance windows (most specific wins); empty: it runs at once. Pure. */
export function windowsFor(config: Pick<Config, 'clusters' | 'windows'>, ref: GroupRef): Window[] {
  return resolveWindows(config, ref).windows;
}

/** Parses YAML or JSON text (YAML reads both); `source` names the file in errors. */
export function parseConfigText(text: string, source: string): FileConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError('MNG_CONFIG', `${source} is not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  try {
    return parseConfigObject(raw);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`${source}: ${err.key || '(top)'}`, err.message.slice(err.key.length + 2));
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// The environment

type Env = Record<string, string | undefined>;

function envString(env: Env, key: string): string | undefined {
  const v = env[key]?.trim();
  return v ? v : undefined;
}

function envBool(env: Env, key: string, fallback: boolean): boolean {
  const v = envString(env, key)?.toLowerCase();
  if (v === undefined) return fallback;
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(key, `expected true or false, got ${shown(env[key])}`);
}

function envInt(env: Env, key: string, fallback: number, min: number, max: number): number {
  const v = envString(env, key);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) throw new ConfigError(key, `expected a whole number from ${min} to ${max}, got ${shown(v)}`);
  return n;
}

function envUrl(env: Env, key: string): string | undefined {
  const v = envString(env, key);
  if (v === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new ConfigError(key, `expected an http(s) URL like "http://127.0.0.1:4000/api/", got ${shown(v)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(key, `expected an http(s) URL, got ${shown(v)}`);
  // The Web API client resolves method names against this URL: without the slash, "api" would be lost.
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}

export interface LoadOptions {
  env?: Env;
  readText?: (path: string) => Promise<string>;
}

/** Reads and validates the whole configuration. Throws ConfigError naming the key. */
export async function loadConfig(opts: LoadOptions = {}): Promise<Config> {
  const env = opts.env ?? process.env;
  const readText = opts.readText ?? ((p: string) => readFile(p, 'utf8'));

  const slack: SlackSettings = {
    socketMode: envBool(env, 'SLACK_SOCKET_MODE', false),
    port: envInt(env, 'PORT', DEFAULT_PORT, 0, 65535),
  };
  const botToken = envString(env, 'SLACK_BOT_TOKEN');
  const signingSecret = envString(env, 'SLACK_SIGNING_SECRET');
  const appToken = envString(env, 'SLACK_APP_TOKEN');
  const apiUrl = envUrl(env, 'SLACK_API_URL');
  if (botToken) slack.botToken = botToken;
  if (signingSecret) slack.signingSecret = signingSecret;
  if (appToken) slack.appToken = appToken;
  if (apiUrl) slack.apiUrl = apiUrl;
  if (botToken && !/^xox[bp]-/.test(botToken)) throw new ConfigError('SLACK_BOT_TOKEN', 'expected a bot token starting with "xoxb-"');
  if (appToken && !appToken.startsWith('xapp-')) throw new ConfigError('SLACK_APP_TOKEN', 'expected an app-level token starting with "xapp-"');

  const worldName = envString(env, 'MNG_WORLD') ?? 'sim';
  let world: WorldConfig;
  if (worldName === 'sim') {
    const scenario = envString(env, 'MNG_SCENARIO');
    if (!scenario) throw new ConfigError('MNG_SCENARIO', 'expected the path of a scenario file (MNG_WORLD=sim runs against the simulator)');
    const speedText = envString(env, 'MNG_SIM_SPEED');
    const simSpeed = speedText === undefined ? DEFAULT_SIM_SPEED : Number(speedText);
    if (!(Number.isFinite(simSpeed) && simSpeed > 0 && simSpeed <= 1_000_000)) {
      throw new ConfigError('MNG_SIM_SPEED', `expected simulated seconds per real second, a number above 0, got ${shown(speedText)}`);
    }
    world = { kind: 'sim', scenario, simSpeed };
  } else if (worldName === 'aws') {
    const clockUrl = envUrl(env, 'MNG_CLOCK_URL');
    world = { kind: 'aws', ...(clockUrl ? { clockUrl: clockUrl.replace(/\/$/, '') } : {}) };
  } else {
    throw new ConfigError('MNG_WORLD', `expected "sim" or "aws", got ${shown(worldName)}`);
  }

  const logLevel = (envString(env, 'MNG_LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('MNG_LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}, got ${shown(logLevel)}`);

  const configFile = envString(env, 'MNG_CONFIG');
  let file: FileConfig = { clusters: [], windows: [], approvers: { users: [], groups: [] }, defaults: {} };
  if (configFile) {
    let text: string;
    try {
      text = await readText(configFile);
    } catch (err) {
      throw new ConfigError('MNG_CONFIG', `cannot read ${configFile}: ${(err as Error).message}`);
    }
    file = parseConfigText(text, configFile);
  }

  const extra = envString(env, 'MNG_APPROVERS');
  const envApprovers = extra
    ? extra.split(',').map((s, i) => {
        const id = s.trim();
        if (!USER_ID.test(id)) throw new ConfigError('MNG_APPROVERS', `item ${i + 1}: expected a Slack user id like "U0123ABC", got ${shown(id)}`);
        return id;
      })
    : [];

  const node = envString(env, 'MNG_NODE_NAME');
  const podName = envString(env, 'MNG_POD_NAME');
  const podNamespace = envString(env, 'MNG_POD_NAMESPACE');
  if ((podName === undefined) !== (podNamespace === undefined)) {
    throw new ConfigError(podName ? 'MNG_POD_NAMESPACE' : 'MNG_POD_NAME', 'set MNG_POD_NAME and MNG_POD_NAMESPACE together (the downward API gives both)');
  }
  const self: SelfPod | undefined = node ? { node, ...(podName && podNamespace ? { pod: { namespace: podNamespace, name: podName } } : {}) } : undefined;

  return {
    slack,
    world,
    ...(self ? { self } : {}),
    clusters: file.clusters,
    windows: file.windows,
    dataDir: envString(env, 'MNG_DATA_DIR') ?? DEFAULT_DATA_DIR,
    retention: {
      runDays: envInt(env, 'MNG_RUN_RETENTION_DAYS', DEFAULT_RUN_RETENTION_DAYS, 1, 100_000),
      auditDays: envInt(env, 'MNG_AUDIT_RETENTION_DAYS', DEFAULT_AUDIT_RETENTION_DAYS, 1, 100_000),
    },
    approvers: { users: [...new Set([...file.approvers.users, ...envApprovers])], groups: file.approvers.groups },
    defaults: { ...file.defaults, approvalExpiryMs: file.defaults.approvalExpiryMs ?? DEFAULT_APPROVAL_EXPIRY_MS },
    allowSelfApproval: file.allowSelfApproval ?? false,
    logLevel,
    ...(configFile ? { configFile } : {}),
  };
}

/** What is missing to talk to Slack, as environment variable names with a reason each. */
export function missingSlackSettings(slack: SlackSettings): string[] {
  const missing: string[] = [];
  if (!slack.botToken) missing.push('SLACK_BOT_TOKEN (the bot token, xoxb-…)');
  if (slack.socketMode) {
    if (!slack.appToken) missing.push('SLACK_APP_TOKEN (an app-level token, xapp-…, for SLACK_SOCKET_MODE=true)');
  } else if (!slack.signingSecret) {
    missing.push('SLACK_SIGNING_SECRET (to verify requests in HTTP mode)');
  }
  return missing;
}
