// What a simulated upgrade costs as the group grows: large-450 scaled to 50 … 2000 nodes, in memory and
// on a data file. Each point runs in a fresh process, so that its peak RSS is its own.
//
// The points run compiled (tsc, as the image runs `node dist/main.js`), not under tsx: tsx's loader
// thread and its transpiled sources alone add some 65 MB to a process's RSS, which is no cost of the group.
//
// `node --import tsx bench/cost-curve.ts --point NODES memory|file` runs one point and prints it as
// JSON (profile it with `node --cpu-prof --import tsx bench/cost-curve.ts --point 2000 memory`).
import { execFileSync } from 'node:child_process';
import { copyFile, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunStore } from '../src/engine/ports.js';
import { simulate } from '../src/app/simulate.js';
import { loadScenario } from '../src/sim/scenario.js';
import type { Scenario } from '../src/sim/scenario.js';
import { nodeFileOps, type FileOps } from '../src/store/atomic-file.js';
import { LowdbRunStore } from '../src/store/lowdb-run-store.js';
import { MemoryRunStore } from '../src/store/memory-run-store.js';

export const CURVE_NODES = [50, 150, 450, 1000, 2000];
const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/** large-450 with `nodes` nodes: its group, replicas and absolute PDB budgets scaled alike, so pods per node stay as they are. */
export function scaledWorld(base: Scenario, nodes: number): Scenario {
  const k = nodes / base.nodegroup.nodes;
  const scale = (n: number) => Math.max(1, Math.round(n * k));
  return {
    ...base,
    nodegroup: { ...base.nodegroup, nodes, min: nodes, max: nodes + Math.ceil((base.nodegroup.max - base.nodegroup.nodes) * k) },
    workloads: base.workloads.map((w) => {
      if (w.kind === 'DaemonSet') return w;
      const pdb = w.pdb && {
        ...w.pdb,
        ...(typeof w.pdb.maxUnavailable === 'number' && w.pdb.maxUnavailable > 1 ? { maxUnavailable: scale(w.pdb.maxUnavailable) } : {}),
        ...(typeof w.pdb.minAvailable === 'number' ? { minAvailable: scale(w.pdb.minAvailable) } : {}),
      };
      return { ...w, ...(w.replicas !== undefined ? { replicas: scale(w.replicas) } : {}), ...(pdb ? { pdb } : {}) };
    }),
  } as Scenario;
}

export interface CostPoint {
  nodes: number;
  store: 'memory' | 'file';
  status: string;
  wallSeconds: number;
  /** User + system CPU: steadier than wall time on a shared machine. */
  cpuSeconds: number;
  msPerNode: number;
  peakRssMB: number;
  savesPerNode: number;
  writtenMB: number;
  fsyncs: number;
}

/** Counts what a store writes: bytes handed to the file system and fsyncs. */
function countingOps(tally: { bytes: number; fsyncs: number }): FileOps {
  const open = (async (...args: Parameters<FileOps['open']>) => {
    const fh = await nodeFileOps.open(...args);
    return new Proxy(fh, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== 'function') return value;
        if (prop === 'writeFile' || prop === 'write' || prop === 'appendFile') {
          return (data: string | Uint8Array, ...rest: unknown[]) => {
            tally.bytes += typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
            return (value as (...a: unknown[]) => unknown).call(target, data, ...rest);
          };
        }
        if (prop === 'sync' || prop === 'datasync') tally.fsyncs++;
        return (value as (...a: unknown[]) => unknown).bind(target);
      },
    });
  }) as FileOps['open'];
  return { ...nodeFileOps, open };
}

/** Counts the engine's saves. */
function countingSaves(store: RunStore, tally: { saves: number }): RunStore {
  return new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      if (prop === 'save' || prop === 'create') tally.saves++;
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}

