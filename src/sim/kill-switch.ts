// Kills a bot the way a crash would: from the chosen moment no call it makes returns, no watch event
// reaches it, and nothing it has not saved survives. The world and the store go on without it.
import type { Cluster, ClusterWatch, NodeGroups, RunStore } from '../engine/ports.js';

export interface KillPlan {
  /** Per bot generation: kill right after its n-th store save. */
  afterSaves?: number[];
  /** Per bot generation: kill right after its n-th AWS or Kubernetes call reached the world. */
  afterCalls?: number[];
  /**
   * Kill at every step boundary. A restarted bot's first save is its reconcile (the `resumed`
   * event) together with one step, so it lives to its second save: that way every bot moves on.
   */
  everySave?: boolean;
}

export interface KillSwitch {
  nodeGroups: NodeGroups;
  cluster: Cluster;
  store: RunStore;
  readonly killed: boolean;
  /** Counting starts here: request and approval happen before any kill. */
  arm(): void;
}

const never = () => new Promise<never>(() => {});

export function killable(targets: { nodeGroups: NodeGroups; cluster: Cluster; store: RunStore }, plan: KillPlan | undefined, generation: number): KillSwitch {
  const saveLimit = plan?.everySave ? (generation === 0 ? 1 : 2) : plan?.afterSaves?.[generation];
  const callLimit = plan?.afterCalls?.[generation];
  // Nothing to kill this bot: its calls go straight to the world (a proxy and a promise on every call
  // would be most of a large simulation's overhead).
  if (saveLimit === undefined && callLimit === undefined) return { ...targets, killed: false, arm() {} };
  let saves = 0;
  let calls = 0;
  let killed = false;
  let armed = false;
  const watches: ClusterWatch[] = [];
  const kill = () => {
    killed = true;
    for (const w of watches) w.stop();
  };

  function wrap<T extends object>(target: T, counted: (method: string) => 'call' | 'save' | 'none'): T {
    return new Proxy(target, {
      get(obj, prop, receiver) {
        const value = Reflect.get(obj, prop, receiver);
        if (typeof value !== 'function') return value;
        const kind = counted(String(prop));
        return (...args: unknown[]) => {
          if (killed) return never();
          if (prop === 'watch') {
            const onEvent = args[0] as (e: unknown) => void;
            const w = (value as (cb: (e: unknown) => void) => ClusterWatch).call(obj, (e) => {
              if (!killed) onEvent(e);
            });
            watches.push(w);
            return w;
          }
          const result = Promise.resolve(value.apply(obj, args));
          if (kind === 'none') return result.then((r) => (killed ? never() : r), (e) => (killed ? never() : Promise.reject(e)));
          return result.then(
            (r) => {
              if (armed && kind === 'call' && ++calls === callLimit) kill();
              if (armed && kind === 'save' && ++saves === saveLimit) kill();
              return killed ? never() : r;
            },
            (e) => {
              if (armed && kind === 'call' && ++calls === callLimit) kill();
              return killed ? never() : Promise.reject(e);
            },
          );
        };
      },
    });
  }

  return {
    nodeGroups: wrap(targets.nodeGroups, () => 'call'),
    cluster: wrap(targets.cluster, () => 'call'),
    store: wrap(targets.store, (m) => (m === 'save' ? 'save' : 'none')),
    get killed() {
      return killed;
    },
    arm() {
      armed = true;
    },
  };
}
