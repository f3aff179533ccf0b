// What runs without anyone asking: maintenance windows opening and closing (the engine starts or
// pauses runs that wait for them), schedules coming due, the daily AMI watch, and approval requests
// expiring. The same
// with Slack, without it (the CLI, tests), and whatever front end shows the results.
import { errorMessage } from '../engine/errors.js';
import type { Logger } from '../log.js';
import { WindowScheduler, type WindowTarget } from '../schedule/scheduler.js';
import type { Application } from './application.js';

export const DEFAULT_EXPIRY_INTERVAL_MS = 30_000;

export interface BackgroundOptions {
  /** 'cron' (default): node-cron ticks every minute. 'manual': only scheduler.tick() (tests). */
  trigger?: 'cron' | 'manual';
  /** Real ms between looks for expired approval requests; 30 s by default. */
  expiryIntervalMs?: number;
  log: Logger;
}

export interface Background {
  scheduler: WindowScheduler;
  stop(): Promise<void>;
}

export async function startBackground(app: Application, o: BackgroundOptions): Promise<Background> {
  const { log } = o;
  const scheduler = new WindowScheduler(
    await windowTargets(app, log),
    {
      onOpen: (ref) => {
        log.info('maintenance window open', { ...ref });
        return app.engine.windowChanged(ref);
      },
      onClose: (ref) => {
        log.info('maintenance window closed', { ...ref });
        return app.engine.windowChanged(ref);
      },
      onTick: async (now) => {
        await app.fireDueSchedules(now);
        await app.amiWatchTick(now);
      },
      onError: (err, ref) => log.error('scheduler', { ...ref, error: errorMessage(err) }),
    },
    { trigger: o.trigger ?? 'cron', now: () => app.clock.now() },
  );
  scheduler.start();

  const expire = async () => {
    try {
      for (const r of await app.expireStale()) log.info('approval request expired', { runId: r.id });
    } catch (err) {
      log.error('could not expire stale requests', { error: errorMessage(err) });
    }
  };
  const expiryTimer = setInterval(() => void expire(), o.expiryIntervalMs ?? DEFAULT_EXPIRY_INTERVAL_MS);
  expiryTimer.unref();

  return {
    scheduler,
    async stop() {
      clearInterval(expiryTimer);
      await scheduler.stop();
    },
  };
}

/** Every configured node group that has windows; a cluster that lists none contributes all its groups. */
async function windowTargets(app: Application, log: Logger): Promise<WindowTarget[]> {
  const targets: WindowTarget[] = [];
  for (const c of app.targets.clusters) {
    let groups: string[];
    try {
      groups = await app.targets.groupsOf(c);
    } catch (err) {
      log.warn('cannot list node groups for their maintenance windows; their runs still keep to them', { cluster: c.name, error: errorMessage(err) });
      continue;
    }
    for (const nodegroup of groups) {
      const ref = { cluster: c.name, nodegroup };
      const windows = app.windowsOf(ref);
      if (windows.length) targets.push({ ref, windows: [...windows] });
    }
  }
  return targets;
}
