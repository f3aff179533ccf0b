// `npm start` with no configuration: the simulated cloud as its own process (npm run world), the real
// bot as another (its real AWS and Kubernetes adapters, its data directory), and a local Slack-like
// console in the browser. The bot can be killed and started again while the world keeps living, to
// see it pick the run up where it was. No Slack workspace, no AWS account: nothing leaves 127.0.0.1.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { DEMO_APPROVER, DEMO_PEOPLE, DEMO_REQUESTER } from '../console/demo-people.js';
import { startConsole, type ConsoleServer } from '../console/server.js';
import type { Logger } from '../log.js';
import { loadScenario } from '../sim/scenario.js';
import { BotChild } from './bot-child.js';
import { startWorldChild, type WorldChild } from './world-child.js';

export const DEMO_SCENARIO = 'scenarios/eks-workshop.json';
/** Simulated seconds per real second: the workshop's upgrade takes a few minutes to watch. */
export const DEMO_SPEED = 6;
export const DEMO_DATA_DIR = './data/demo';
const DEMO_HOST = '127.0.0.1';

export interface DemoOptions {
  /** The console's port; 0 picks a free one. */
  consolePort: number;
  speed?: number;
  /** The bot's data directory; DEMO_DATA_DIR by default. */
  dataDir?: string;
  /**
   * How the console reaches the bot: signed HTTP requests (the default), or Socket Mode, where the
   * bot opens the console's WebSocket as it opens Slack's (SLACK_SOCKET_MODE=true npm start).
   */
  transport?: 'http' | 'socket';
  /** The world's scenario (MNG_SCENARIO); the EKS Workshop's cluster by default. */
  scenario?: string;
  log: Logger;
}

export interface Demo {
  console: ConsoleServer;
  world: WorldChild;
  bot: BotChild;
  dataDir: string;
  /** What to print: where to look and what to type. */
  banner: string;
  stop(): Promise<void>;
}

export async function startDemo(o: DemoOptions): Promise<Demo> {
  const dataDir = resolve(o.dataDir ?? DEMO_DATA_DIR);
  const previous = await setAside(dataDir, o.dataDir === undefined);
  await mkdir(dataDir, { recursive: true });
  const speed = o.speed ?? DEMO_SPEED;
  // Fresh every start: the console and the bot share them, nobody else needs them.
  const signingSecret = randomBytes(24).toString('hex');
  const botToken = `xoxb-demo-${randomBytes(12).toString('hex')}`;
  const socketMode = o.transport === 'socket';
  const appToken = `xapp-demo-${randomBytes(12).toString('hex')}`;
  const botPort = await freePort();

  const scenarioFile = o.scenario ?? DEMO_SCENARIO;
  // Read first: a scenario with a mistake is said before any process starts.
  const scenario = await loadScenario(scenarioFile);
  const workshop = scenarioFile === DEMO_SCENARIO;
  const { name: nodegroup, version: fromVersion } = scenario.nodegroup;
  const ask = `/mng upgrade ${nodegroup} ${scenario.cluster.version}`;
  const world = await startWorldChild({ scenario: scenarioFile, speed, dir: dataDir });
  let console: ConsoleServer | undefined;
  try {
    console = await startConsole({
      ...(socketMode ? { appToken } : { botEventsUrl: `http://${DEMO_HOST}:${botPort}/slack/events`, signingSecret }),
      botToken,
      users: [...DEMO_PEOPLE],
      host: DEMO_HOST,
      port: o.consolePort,
      hints: workshop
        ? ['/mng upgrade nodegroup 1.23', '/mng upgrade nodegroup --name=nodegroup --cluster=eksworkshop-eksctl --kubernetes-version=1.23', '/mng help']
        : [ask, `${ask} --no-bake`, '/mng help'],
      log: o.log.child({ component: 'console' }),
    });
    const bot = new BotChild({
      world,
      dataDir,
      port: botPort,
      slackApiUrl: console.apiUrl,
      ...(socketMode ? { appToken } : { signingSecret }),
      botToken,
      approvers: [DEMO_REQUESTER.id, DEMO_APPROVER.id],
      logFile: join(dataDir, 'mngbot.log'),
    });
    await bot.start();
    const shown = console;
    const banner = [
      workshop
        ? `mngbot demo: the real bot on a simulated EKS Workshop cluster (Kubernetes 1.23; node group "nodegroup" on 1.22), at ${speed}× speed.`
        : `mngbot demo: the real bot on ${scenarioFile} (cluster ${scenario.cluster.name}, Kubernetes ${scenario.cluster.version}; node group "${nodegroup}" on ${fromVersion}), at ${speed}× speed.`,
      '',
      `  Slack-like console:   ${shown.url}`,
      `  Follow the nodes:     kubectl --kubeconfig ${world.kubeconfig} get nodes --watch`,
      `  The simulated cloud:  AWS ${world.aws}  Kubernetes ${world.kube}  (npm run world)`,
      `  The bot:              process ${bot.pid}, data in ${dataDir} (MNG_DATA_DIR), log in ${join(dataDir, 'mngbot.log')}`,
      socketMode
        ? '  Transport:            Socket Mode: the bot opened the console\'s WebSocket (apps.connections.open), as it opens Slack\'s'
        : '  Transport:            HTTP: the console signs requests to the bot\'s /slack/events (SLACK_SOCKET_MODE=true npm start for Socket Mode)',
      '',
      `In the console, as ${DEMO_REQUESTER.name}, type ${workshop ? '/mng upgrade nodegroup 1.23' : ask}; then act as ${DEMO_APPROVER.name} to approve it.`,
      'Press k to kill the bot (SIGKILL) mid-run and s to start it again: it picks the run up where it was.',
      ...(previous ? [`The previous demo's data (its world is gone) was moved to ${previous}.`] : []),
      'No Slack workspace or AWS account is used. Ctrl-C stops the demo.',
    ].join('\n');
    return {
      console: shown,
      world,
      bot,
      dataDir,
      banner,
      async stop() {
        await bot.stop();
        await shown.close();
        await world.stop();
      },
    };
  } catch (err) {
    await console?.close();
    await world.stop();
    throw err;
  }
}

/**
 * A new demo is a new world: runs recorded against the last one cannot go on. Its data directory is
 * moved aside (the default one only; a directory the person named is theirs, and the bot says what
 * it cannot resume).
 */
async function setAside(dataDir: string, isDefault: boolean): Promise<string | undefined> {
  if (!isDefault || !existsSync(dataDir)) return undefined;
  const previous = `${dataDir}.previous`;
  await rm(previous, { recursive: true, force: true });
  await rename(dataDir, previous);
  return previous;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, DEMO_HOST, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}
