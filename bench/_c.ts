import { simulate } from '../src/app/simulate.js';
import { loadScenario } from '../src/sim/scenario.js';
import { scaledWorld } from './cost-curve.js';
const scenario = scaledWorld(await loadScenario('scenarios/large-450.json'), 500);
await simulate({ scenario });
console.log((globalThis as any).__rt);
