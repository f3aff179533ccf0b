import { simulate } from '../src/app/simulate.js';
import { loadScenario } from '../src/sim/scenario.js';
import { PacedClock } from '../src/sim/clock.js';
const scenario = await loadScenario('scenarios/large-450.json');
const clock = new PacedClock(1000, undefined, { skipStalls: true });
const t = performance.now();
const r = await simulate({ scenario, clock, drainTimeoutMs: 7 * 86_400_000, onEvent: process.env.V ? (e: any) => console.log(Math.round(clock.now()/1000), e.kind, e.node ?? '', e.state ?? e.stage ?? '', (e.detail ?? '').slice(0, 100)) : undefined } as any);
console.log(r.report.status, ((performance.now() - t) / 1000).toFixed(1), 's real');
