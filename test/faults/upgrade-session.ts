// An upgrade asked and approved through Slack, carried out by mngbot running as a process against the
// simulated cloud: the pieces every process-level fault test starts from.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACTION_APPROVE } from '../../src/slack/blocks/plan.js';
import { progressBlockId } from '../../src/slack/blocks/progress.js';
import type { FakeMessage } from '../slack/fake-web-api.js';
import { freePort } from '../aws/moto.js';
import type { BotChild } from '../../src/demo/bot-child.js';
import { botOn, startWorld, type Ledger, type WorldProcess } from './processes.js';
import { APPROVER, SlackPeer } from './slack-peer.js';

export const TARGET = '1.31';

export interface SessionOptions {
  label: string;
  speed: number;
  scenario?: string;
  /** The data directory (e.g. on a small tmpfs); default DIR/data. */
  dataDir?: string;
  dir?: string;
  /** Extra options for /mng upgrade. */
  options?: string;
  /** More environment for every bot of the session (MNG_STORE=kubernetes for replicas). */
  env?: Record<string, string>;
}

export class UpgradeSession {
  bot?: BotChild;
  plan!: FakeMessage;
  runId!: string;
  before!: Ledger;

  private constructor(
    readonly dir: string,
    readonly world: WorldProcess,
    readonly slack: SlackPeer,
    readonly port: number,
    readonly dataDir: string,
    readonly env: Record<string, string> = {},
  ) {}

  static async open(o: SessionOptions): Promise<UpgradeSession> {
    const dir = o.dir ?? (await mkdtemp(join(tmpdir(), `mngbot-${o.label}-`)));
    const world = await startWorld({ scenario: o.scenario ?? 'scenarios/fault-matrix.json', speed: o.speed, dir });
    const slack = await SlackPeer.start();
    const s = new UpgradeSession(dir, world, slack, await freePort(), o.dataDir ?? join(dir, 'data'), o.env);
    s.before = await world.ledger();
    return s;
  }

  /** A bot on the session's data directory and port (a second one with `port`), started unless told. */
  async launch(opts: { port?: number; start?: boolean; logFile?: string } = {}): Promise<BotChild> {
    const bot = botOn({
      env: this.env,
      world: this.world,
      dataDir: this.dataDir,
      slackApiUrl: this.slack.fake.url,
      signingSecret: this.slack.signingSecret,
      botToken: this.slack.botToken,
      approvers: [APPROVER],
      logFile: opts.logFile ?? join(this.dir, 'bot.log'),
      port: opts.port ?? this.port,
    });
    if (opts.start !== false) await bot.start();
    return bot;
  }

  /**
   * Starts the bot, asks for the upgrade and approves it. No health-gate bake: these runs are about
   * kills and faults, and at their speeds five simulated minutes cost seconds of real time.
   */
  async start(options = '--drain-timeout 2h --no-bake'): Promise<void> {
    this.bot = await this.launch();
    const asked = await this.slack.command(this.bot.url, `upgrade nodegroup ${TARGET} --cluster faults --nodegroup workers ${options}`);
    if (asked.status !== 200) throw new Error(`the command was answered ${asked.status}: ${asked.body}`);
    this.plan = await this.slack.fake.waitFor(() => this.slack.planMessage(), 30_000, 'the plan message');
    this.runId = /r-[0-9a-f]{8}/.exec(JSON.stringify(this.plan.blocks))![0];
    const approved = await this.slack.click(this.bot.url, ACTION_APPROVE, this.runId, APPROVER, this.plan);
    if (approved.status !== 200) throw new Error(`the approval was answered ${approved.status}: ${approved.body}`);
  }

  /** The run's summary in the thread, once it has ended. */
  summary(): FakeMessage | undefined {
    const marker = progressBlockId(this.runId);
    return this.slack
      .thread(this.plan)
      .find((m) => /^Upgrade of \S+ (succeeded|failed|cancelled|aborted)/.test(m.text) && !JSON.stringify(m.blocks ?? []).includes(marker));
  }

  /** Everything the summary says, blocks included. */
  summaryText(): string {
    const m = this.summary();
    return m ? `${m.text}\n${JSON.stringify(m.blocks ?? [])}` : 'no summary';
  }

  waitForEnd(timeoutMs = 180_000): Promise<FakeMessage> {
    return this.slack.fake.waitFor(() => this.summary(), timeoutMs, `the end of run ${this.runId}`);
  }

  progressMessages(): FakeMessage[] {
    const marker = progressBlockId(this.runId);
    return this.slack.thread(this.plan).filter((m) => JSON.stringify(m.blocks ?? []).includes(marker));
  }

  /** Stops the bot as Kubernetes would (SIGTERM), once Slack has its last edits. */
  async stopBot(): Promise<void> {
    if (!this.bot) return;
    await new Promise((r) => setTimeout(r, 1500));
    await this.bot.stop();
    this.bot = undefined;
  }

  /** What a finished run and the world must show; empty when all is well. */
  async problems(opts: { succeeded: boolean }): Promise<{ problems: string[]; ledger: Ledger; terminationsPerOld: number[] }> {
    const ledger = await this.world.ledger();
    const oldInstances = this.before.instances.map((i) => i.id);
    const terminationsPerOld = oldInstances.map((id) => ledger.terminationRequests[id] ?? 0);
    const twice = Object.entries(ledger.terminationRequests).filter(([, n]) => n > 1).map(([id]) => id);
    const problems: string[] = [];
    const check = (ok: boolean, what: string) => ok || problems.push(what);
    const summary = this.summaryText();
    if (opts.succeeded) {
      check(/^Upgrade of \S+ succeeded/.test(summary), `run ended: ${summary.slice(0, 400)}`);
      check(terminationsPerOld.every((n) => n === 1), `termination requests per old instance: ${terminationsPerOld.join(',')}`);
      check(JSON.stringify(ledger.group) === JSON.stringify(this.before.group), `group ${JSON.stringify(ledger.group)}, was ${JSON.stringify(this.before.group)}`);
      check(Object.keys(ledger.versions).every((v) => v === TARGET), `nodes per version ${JSON.stringify(ledger.versions)}`);
      check(ledger.podsLost === 0 && ledger.pdbViolations === 0 && ledger.nodesTerminatedWithPods === 0, `ledger harm ${JSON.stringify(ledger)}`);
    }
    check(twice.length === 0, `instances asked to terminate twice: ${twice.join(', ')}`);
    check(ledger.terminatedTwice === 0 && ledger.forcedDeletions === 0, `ledger terminatedTwice=${ledger.terminatedTwice} forcedDeletions=${ledger.forcedDeletions}`);
    check(ledger.leftTainted === 0 && ledger.leftCordoned === 0, `left tainted ${ledger.leftTainted}, cordoned ${ledger.leftCordoned}`);
    const progress = this.progressMessages();
    check(progress.length === 1, `${progress.length} progress messages in the thread`);
    check((progress[0]?.updates ?? 0) > 0, 'the progress message was never edited');
    return { problems, ledger, terminationsPerOld };
  }

  async close(): Promise<void> {
    await this.bot?.kill();
    await this.slack.stop();
    await this.world.stop();
  }
}
