// The engine's store, timed: how long saves take and how many fail. Conflicts (another writer saved
// first) are counted apart from errors (the store could not write).
import { ConflictError } from '../engine/errors.js';
import type { RunStore } from '../engine/ports.js';
import { metrics } from './registry.js';

export function meteredStore<S extends RunStore>(inner: S): S {
  const timed = async (fn: () => Promise<void>): Promise<void> => {
    const end = metrics.storeSaveSeconds.startTimer();
    try {
      await fn();
    } catch (err) {
      metrics.storeSaveFailures.inc({ kind: err instanceof ConflictError ? 'conflict' : 'error' });
      throw err;
    } finally {
      end();
    }
  };
  // A proxy, not a list of methods: whatever else the store offers (now or later) passes through as it is.
  return new Proxy(inner, {
    get(target, prop) {
      if (prop === 'save') return (...args: Parameters<RunStore['save']>) => timed(() => target.save(...args));
      if (prop === 'create') return (run: Parameters<RunStore['create']>[0]) => timed(() => target.create(run));
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
