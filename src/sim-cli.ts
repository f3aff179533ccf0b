// npm run sim -- --scenario FILE [--to VERSION] [--strategy rolling|eks] [--update-strategy default|minimal] [--max-unavailable N] [--surge N]
//   [--drain-timeout 15m] [--deregistration-wait 60s] [--bake 5m|--no-bake] [--force] [--decide force|skip|abort|continue|rollback] [--json] [--serve-kube PORT] [--speed N]
// Upgrades a simulated world with the real engine and prints one line per event, then the report.
// --serve-kube serves the world's Kubernetes API on 127.0.0.1:PORT for kubectl while the run goes on,
// with time at N simulated seconds per real second (--speed, default 60) instead of as fast as possible.
import { OptionError, parseOptionArgs, quote, readOptionValues, upgradeSettings, type OptionName } from './app/upgrade-options.js';
import { formatDuration } from './engine/duration.js';
import { errorMessage, UserError } from './engine/errors.js';
import type { ProgressEvent } from './engine/events.js';
import { loadScenario, simulate, type SimReport } from './app/simulate.js';

export const SIM_USAGE =
  'usage: npm run sim -- --scenario FILE [--to VERSION] [--strategy rolling|eks] [--update-strategy default|minimal] [--max-unavailable N] [--surge N] ' +
  '[--drain-timeout 15m] [--deregistration-wait 60s] [--bake 5m|--no-bake] [--force] [--decide force|skip|abort|continue|rollback] [--json] [--serve-kube PORT] [--speed N]';

export const SIM_OPTIONS: readonly OptionName[] = [
  'scenario',
  'to',
  'strategy',
  'update-strategy',
  'max-unavailable',
  'surge',
  'drain-timeout',
  'deregistration-wait',
  'bake',
  'no-bake',
  'force',
  'decide',
  'json',
  'quiet',
  'serve-kube',
  'speed',
];

/** Simulated seconds per real second when the API is served and no --speed is given. */
export const DEFAULT_SPEED = 60;

export async function simMain(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { raw, positionals } = parseOptionArgs(argv, SIM_OPTIONS);
  if (positionals.length > 0) throw new OptionError(`unexpected argument ${quote(positionals[0])}: the simulator takes options only`);
  const values = readOptionValues(raw);
  const port = values['serve-kube'];
  const speed = values.speed ?? (port !== undefined ? DEFAULT_SPEED : undefined);
  const scenario = await loadScenario(values.scenario ?? 'scenarios/demo.json');
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
    ...(values.to !== undefined ? { to: values.to } : {}),
    ...upgradeSettings(values),
    force: values.force === true,
    ...(values.decide !== undefined ? { decide: values.decide } : {}),
    onEvent: values.quiet
      ? undefined
      : (e) => {
          start ??= e.at;
          out(eventLine(e, start));
        },
  });
  if (!values.json && report.status === 'blocked') {
    out('the run waits for a decision (a blocked drain, or the health gate); in Slack a person answers it. Here: run again with --decide force|skip|abort (a drain) or continue|rollback|abort (the gate)');
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

if (import.meta.url === `file://${process.argv[1]}`) {
  simMain(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`mngbot sim: ${errorMessage(err)}${err instanceof UserError && err.hint ? ` (${err.hint})` : ''}`);
      if (err instanceof OptionError || !(err instanceof UserError)) console.error(SIM_USAGE);
      process.exit(2);
    },
  );
}
