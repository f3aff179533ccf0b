// One CLI command's world: the composition (app/compose.ts) opened for the command line's options,
// and a driver that moves simulated time while the command waits, or watches real time.
import { userInfo } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Application } from '../app/application.js';
import { createDeps, CREDENTIALS_HOLDER, type Deps } from '../app/compose.js';
import { pendingCalls } from '../app/simulate.js';
import { toRequest, type UpgradeChoices } from '../app/request-upgrade.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import type { RunStore } from '../engine/ports.js';
import type { UpgradeRequest } from '../engine/run.js';
import { createLogger, LOG_LEVELS } from '../log.js';
import type { CliIo } from './io.js';
import { UsageError } from './usage-error.js';

/** The package's demo world: the simulator's default when nothing names one. */
export const DEFAULT_SCENARIO = fileURLToPath(new URL('../../scenarios/demo.json', import.meta.url));

const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Waits for conditions while time moves: a virtual clock is moved timer by timer, a real one is watched. */
export interface Driver {
  /** 'idle': simulated time has nothing left to do and the condition still does not hold. */
  until(done: () => boolean): Promise<'done' | 'idle'>;
  settle<T>(promise: Promise<T>): Promise<T>;
  /** Something changed: look at the condition again now. */
  wake(): void;
}

function virtualDriver(advance: () => boolean, store: { busy(): boolean; quiesce(): Promise<void> }): Driver {
  const until = async (done: () => boolean): Promise<'done' | 'idle'> => {
    for (;;) {
      await macrotask();
      if (done()) return 'done';
      // Simulated time waits for the store's real I/O (a data file).
      if (store.busy()) {
        await store.quiesce();
        continue;
      }
      if (!advance()) return 'idle';
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

/** Real time: the condition's inputs change only where wake() is called (a run's event, an interrupt). */
function realDriver(): Driver {
  let wake: (() => void) | undefined;
  return {
    async until(done) {
      while (!done()) {
        await new Promise<void>((resolve) => (wake = resolve));
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

/** What opening a session needs from the command line. */
export interface SessionArgs extends Partial<UpgradeChoices> {
  to?: string;
  scenario?: string;
  context?: string;
  kubeconfig?: string;
  dataDir?: string;
  speed?: number;
}

export interface Session extends Deps {
  app: Application;
  driver: Driver;
  /** What the command line asks for (plan and upgrade; resume names a run instead). */
  request?: UpgradeRequest;
  choices?: UpgradeChoices;
  user: string;
}

export async function openSession(args: SessionArgs, io: CliIo, opts: { keepRuns: boolean }): Promise<Session> {
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
  const log = createLogger({ level, write: io.err, format: 'text' });

  // A cluster named on the command line needs no configuration file, only a region (AWS_REGION).
  const clusters = config.world.kind === 'aws' && config.clusters.length === 0 && args.cluster ? [{ name: args.cluster }] : config.clusters;
  if (config.world.kind === 'aws' && clusters.length === 0) {
    throw new UsageError('which cluster? name it with --cluster (its region comes from AWS_REGION), or list clusters in the file MNG_CONFIG names');
  }
  const dataDir = args.dataDir ?? (env.MNG_DATA_DIR?.trim() || undefined);
  let calls: ReturnType<typeof pendingCalls<RunStore>> | undefined;
  const deps = await createDeps(
    { ...config, clusters, world: config.world.kind === 'sim' && args.speed !== undefined ? { ...config.world, simSpeed: args.speed } : config.world },
    {
      log,
      approvals: CREDENTIALS_HOLDER,
      dataDir: dataDir !== undefined && opts.keepRuns ? dataDir : null,
      virtualTime: args.speed === undefined,
      world: {
        kube: { ...(args.context ? { context: args.context } : {}), ...(args.kubeconfig ? { kubeconfig: args.kubeconfig } : {}) },
        env,
      },
      wrapStore: (store) => (calls = pendingCalls<RunStore>(store)).store,
    },
  );
  const driver = deps.advance && calls ? virtualDriver(deps.advance, calls) : realDriver();
  const session: Session = { ...deps, driver, user: cliUser(env) };
  if (args.to === undefined) return session;
  try {
    const ref = await driver.settle(deps.app.resolve({ ...(args.cluster ? { cluster: args.cluster } : {}), ...(args.nodegroup ? { nodegroup: args.nodegroup } : {}) }));
    const choices: UpgradeChoices = { ...args, version: args.to, cluster: ref.cluster, nodegroup: ref.nodegroup };
    return { ...session, choices, request: toRequest(ref, choices) };
  } catch (err) {
    await deps.close();
    throw err;
  }
}
