// Composition root: configuration → world (simulator for now) → store → engine → Slack app.
// The only file that knows every folder.
import { ConfigError, loadConfig, missingSlackSettings, type Config } from './config.js';
import { Engine } from './engine/commands.js';
import { errorMessage, UserError } from './engine/errors.js';
import { createLogger, type Logger } from './log.js';
import { simMain } from './sim-cli.js';
import { PacedClock } from './sim/clock.js';
import { loadScenario } from './sim/scenario.js';
import { createWorld } from './sim/world.js';
import { createSlackApp } from './slack/app.js';
import { Approvers } from './slack/approvers.js';
import { Targets } from './slack/targets.js';
import { MemoryRunStore } from './store/memory-run-store.js';

const SHUTDOWN_TIMEOUT_MS = 15_000;

function fail(message: string, code = 2): never {
  process.stderr.write(`mngbot: ${message}\n`);
  process.exit(code);
}

async function start(config: Config, log: Logger): Promise<() => Promise<void>> {
  if (config.world.kind !== 'sim') {
    fail('MNG_WORLD=aws is not available yet: run with MNG_WORLD=sim and MNG_SCENARIO=FILE');
  }
  const scenario = await loadScenario(config.world.scenario);
  const clock = new PacedClock(config.world.simSpeed);
  const world = createWorld(scenario, { clock });
  const store = new MemoryRunStore();
  const clusters = config.clusters.length > 0 ? config.clusters : [{ name: scenario.cluster.name, nodegroups: [scenario.nodegroup.name] }];

  const approvers = new Approvers({
    users: config.approvers.users,
    groups: config.approvers.groups,
    allowSelfApproval: config.allowSelfApproval,
    log: log.child({ component: 'approvers' }),
  });
  if (!approvers.configured) log.warn('no approvers are configured: nobody can approve an upgrade (set MNG_APPROVERS or approvers in MNG_CONFIG)');

  const engine = new Engine({
    nodeGroups: world.nodeGroups,
    clusterFor: () => world.cluster,
    store,
    clock,
    policy: approvers,
    // The simulated clock runs MNG_SIM_SPEED times faster than people click: expiry is meant in real minutes.
    defaults: { ...config.defaults, approvalExpiryMs: config.defaults.approvalExpiryMs * config.world.simSpeed },
    log: log.child({ component: 'engine' }),
  });

  const slack = createSlackApp({
    settings: config.slack,
    engine,
    nodeGroups: world.nodeGroups,
    targets: new Targets(clusters, world.nodeGroups),
    approvers,
    clock,
    log,
    audit: (entry) => store.audit(entry),
  });
  const { port } = await slack.start();
  const resumed = await engine.start();
  log.info('mngbot ready', {
    world: 'sim',
    scenario: config.world.scenario,
    simSpeed: config.world.simSpeed,
    clusters: clusters.map((c) => c.name),
    port,
    resumed,
  });

  return async () => {
    // Stop taking clicks first, then let runs reach a safe point, then flush what Slack still owes.
    await engine.stop();
    await slack.stop();
  };
}

/** Nothing configured at all: show the engine at work on the simulator, in the terminal. */
function unconfigured(env: NodeJS.ProcessEnv): boolean {
  return !['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'MNG_CONFIG', 'MNG_WORLD'].some((k) => env[k]);
}

async function terminalDemo(): Promise<never> {
  process.stdout.write(
    'mngbot: no configuration, so here is a simulated upgrade of scenarios/demo.json in the terminal.\n' +
      'To run the Slack bot set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (see README).\n\n',
  );
  process.exit(await simMain(['--scenario', 'scenarios/demo.json']));
}

async function main(): Promise<void> {
  if (unconfigured(process.env)) await terminalDemo();
  let config: Config;
  try {
    config = await loadConfig();
  } catch (err) {
    if (err instanceof ConfigError || err instanceof UserError) fail(`configuration: ${err.message}`);
    throw err;
  }
  const missing = missingSlackSettings(config.slack);
  if (missing.length > 0) {
    fail(`cannot start without Slack settings. Missing:\n${missing.map((m) => `  - ${m}`).join('\n')}`);
  }
  const log = createLogger({ level: config.logLevel, base: { app: 'mngbot' } });

  let stop: () => Promise<void>;
  try {
    stop = await start(config, log);
  } catch (err) {
    if (err instanceof UserError) fail(err.message);
    log.error('could not start', { error: err instanceof Error ? err : String(err) });
    process.exit(1);
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    const timer = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    stop()
      .then(() => {
        log.info('stopped');
        process.exit(0);
      })
      .catch((err) => {
        log.error('shutdown failed', { error: errorMessage(err) });
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
