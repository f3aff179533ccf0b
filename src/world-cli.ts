// npm run world -- --scenario FILE [--port N] [--kube-port N] [--speed N] [--seed N] [--kubeconfig FILE] [--config FILE]
// The simulated world as its own process: the scenario's cluster on a paced clock (world time starts at
// the real time now), its Kubernetes API and its AWS APIs on 127.0.0.1, living until SIGINT/SIGTERM.
// stdout gets exactly one line once both listen:
//   world: aws http://127.0.0.1:A kube http://127.0.0.1:K
// everything else goes to stderr. Bad arguments: a message and the usage on stderr, exit 2.
import { writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { errorMessage } from './engine/errors.js';
import { PacedClock } from './sim/clock.js';
import { loadScenario, ScenarioError, type Scenario } from './sim/scenario.js';
import { kubeconfigYaml, mngbotConfig } from './sim/world-files.js';
import { serveWorld, type WorldServer } from './sim/world-server.js';
import { createWorld, type SimWorld } from './sim/world.js';

export const WORLD_USAGE =
  'usage: npm run world -- --scenario FILE [--port N] [--kube-port N] [--speed N] [--seed N] [--kubeconfig FILE] [--config FILE]';

/** Simulated seconds per real second unless --speed says otherwise. */
export const DEFAULT_WORLD_SPEED = 60;

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface WorldArgs {
  scenario: string;
  port: number;
  kubePort: number;
  speed: number;
  seed?: number;
  kubeconfig?: string;
  config?: string;
}

export function parseWorldArgs(argv: string[]): WorldArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        scenario: { type: 'string' },
        port: { type: 'string' },
        'kube-port': { type: 'string' },
        speed: { type: 'string' },
        seed: { type: 'string' },
        kubeconfig: { type: 'string' },
        config: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    // node's messages go on to explain positionals; the first sentence says what was wrong.
    throw new UsageError(errorMessage(err).split(/\.\s/)[0].replace(/\.$/, ''));
  }
  const text = (k: string) => values[k] as string | undefined;
  const scenario = text('scenario');
  if (!scenario) throw new UsageError('--scenario FILE is required');
  for (const k of ['kubeconfig', 'config'] as const) if (text(k) === '') throw new UsageError(`--${k} needs a file name`);
  const seed = text('seed');
  return {
    scenario,
    port: port(text('port'), '--port'),
    kubePort: port(text('kube-port'), '--kube-port'),
    speed: speed(text('speed')),
    ...(seed !== undefined ? { seed: wholeNumber(seed, '--seed', 0, 0xffffffff) } : {}),
    ...(text('kubeconfig') ? { kubeconfig: text('kubeconfig') } : {}),
    ...(text('config') ? { config: text('config') } : {}),
  };
}

function port(value: string | undefined, flag: string): number {
  return value === undefined ? 0 : wholeNumber(value, flag, 0, 65535);
}

function wholeNumber(value: string, flag: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max} (got "${value}")`);
  return n;
}

function speed(value: string | undefined): number {
  if (value === undefined) return DEFAULT_WORLD_SPEED;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`--speed must be a number above 0 (got "${value}")`);
  return n;
}

export interface RunningWorld {
  world: SimWorld;
  server: WorldServer;
  /** The line for stdout. */
  line: string;
}

/** Builds the world, serves it and writes the files asked for. */
export async function startWorld(args: WorldArgs, log: (line: string) => void): Promise<RunningWorld> {
  let scenario: Scenario;
  try {
    scenario = await loadScenario(args.scenario);
  } catch (err) {
    if (err instanceof ScenarioError) throw new UsageError(err.message);
    throw err;
  }
  const clock = new PacedClock(args.speed, Date.now());
  const world = createWorld(scenario, { clock, ...(args.seed !== undefined ? { seed: args.seed } : {}) });
  const server = await serveWorld(world, { awsPort: args.port, kubePort: args.kubePort });
  try {
    if (args.kubeconfig) await writeFor(args.kubeconfig, '--kubeconfig', kubeconfigYaml(scenario, server.kubeUrl));
    if (args.config) await writeFor(args.config, '--config', `${JSON.stringify(mngbotConfig(scenario, world.aws.asg.name), null, 2)}\n`);
  } catch (err) {
    await server.close();
    throw err;
  }
  const ng = scenario.nodegroup;
  log(
    `world: ${args.scenario}: cluster ${scenario.cluster.name} (${scenario.cluster.region}, ${scenario.cluster.version}), ` +
      `${ng.managed ? 'managed' : 'self-managed'} node group ${ng.name} (Auto Scaling group ${world.aws.asg.name}), ` +
      `${ng.nodes} nodes on ${ng.version}, seed ${world.seed}, ${args.speed}x real time`,
  );
  log(
    `world: for the bot: MNG_WORLD=aws AWS_ENDPOINT_URL=${server.awsUrl} AWS_REGION=${scenario.cluster.region} ` +
      `AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test${args.config ? ` MNG_CONFIG=${args.config}` : ''}${args.kubeconfig ? ` KUBECONFIG=${args.kubeconfig}` : ''}`,
  );
  return { world, server, line: `world: aws ${server.awsUrl} kube ${server.kubeUrl}` };
}

async function writeFor(path: string, flag: string, text: string): Promise<void> {
  try {
    await writeFile(path, text);
  } catch (err) {
    throw new UsageError(`cannot write ${flag} ${path}: ${errorMessage(err)}`);
  }
}

async function main(argv: string[]): Promise<void> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  let running: RunningWorld;
  try {
    running = await startWorld(parseWorldArgs(argv), log);
  } catch (err) {
    if (err instanceof UsageError) {
      log(`world: ${err.message}`);
      log(WORLD_USAGE);
      process.exit(2);
    }
    log(`world: ${errorMessage(err)}`);
    process.exit(1);
  }
  process.stdout.write(`${running.line}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`world: ${signal}, closing`);
    // The world's own timers would keep the process alive: once the servers are closed, leave.
    running.server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log(`world: closing failed: ${errorMessage(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main(process.argv.slice(2));
}
