// npm run sim -- --scenario FILE [--to VERSION] [--strategy rolling|eks] [--max-unavailable N] [--surge N]
//   [--drain-timeout 15m] [--force] [--decide force|skip|abort] [--json] [--serve-kube PORT] [--speed N]
// Upgrades a simulated world with the real engine and prints one line per event, then the report.
// --serve-kube serves the world's Kubernetes API on 127.0.0.1:PORT for kubectl while the run goes on,
// with time at N simulated seconds per real second (--speed, default 60) instead of as fast as possible.
import { parseArgs } from 'node:util';
import { formatDuration, parseDurationMs } from './engine/duration.js';
import { errorMessage, UserError } from './engine/errors.js';
import type { ProgressEvent } from './engine/events.js';
import type { DecisionChoice, Strategy } from './engine/run.js';
import { loadScenario, simulate, type SimReport } from './app/simulate.js';

export const SIM_USAGE =
  'usage: npm run sim -- --scenario FILE [--to VERSION] [--strategy rolling|eks] [--max-unavailable N] [--surge N] ' +
  '[--drain-timeout 15m] [--force] [--decide force|skip|abort] [--json] [--serve-kube PORT] [--speed N]';

/** Simulated seconds per real second when the API is served and no --speed is given. */
export const DEFAULT_SPEED = 60;

export async function simMain(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string', default: 'scenarios/demo.json' },
      to: { type: 'string' },
      strategy: { type: 'string' },
      'max-unavailable': { type: 'string' },
      surge: { type: 'string' },
      'drain-timeout': { type: 'string' },
      force: { type: 'boolean', default: false },
      decide: { type: 'string' },
      json: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      'serve-kube': { type: 'string' },
      speed: { type: 'string' },
    },
    strict: true,
  });
  const strategy = oneOf(values.strategy, ['rolling', 'eks'] as const, '--strategy');
  const decide = oneOf(values.decide, ['force', 'skip', 'abort'] as const, '--decide');
  const port = values['serve-kube'] !== undefined ? portNumber(values['serve-kube']) : undefined;
  const speed = values.speed !== undefined ? positiveNumber(values.speed, '--speed') : port !== undefined ? DEFAULT_SPEED : undefined;
  const scenario = await loadScenario(values.scenario!);
  let start: number | undefined;
  const { report } = await simulate({
    ...(speed !== undefined ? { speed } : {}),
    ...(port !== undefined
      ? {
          serveKube: {
            port,
            onServing: (url: string) => {
              const kubectl = `KUBECONFIG=/dev/null kubectl --server ${url}`;
              out(`serving the simulated Kubernetes API on ${url} at ${speed}x real time; follow along with:`);
              out(`  ${kubectl} get nodes --watch`);
              out(`  ${kubectl} get pods -A -o wide --watch`);
            },
          },
        }
      : {}),
    scenario,
    ...(values.to ? { to: values.to } : {}),
    ...(strategy ? { strategy: strategy as Strategy } : {}),
    ...(values['max-unavailable'] ? { maxUnavailable: positiveInt(values['max-unavailable'], '--max-unavailable') } : {}),
    ...(values.surge ? { surge: positiveInt(values.surge, '--surge') } : {}),
    ...(values['drain-timeout'] ? { drainTimeoutMs: parseDurationMs(values['drain-timeout'], '--drain-timeout') } : {}),
    force: values.force,
    ...(decide ? { decide: decide as DecisionChoice } : {}),
    onEvent: values.quiet
      ? undefined
      : (e) => {
          start ??= e.at;
          out(eventLine(e, start));
        },
  });
  if (!values.json && report.status === 'blocked') {
    out('the run waits for a decision on a blocked drain; in Slack a person answers it. Here: run again with --decide force|skip|abort');
  }
  out(values.json ? JSON.stringify(report) : reportText(report));
  return report.status === 'succeeded' ? 0 : 1;
}

export function eventLine(e: ProgressEvent, start: number): string {
  const t = Math.max(0, Math.round((e.at - start) / 1000));
  const hh = String(Math.floor(t / 3600)).padStart(2, '0');
  const mm = String(Math.floor((t % 3600) / 60)).padStart(2, '0');
  const ss = String(t % 60).padStart(2, '0');
  const node = 'node' in e && e.node ? e.node : undefined;
  const subject = node ?? (e.kind === 'phase' ? `phase ${e.phase}` : e.kind);
  // Details name their node first; the column already does.
  const detail = node && e.detail.startsWith(node) ? e.detail.slice(node.length).replace(/^:?\s*/, '') : e.detail;
  return `+${hh}:${mm}:${ss}  ${subject.padEnd(42)}  ${detail}`;
}

export function reportText(r: SimReport): string {
  return [
    `status ${r.status} (${r.strategy}): ${r.nodes.replaced} of ${r.nodes.old} nodes replaced, ${r.nodes.skipped} skipped, ${r.nodes.failed} failed; surge ${r.surge}`,
    `asg before ${sizes(r.asg.before)}, after ${sizes(r.asg.after)}`,
    `ledger: podsLost ${r.podsLost}, pdbViolations ${r.pdbViolations}, forcedDeletions ${r.forcedDeletions}, terminatedTwice ${r.terminatedTwice}, ` +
      `nodesTerminatedWithPods ${r.nodesTerminatedWithPods}, leftTainted ${r.leftTainted}, leftCordoned ${r.leftCordoned}`,
    `makespan ${formatDuration(r.makespanSeconds * 1000)} (lower bound ${formatDuration(r.lowerBoundSeconds * 1000)}); API calls: aws ${r.apiCalls.aws}, kube ${r.apiCalls.kube}`,
  ].join('\n');
}

const sizes = (s: { min: number; max: number; desired: number }) => `min ${s.min} max ${s.max} desired ${s.desired}`;

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], flag: string): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new UserError(`${flag} must be one of ${allowed.join(', ')} (got "${value}")`);
  return value as T;
}

function portNumber(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UserError(`--serve-kube must be a port number (got "${text}")`);
  return n;
}

function positiveNumber(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UserError(`${flag} must be a number above 0 (got "${text}")`);
  return n;
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${flag} must be a whole number of at least 1 (got "${text}")`);
  return n;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  simMain(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`mngbot sim: ${errorMessage(err)}${err instanceof UserError && err.hint ? ` (${err.hint})` : ''}`);
      if (!(err instanceof UserError)) console.error(SIM_USAGE);
      process.exit(2);
    },
  );
}
