// npm run bench: figures only, no pass/fail. Targets are in the README.
import { loadScenario } from '../src/sim/scenario.js';
import { simulate } from '../src/app/simulate.js';
import { eksOwnProcess } from './eks-own-process.js';
import { NO_BAKE } from './honest-bound.js';

async function benchEngine(): Promise<Record<string, number | string>> {
  const scenario = await loadScenario('scenarios/large-450.json');
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  const started = performance.now();
  const rolling = await simulate({ scenario, bakeMs: NO_BAKE });
  const wallSeconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const eks = await simulate({ scenario: { ...scenario, nodegroup: { ...scenario.nodegroup, managed: true } }, strategy: 'eks' }).catch(() => undefined);
  const eksBaseline = (await eksOwnProcess(scenario)).seconds;
  const r = rolling.report;
  const replaced = Math.max(1, r.nodes.replaced);
  return {
    scenario: 'large-450.json (rolling)',
    status: r.status,
    nodesReplaced: r.nodes.replaced,
    wallSeconds: round(wallSeconds, 2),
    peakRssMB: round(peakRss / 2 ** 20, 0),
    heapGrowthMB: round((process.memoryUsage().heapUsed - heapBefore) / 2 ** 20, 0),
    makespanSeconds: r.makespanSeconds,
    lowerBoundSeconds: r.lowerBoundSeconds,
    makespanOverLowerBound: round(r.makespanSeconds / r.lowerBoundSeconds, 3),
    eksProcessMakespanSeconds: eksBaseline,
    makespanOverEksProcess: round(r.makespanSeconds / eksBaseline, 3),
    ...(eks ? { eksStrategyStatus: eks.report.status, eksStrategyMakespanSeconds: eks.report.makespanSeconds } : {}),
    awsCallsPerNode: round(r.apiCalls.aws / replaced, 2),
    kubeCallsPerNode: round(r.apiCalls.kube / replaced, 2),
    podsPerNode: round(rolling.run.counters.podsEvicted / replaced, 1),
    kubeCallsPerNodeBeyondEvictions: round((r.apiCalls.kube - rolling.run.counters.podsEvicted) / replaced, 2),
    ledgerHarm: r.podsLost + r.pdbViolations + r.terminatedTwice + r.nodesTerminatedWithPods + r.leftTainted + r.leftCordoned,
  };
}

/** Maintenance-window arithmetic: the scheduler asks it every minute for every group. */
async function benchWindows(): Promise<Record<string, number>> {
  const { isOpen, nextOpening } = await import('../src/schedule/windows.js');
  const w = [
    { cron: '0 2 * * SAT', duration: '4h', timezone: 'Europe/Berlin' },
    { cron: '*/30 22-23 * * MON-THU', duration: '20m', timezone: 'America/New_York' },
  ];
  const start = Date.UTC(2025, 0, 1);
  let t0 = performance.now();
  for (let i = 0; i < 10_000; i++) isOpen(w, start + i * 600_000);
  const isOpenMs = performance.now() - t0;
  t0 = performance.now();
  for (let i = 0; i < 10_000; i++) nextOpening(w, start + i * 600_000);
  return { isOpen10kCallsMs: round(isOpenMs, 0), nextOpening10kCallsMs: round(performance.now() - t0, 0) };
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

async function main(): Promise<void> {
  const engine = await benchEngine();
  const figures: Record<string, Record<string, number | string>> = { engine };
  const { benchHonestBound } = await import('./honest-bound.js');
  figures.honestBound = await benchHonestBound({
    status: String(engine.status),
    makespanSeconds: Number(engine.makespanSeconds),
    wallSeconds: Number(engine.wallSeconds),
  });
  const { benchLowdbStore } = await import('./lowdb-store.js');
  figures.lowdbStore = await benchLowdbStore();
  figures.windows = await benchWindows();
  figures.compiledStart = await (await import('./compiled-start.js')).benchCompiledStart();
  figures.costCurve = await (await import('./cost-curve.js')).benchCostCurve();
  try {
    const slack = await import('./slack-progress.js');
    figures.slack = await slack.benchSlackProgress();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
  }
  for (const [section, values] of Object.entries(figures)) {
    console.log(`\n${section}`);
    for (const [k, v] of Object.entries(values)) console.log(`  ${k.padEnd(34)} ${v}`);
  }
  console.log(`\n${JSON.stringify(figures)}`);
}

await main();
