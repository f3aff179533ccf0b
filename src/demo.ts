// `npm start` with no configuration: the real bot on a simulated EKS Workshop cluster, driven from a
// local Slack-like console in the browser, with the simulated cluster's Kubernetes API served for
// kubectl. No Slack workspace, no AWS account, nothing leaves 127.0.0.1.
import { randomBytes } from 'node:crypto';
import { startBot, type Bot } from './bot.js';
import { DEFAULT_APPROVAL_EXPIRY_MS } from './config.js';
import { DEMO_APPROVER, DEMO_PEOPLE, DEMO_REQUESTER } from './console/demo-people.js';
import { startConsole, type ConsoleServer } from './console/server.js';
import type { Logger } from './log.js';
import { openWorld } from './open-world.js';
import { serveKubeApi, type KubeApiServer } from './sim/kube-http/serve-kube-api.js';
import { MemoryRunStore } from './store/memory-run-store.js';

export const DEMO_SCENARIO = 'scenarios/eks-workshop.json';
/** Simulated seconds per real second: the workshop's upgrade takes a few minutes to watch. */
export const DEMO_SPEED = 6;
const DEMO_HOST = '127.0.0.1';

export interface DemoOptions {
  /** The console's port; 0 picks a free one. */
  consolePort: number;
  /** The simulated Kubernetes API's port; 0 picks a free one. */
  kubePort?: number;
  speed?: number;
  log: Logger;
}

export interface Demo {
  console: ConsoleServer;
  kube: KubeApiServer;
  bot: Bot;
  /** What to print: where to look and what to type. */
  banner: string;
  stop(): Promise<void>;
}

export async function startDemo(o: DemoOptions): Promise<Demo> {
  // Fresh every start: the console and the bot share them, nobody else needs them.
  const signingSecret = randomBytes(24).toString('hex');
  const botToken = `xoxb-demo-${randomBytes(12).toString('hex')}`;
  let botEvents = '';
  const console = await startConsole({
    botEventsUrl: () => botEvents,
    signingSecret,
    botToken,
    users: [...DEMO_PEOPLE],
    host: DEMO_HOST,
    port: o.consolePort,
    hints: ['/mng upgrade nodegroup 1.23', '/mng upgrade nodegroup --name=nodegroup --cluster=eksworkshop-eksctl --kubernetes-version=1.23', '/mng help'],
    log: o.log.child({ component: 'console' }),
  });
  const speed = o.speed ?? DEMO_SPEED;
  const world = await openWorld({ world: { kind: 'sim', scenario: DEMO_SCENARIO, simSpeed: speed }, clusters: [] });
  // kubectl is an onlooker: its reads do not count as the bot's API calls.
  const kube = await serveKubeApi(world.sim!, { host: DEMO_HOST, port: o.kubePort ?? 0, meter: false });
  const bot = await startBot({
    config: {
      slack: { botToken, signingSecret, socketMode: false, apiUrl: console.apiUrl, port: 0 },
      approvers: { users: [DEMO_REQUESTER.id, DEMO_APPROVER.id], groups: [] },
      allowSelfApproval: false,
      // Approval expiry is meant in real minutes; the world's clock runs `speed` times faster.
      defaults: { approvalExpiryMs: DEFAULT_APPROVAL_EXPIRY_MS * speed },
      windows: [],
    },
    world,
    store: new MemoryRunStore(),
    log: o.log,
    host: DEMO_HOST,
  });
  botEvents = `http://${DEMO_HOST}:${bot.port}/slack/events`;

  const banner = [
    `mngbot demo: the real bot on a simulated EKS Workshop cluster (${world.clusters[0].name}, Kubernetes 1.23; node group "nodegroup" on 1.22), at ${speed}× speed.`,
    '',
    `  Slack-like console:   ${console.url}`,
    `  Follow the nodes:     kubectl --server ${kube.url} get nodes --watch`,
    '',
    `In the console, as ${DEMO_REQUESTER.name}, type /mng upgrade nodegroup 1.23; then act as ${DEMO_APPROVER.name} to approve it.`,
    'No Slack workspace or AWS account is used. Ctrl-C stops the demo.',
  ].join('\n');

  return {
    console,
    kube,
    bot,
    banner,
    async stop() {
      await bot.stop();
      await console.close();
      await kube.close();
      await world.close();
    },
  };
}
