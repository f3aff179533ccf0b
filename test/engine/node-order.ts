// The order every strategy's per-node events must keep, checked on a finished run's events.
import type { ProgressEvent } from '../../src/engine/events.js';
import { NODE_ORDER } from '../../src/engine/run.js';

/** Each node goes tainted → evicting → evicted → cordoned → terminating → terminated, in that order. */
export function orderProblems(events: ProgressEvent[]): string[] {
  const seen = new Map<string, number>();
  const out: string[] = [];
  for (const e of events) {
    if (e.kind !== 'node') continue;
    const i = NODE_ORDER.indexOf(e.state);
    if (i < 0) continue;
    const prev = seen.get(e.node) ?? 0;
    if (i !== prev + 1) out.push(`${e.node}: ${NODE_ORDER[prev]} → ${e.state}`);
    seen.set(e.node, i);
  }
  for (const [node, i] of seen) if (NODE_ORDER[i] !== 'terminated') out.push(`${node} ended ${NODE_ORDER[i]}`);
  return out;
}
