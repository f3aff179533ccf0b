// The command line's options: which each command takes (their meaning and checks are the shared
// grammar's, app/upgrade-options.ts) and what they become for the commands.
import { parseOptionArgs, readOptionValues, upgradeOptions, type OptionName, type OptionValues, type RawOptions, type UpgradeOptions } from '../app/upgrade-options.js';
import type { DecisionChoice } from '../engine/run.js';
import { UsageError } from './usage-error.js';

// The options each command takes; what they mean and how they are checked is app/upgrade-options'.
export const TARGET_FLAGS: readonly OptionName[] = [
  'to',
  'cluster',
  'nodegroup',
  'release-version',
  'strategy',
  'update-strategy',
  'max-unavailable',
  'surge',
  'drain-timeout',
  'deregistration-wait',
  'bake',
  'no-bake',
  'force',
  'json',
  'scenario',
  'context',
  'kubeconfig',
  'help',
];

export const RESUME_FLAGS: readonly OptionName[] = ['data-dir', 'decide', 'json', 'context', 'kubeconfig', 'scenario', 'help'];

export const STATUS_FLAGS: readonly OptionName[] = ['data-dir', 'json', 'help'];

export const FLEET_FLAGS: readonly OptionName[] = ['data-dir', 'json', 'context', 'kubeconfig', 'scenario', 'help'];

export const UPGRADE_FLAGS: readonly OptionName[] = [...TARGET_FLAGS, 'now', 'yes', 'decide', 'data-dir', 'speed'];

type Flags = RawOptions;

/** node:util parseArgs over the shared option table; no positionals. */
export function parseFlags(command: string, args: string[], names: readonly OptionName[]): Flags {
  const { raw, positionals } = parseOptionArgs(args, names);
  const [extra] = positionals;
  if (extra !== undefined) {
    throw new UsageError(
      `unexpected argument "${extra}": mngbot ${command} takes options only` + (/^v?\d+\.\d+/.test(extra) ? ` (did you mean --to ${extra}?)` : ''),
    );
  }
  return raw;
}

export interface TargetArgs extends UpgradeOptions {
  /** The version again, under its flag's name. */
  to: string;
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

/** The options of the world the command opens, as given. */
function worldArgs(values: OptionValues): Pick<TargetArgs, 'scenario' | 'context' | 'kubeconfig'> {
  return {
    ...(values.scenario !== undefined ? { scenario: values.scenario } : {}),
    ...(values.context !== undefined ? { context: values.context } : {}),
    ...(values.kubeconfig !== undefined ? { kubeconfig: values.kubeconfig } : {}),
  };
}

export function targetArgs(flags: Flags): TargetArgs {
  const values = readOptionValues(flags);
  const options = upgradeOptions(values);
  return { ...options, to: options.version, json: values.json === true, ...worldArgs(values) };
}

export function resumeArgs(flags: Flags): Partial<UpgradeArgs> {
  const values = readOptionValues(flags);
  return {
    json: values.json === true,
    ...(values.decide !== undefined ? { decide: values.decide } : {}),
    ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}),
    ...worldArgs(values),
  };
}

export function upgradeArgs(flags: Flags): UpgradeArgs {
  const values = readOptionValues(flags);
  return {
    ...targetArgs(flags),
    yes: values.yes === true,
    ...(values.decide !== undefined ? { decide: values.decide } : {}),
    ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}),
    ...(values.speed !== undefined ? { speed: values.speed } : {}),
  };
}

