// The store, with each save it is asked for shown to a test first: the run, its events and the node
// records the step named as changed.
import type { ProgressEvent } from '../../src/engine/events.js';
import type { RunStore } from '../../src/engine/ports.js';
import type { Run } from '../../src/engine/run.js';

export function watchedSaves(store: RunStore, onSave: (run: Run, events: ProgressEvent[], changed?: ReadonlySet<object>) => void): RunStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (prop !== 'save') return value.bind(target);
      return (run: Run, events: ProgressEvent[] = [], changed?: ReadonlySet<object>) => {
        onSave(run, [...events], changed);
        return (value as RunStore['save']).call(target, run, events, changed as never);
      };
    },
  });
}
