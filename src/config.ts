// One validated configuration: secrets and switches from the environment, everything else from the
// file MNG_CONFIG names (YAML or JSON). A mistake stops the start with a message naming the key.
// The schemas, and the types they give, are in config/.
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_AMI_WATCH, type AmiWatchSettings } from './app/ami-watch.js';
import type { GroupRef } from './engine/ports.js';
import type { SelfPod } from './engine/step-context.js';
import type { LogLevel } from './log.js';
import type { Window } from './schedule/windows.js';
import { envSchema, type EnvSettings, type SlackSettings, type StoreConfig, type WorldConfig } from './config/env-schema.js';
import { fileConfigSchema, type ClusterConfig, type FileConfig, type FileDefaults } from './config/file-schema.js';
import { SecretFileError, withSecretFiles } from './config/secret-files.js';
import { firstIssue, keyPath } from './zod-issues.js';

export { DEFAULT_DATA_DIR, DEFAULT_PORT, DEFAULT_SIM_SPEED, TRUTHY, type SlackSettings, type StoreConfig, type WorldConfig } from './config/env-schema.js';
export type { ClusterConfig, FileConfig, SelfManagedGroup } from './config/file-schema.js';

export const DEFAULT_APPROVAL_EXPIRY_MS = 30 * 60_000;

export type Defaults = FileDefaults & { approvalExpiryMs: number };

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
  /** Where runs live (MNG_STORE): the data file (absent, or kind file), or the Kubernetes API for two replicas. */
  store?: StoreConfig;
  approvers: { users: string[]; groups: string[] };
  defaults: Defaults;
  allowSelfApproval: boolean;
  logLevel: LogLevel;
  configFile?: string;
  /** Where this mngbot runs (MNG_NODE_NAME, MNG_POD_NAMESPACE, MNG_POD_NAME from the downward API). */
  self?: SelfPod;
  /** The daily AMI watch; absent: off. */
  amiWatch?: AmiWatchSettings;
}

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

/** Validates a parsed configuration file. */
export function parseConfigObject(raw: unknown): FileConfig {
  return checkFile(raw, (key) => key);
}

function checkFile(raw: unknown, named: (key: string) => string): FileConfig {
  const parsed = fileConfigSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const { path, message } = firstIssue(parsed.error);
  throw new ConfigError(named(keyPath(path)), message);
}

/** Parses YAML or JSON text (YAML reads both); `source` names the file in errors. */
export function parseConfigText(text: string, source: string): FileConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError('MNG_CONFIG', `${source} is not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  return checkFile(raw, (key) => `${source}: ${key || '(top)'}`);
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

type Env = Record<string, string | undefined>;

export interface LoadOptions {
  env?: Env;
  readText?: (path: string) => Promise<string>;
}

/** The environment's settings; a ConfigError names the variable ("MNG_APPROVERS: item 2: …" inside a list). */
function parseEnv(env: Env): EnvSettings {
  const parsed = envSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  const { path, message } = firstIssue(parsed.error);
  const [key, item] = path;
  throw new ConfigError(String(key), typeof item === 'number' ? `item ${item + 1}: ${message}` : message);
}

/** Reads and validates the whole configuration. Throws ConfigError naming the key. */
export async function loadConfig(opts: LoadOptions = {}): Promise<Config> {
  const readText = opts.readText ?? ((p: string) => readFile(p, 'utf8'));
  let raw: Env;
  try {
    raw = await withSecretFiles(opts.env ?? process.env, readText);
  } catch (err) {
    if (err instanceof SecretFileError) throw new ConfigError(err.key, err.message);
    throw err;
  }
  const env = parseEnv(raw);

  let file: FileConfig = parseConfigObject(undefined);
  if (env.configFile) {
    let text: string;
    try {
      text = await readText(env.configFile);
    } catch (err) {
      throw new ConfigError('MNG_CONFIG', `cannot read ${env.configFile}: ${(err as Error).message}`);
    }
    file = parseConfigText(text, env.configFile);
  }

  return {
    slack: env.slack,
    world: env.world,
    ...(env.self ? { self: env.self } : {}),
    clusters: file.clusters,
    windows: file.windows,
    dataDir: env.dataDir,
    retention: env.retention,
    store: env.store,
    approvers: { users: [...new Set([...file.approvers.users, ...env.approvers])], groups: file.approvers.groups },
    defaults: { ...file.defaults, approvalExpiryMs: file.defaults.approvalExpiryMs ?? DEFAULT_APPROVAL_EXPIRY_MS },
    allowSelfApproval: file.allowSelfApproval ?? false,
    logLevel: env.logLevel,
    ...(env.configFile ? { configFile: env.configFile } : {}),
    ...amiWatchOf(env.amiWatch, file),
  };
}

/**
 * The AMI watch: on by default (daily at 09:00 UTC), off with amiWatch: false or MNG_AMI_WATCH=off;
 * MNG_AMI_WATCH's cron wins over the file's. It posts in amiWatch.channel, else the first channel a
 * cluster names.
 */
function amiWatchOf(envCron: string | undefined, file: FileConfig): { amiWatch?: AmiWatchSettings } {
  if (envCron === 'off' || (file.amiWatch === false && envCron === undefined)) return {};
  const own = file.amiWatch || {};
  const channel = own.channel ?? file.clusters.find((c) => c.channels?.length)?.channels?.[0];
  return {
    amiWatch: {
      cron: envCron ?? own.cron ?? DEFAULT_AMI_WATCH.cron,
      timezone: own.timezone ?? DEFAULT_AMI_WATCH.timezone,
      ...(channel ? { channel } : {}),
    },
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