async function point(nodes: number, on: 'memory' | 'file'): Promise<CostPoint> {
  // Warm up first: the first run of a process compiles and optimises, which is no cost of the group's size.
  await simulate({ scenario: scaledWorld(await loadScenario('scenarios/large-450.json'), 20) });
  const scenario = scaledWorld(await loadScenario('scenarios/large-450.json'), nodes);
  const dir = on === 'file' ? await mkdtemp(join(tmpdir(), 'mngbot-bench-')) : undefined;
  const tally = { bytes: 0, fsyncs: 0, saves: 0 };
  try {
    const inner = dir ? await LowdbRunStore.open({ dataDir: dir, fileOps: countingOps(tally), log: () => {} }) : new MemoryRunStore();
    const cpu = process.cpuUsage();
    const started = performance.now();
    const result = await simulate({ scenario, store: countingSaves(inner, tally) });
    const wallSeconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    await inner.close();
    return {
      nodes,
      store: on,
      status: result.report.status,
      wallSeconds: round(wallSeconds, 2),
      cpuSeconds: round((used.user + used.system) / 1e6, 2),
      msPerNode: round((wallSeconds * 1000) / nodes, 1),
      peakRssMB: round(process.resourceUsage().maxRSS / 1024, 0),
      savesPerNode: round(tally.saves / nodes, 1),
      writtenMB: round(tally.bytes / 2 ** 20, 1),
      fsyncs: tally.fsyncs,
    };
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

function pointInChild(script: string, nodes: number, on: 'memory' | 'file'): CostPoint {
  const out = execFileSync(process.execPath, [script, '--point', String(nodes), on], { encoding: 'utf8', maxBuffer: 2 ** 26 });
  return JSON.parse(out.trim().split('\n').at(-1)!) as CostPoint;
}

/** src/ and bench/ compiled with the project's own compiler settings into a temporary directory. */
async function compiled(): Promise<{ script: string; dir: string }> {
  const repo = process.cwd();
  const dir = await mkdtemp(join(tmpdir(), 'mngbot-compiled-'));
  const tsconfig = join(dir, 'tsconfig.json');
  await writeFile(
    tsconfig,
    JSON.stringify({ extends: join(repo, 'tsconfig.json'), compilerOptions: { noEmit: false, outDir: dir, rootDir: repo, typeRoots: [join(repo, 'node_modules/@types')] }, include: [join(repo, 'src'), join(repo, 'bench')] }),
  );
  execFileSync(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', tsconfig], { stdio: 'inherit' });
  await copyFile(join(repo, 'package.json'), join(dir, 'package.json'));
  await symlink(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return { script: join(dir, 'bench/cost-curve.js'), dir };
}

/** The file / memory ratio at 450 nodes is the median of this many pairs, run one after the other. */
const RATIO_PAIRS = 3;

/** The curve, one line per size: wall time, ms per node, peak RSS, saves per node, bytes written and fsyncs. */
export async function benchCostCurve(sizes = CURVE_NODES): Promise<Record<string, string>> {
  const figures: Record<string, string> = {};
  const ratios: number[] = [];
  const { script, dir } = await compiled();
  try {
    for (const nodes of sizes) {
      // An fsync's time on a shared disk comes and goes from one second to the next: at 450 nodes the
      // ratio is taken pair by pair, and its median printed with its spread.
      const pairs = nodes === 450 ? RATIO_PAIRS : 1;
      for (let pair = 0; pair < pairs; pair++) {
        const memory = pointInChild(script, nodes, 'memory');
        const file = pointInChild(script, nodes, 'file');
        if (nodes === 450) ratios.push(file.wallSeconds / memory.wallSeconds);
        if (pair > 0) continue;
        for (const p of [memory, file]) {
          figures[`${String(nodes).padStart(4)} nodes, ${p.store.padEnd(6)}`] =
            `${p.status}, ${p.wallSeconds} s (${p.cpuSeconds} s CPU), ${p.msPerNode} ms/node, ${p.peakRssMB} MB peak RSS, ${p.savesPerNode} saves/node` +
            (p.store === 'file' ? `, ${p.writtenMB} MB written, ${p.fsyncs} fsyncs` : '');
        }
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (ratios.length) {
    const sorted = [...ratios].sort((a, b) => a - b);
    figures['450 nodes, file / memory'] =
      `${round(sorted[Math.floor(sorted.length / 2)], 2)} (median of ${sorted.length} pairs, ${round(sorted[0], 2)}–${round(sorted.at(-1)!, 2)}; target ≤ 2)`;
  }
  figures.targets = '2000 nodes ≤ 10 s and ≤ 400 MB; 450 nodes ≤ 3 s; ms/node roughly flat from 150 to 2000';
  return figures;
}

if (process.argv[2] === '--point') {
  process.stdout.write(`${JSON.stringify(await point(Number(process.argv[3]), process.argv[4] === 'file' ? 'file' : 'memory'))}\n`);
} else if (/cost-curve\.[jt]s$/.test(process.argv[1] ?? '')) {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  for (const [k, v] of Object.entries(await benchCostCurve(sizes.length ? sizes : CURVE_NODES))) console.log(`  ${k.padEnd(26)} ${v}`);
}
