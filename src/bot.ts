// The bot on one world and one store: the engine, the Slack app, the maintenance-window scheduler
// and the schedules it fires. main.ts, the demo and the end-to-end tests all start it through here.
import type { Config } from './config.js';
import { windowsFor } from './config.js';
import { Engine } from './engine/commands.js';
import { errorMessage } from './engine/errors.js';
import type { GroupRef, RunStore, WindowGate } from './engine/ports.js';
import type { EngineSettings } from './engine/step-context.js';
import type { StoreHealth } from './engine/store-guard.js';
import type { Logger } from './log.js';
import type { OpenedWorld } from './open-world.js';
import { takeDueSchedules } from './schedule/due-schedules.js';
import type { ScheduleStore } from './schedule/schedules.js';
import { WindowScheduler, type WindowTarget } from './schedule/scheduler.js';
import { windowGate } from './schedule/window-gate.js';
import type { Window } from './schedule/windows.js';
import { createSlackApp, type SlackApp, type SlackAppDeps } from './slack/app.js';
import { Approvers } from './slack/approvers.js';
import { Targets } from './slack/targets.js';

export interface BotOptions {
  config: Pick<Config, 'slack' | 'approvers' | 'allowSelfApproval' | 'defaults' | 'windows'>;
  world: Pick<OpenedWorld, 'nodeGroups' | 'clusterFor' | 'clock' | 'clusters'>;
  store: RunStore & ScheduleStore;
  log: Logger;
  /** Interface the Slack receiver listens on; all by default. */
  host?: string;
  settings?: Partial<EngineSettings>;
  /** Tests: the scheduler ticks only when told (bot.scheduler.tick). */
  schedulerTrigger?: 'cron' | 'manual';
  slack?: Pick<SlackAppDeps, 'expiryIntervalMs' | 'progressIntervalMs' | 'onEdit' | 'newScheduleId'>;
}

export interface Bot {
  engine: Engine;
  slack: SlackApp;
  scheduler: WindowScheduler;
  approvers: Approvers;
  /** The Slack receiver's HTTP port. */
  port?: number;
  /** Runs picked up again from the store at start. */
  resumed: string[];
  stop(): Promise<void>;
}

const key = (ref: GroupRef) => `${ref.cluster}/${ref.nodegroup}`;

export async function startBot(o: BotOptions): Promise<Bot> {
  const { config, world, store, log } = o;
  const clusters = world.clusters;
  const windowsOf = (ref: GroupRef) => windowsFor({ clusters, windows: config.windows }, ref);
  const gates = new Map<string, WindowGate | undefined>();
  const gateOf = (ref: GroupRef) => {
    if (!gates.has(key(ref))) {
      const windows = windowsOf(ref);
      gates.set(key(ref), windows.length ? windowGate(windows) : undefined);
    }
    return gates.get(key(ref));
  };

  const approvers = new Approvers({
    users: config.approvers.users,
    groups: config.approvers.groups,
    allowSelfApproval: config.allowSelfApproval,
    log: log.child({ component: 'approvers' }),
  });
  if (!approvers.configured) log.warn('no approvers are configured: nobody can approve an upgrade (set MNG_APPROVERS or approvers in MNG_CONFIG)');

  const engine = new Engine({
    nodeGroups: world.nodeGroups,
    clusterFor: (c) => world.clusterFor(c),
    store,
    clock: world.clock,
    policy: approvers,
    defaults: config.defaults,
    windows: gateOf,
    ...(o.settings ? { settings: o.settings } : {}),
    log: log.child({ component: 'engine' }),
  });

  const slack = createSlackApp({
    settings: config.slack,
    ...(o.host ? { host: o.host } : {}),
    engine,
    nodeGroups: world.nodeGroups,
    targets: new Targets(clusters, world.nodeGroups),
    approvers,
    clock: world.clock,
    log,
    audit: (entry) => store.audit(entry),
    auditLog: (n) => store.auditLog(n),
    windowsFor: windowsOf,
    schedules: store,
    health: () => healthProblems(engine, store),
    ...o.slack,
  });

  let firing = false;
  const fireDueSchedules = async (now: number) => {
    if (firing) return;
    firing = true;
    try {
      for (const due of takeDueSchedules(await store.listSchedules(), now)) {
        // Stored before asking: a crash in between loses one firing rather than making two.
        if (due.done || due.error) await store.deleteSchedule(due.schedule.id);
        else await store.putSchedule(due.next);
        if (due.error) {
          log.warn('schedule retired: its time can no longer be worked out', { schedule: due.schedule.id, error: due.error });
          continue;
        }
        await slack.requestScheduled(due.schedule);
      }
    } finally {
      firing = false;
    }
  };

  const scheduler = new WindowScheduler(
    await windowTargets(world, windowsOf, log),
    {
      onOpen: (ref) => {
        log.info('maintenance window open', { ...ref });
        return engine.windowChanged(ref);
      },
      onClose: (ref) => {
        log.info('maintenance window closed', { ...ref });
        return engine.windowChanged(ref);
      },
      onTick: fireDueSchedules,
      onError: (err, ref) => log.error('scheduler', { ...ref, error: errorMessage(err) }),
    },
    { trigger: o.schedulerTrigger ?? 'cron', now: () => world.clock.now() },
  );

  // Slack first, so the reporter hears what resumed runs say; then the runs; then the clock.
  const { port } = await slack.start();
  const resumed = await engine.start();
  scheduler.start();

  return {
    engine,
    slack,
    scheduler,
    approvers,
    ...(port !== undefined ? { port } : {}),
    resumed,
    async stop() {
      // Stop starting things, let runs reach a safe point, then flush what Slack is still owed.
      await scheduler.stop();
      await engine.stop();
      await slack.stop();
    },
  };
}

/** What keeps the bot from saving: the engine's last saves, and the store's own view (a failed write, a lost lock). */
function healthProblems(engine: Engine, store: BotOptions['store']): { problems: string[] } {
  const problems: string[] = [];
  const saving = engine.health();
  if (!saving.ok) problems.push(`runs cannot be saved: ${saving.problem}`);
  const own = (store as { health?: () => StoreHealth }).health?.();
  if (own && !own.ok) problems.push(`data store: ${own.problem}`);
  return { problems };
}

/** Every configured node group that has windows; a cluster that lists none contributes all its groups. */
async function windowTargets(world: BotOptions['world'], windowsOf: (ref: GroupRef) => readonly Window[], log: Logger): Promise<WindowTarget[]> {
  const targets: WindowTarget[] = [];
  for (const c of world.clusters) {
    let groups = c.nodegroups;
    if (!groups) {
      try {
        groups = await world.nodeGroups.listNodegroups(c.name);
      } catch (err) {
        log.warn('cannot list node groups for their maintenance windows; their runs still keep to them', { cluster: c.name, error: errorMessage(err) });
        continue;
      }
    }
    for (const nodegroup of groups) {
      const ref = { cluster: c.name, nodegroup };
      const windows = windowsOf(ref);
      if (windows.length) targets.push({ ref, windows: [...windows] });
    }
  }
  return targets;
}
