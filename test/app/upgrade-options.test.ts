// One table of upgrade options, each case run through Slack's /mng grammar and the CLI's parser (and
// the simulator's, for the options it shares): the same input must get the same answer, accepted with
// the same values or refused with the same words.
import { describe, expect, it } from 'vitest';
import { OPTIONS, toUpgradeRequest, type UpgradeOptions } from '../../src/app/upgrade-options.js';
import { cliMain, parseFlags, upgradeArgs, UPGRADE_FLAGS } from '../../src/cli.js';
import { SIM_OPTIONS, simMain } from '../../src/sim-cli.js';
import { parseCommand } from '../../src/slack/grammar.js';

type Expected = { accepted: Partial<UpgradeOptions> } | { refused: string };
interface Case {
  /** The options as a command line gives them, after `mngbot upgrade`. */
  argv: string[];
  expected: Expected;
}

const NAME_RULE = 'use letters, digits, - and _, starting with a letter or digit, at most 100 characters';
const VERSION_FORMS = 'use 1.30, v1.30 or 1.30.4';
const to130 = ['--to', '1.30'];
const ok = (accepted: Partial<UpgradeOptions>): Expected => ({ accepted });
const no = (refused: string): Expected => ({ refused });

const cases: Case[] = [
  // Durations: units required, from 10s to 24h.
  { argv: [...to130, '--drain-timeout', '15'], expected: no('--drain-timeout "15" is a number, not a duration: write 15m for minutes or 15s for seconds') },
  { argv: [...to130, '--drain-timeout', '15m'], expected: ok({ drainTimeoutMs: 15 * 60_000 }) },
  { argv: [...to130, '--drain-timeout=15m'], expected: ok({ drainTimeoutMs: 15 * 60_000 }) },
  { argv: [...to130, '--drain-timeout', '10s'], expected: ok({ drainTimeoutMs: 10_000 }) },
  { argv: [...to130, '--drain-timeout', '1h30m'], expected: ok({ drainTimeoutMs: 90 * 60_000 }) },
  { argv: [...to130, '--drain-timeout', '24h'], expected: ok({ drainTimeoutMs: 24 * 3_600_000 }) },
  { argv: [...to130, '--drain-timeout', '1D'], expected: ok({ drainTimeoutMs: 24 * 3_600_000 }) },
  { argv: [...to130, '--drain-timeout', '25h'], expected: no('--drain-timeout must be from 10s to 24h (got "25h")') },
  { argv: [...to130, '--drain-timeout', '9s'], expected: no('--drain-timeout must be from 10s to 24h (got "9s")') },
  { argv: [...to130, '--drain-timeout', '0'], expected: no('--drain-timeout must be from 10s to 24h (got "0")') },
  { argv: [...to130, '--drain-timeout', '0m'], expected: no('--drain-timeout must be from 10s to 24h (got "0m")') },
  { argv: [...to130, '--drain-timeout', 'soon'], expected: no('--drain-timeout "soon" is not a duration: write it like 90s, 15m or 1h30m') },
  { argv: [...to130, '--drain-timeout', '30m1h'], expected: no('--drain-timeout "30m1h" is not a duration: write it like 90s, 15m or 1h30m') },
  { argv: [...to130, '--drain-timeout', '1.5h'], expected: no('--drain-timeout "1.5h" is not a duration: write it like 90s, 15m or 1h30m') },
  { argv: [...to130, '--drain-timeout', '-5m'], expected: no('--drain-timeout "-5m" is not a duration: write it like 90s, 15m or 1h30m') },
  // The deregistration wait: 0 (none) to 1h, units required.
  { argv: [...to130, '--deregistration-wait', '0'], expected: ok({ deregistrationWaitMs: 0 }) },
  { argv: [...to130, '--deregistration-wait', '0s'], expected: ok({ deregistrationWaitMs: 0 }) },
  { argv: [...to130, '--deregistration-wait', '90s'], expected: ok({ deregistrationWaitMs: 90_000 }) },
  { argv: [...to130, '--deregistration-wait=5m'], expected: ok({ deregistrationWaitMs: 300_000 }) },
  { argv: [...to130, '--deregistration-wait', '1h'], expected: ok({ deregistrationWaitMs: 3_600_000 }) },
  { argv: [...to130, '--deregistration-wait', '61m'], expected: no('--deregistration-wait must be from 0 to 1h (got "61m")') },
  { argv: [...to130, '--deregistration-wait', '60'], expected: no('--deregistration-wait "60" is a number, not a duration: write 60s for seconds, or 0 for no wait') },
  { argv: [...to130, '--deregistration-wait', 'never'], expected: no('--deregistration-wait "never" is not a duration: write it like 60s, 5m, or 0 for no wait') },
  { argv: [...to130, '--deregistration-wait'], expected: no('--deregistration-wait needs a value, e.g. --deregistration-wait 60s') },

  // Versions.
  { argv: ['--to', '1.30'], expected: ok({ version: '1.30' }) },
  { argv: ['--to', 'v1.31'], expected: ok({ version: 'v1.31' }) },
  { argv: ['--to', '1.30.4'], expected: ok({ version: '1.30.4' }) },
  { argv: ['--to', '1.3x'], expected: no(`--to: "1.3x" is not a Kubernetes version: ${VERSION_FORMS}`) },
  { argv: ['--to', 'latest'], expected: no(`--to: "latest" is not a Kubernetes version: ${VERSION_FORMS}`) },
  { argv: ['--to', '2.0'], expected: no(`--to: "2.0" is not a Kubernetes version: ${VERSION_FORMS}`) },
  { argv: ['--to', '1.030'], expected: no(`--to: "1.030" is not a Kubernetes version: ${VERSION_FORMS}`) },
  { argv: ['--to', '1.30', '--to', '1.31'], expected: no('--to is given twice ("1.30" and "1.31")') },

  // Names.
  { argv: [...to130, '--cluster', 'prod-eu', '--nodegroup', 'ng_1'], expected: ok({ cluster: 'prod-eu', nodegroup: 'ng_1' }) },
  { argv: [...to130, '--cluster', 'bad/name'], expected: no(`--cluster "bad/name" is not a cluster name: ${NAME_RULE}`) },
  { argv: [...to130, '--cluster', 'bad!'], expected: no(`--cluster "bad!" is not a cluster name: ${NAME_RULE}`) },
  { argv: [...to130, '--nodegroup', '_workers'], expected: no(`--nodegroup "_workers" is not a node group name: ${NAME_RULE}`) },
  { argv: [...to130, '--nodegroup', '-ng'], expected: no(`--nodegroup "-ng" is not a node group name: ${NAME_RULE}`) },
  { argv: [...to130, '--nodegroup', 'n'.repeat(101)], expected: no(`--nodegroup "${'n'.repeat(57)}…" is not a node group name: ${NAME_RULE}`) },
  { argv: [...to130, '--cluster', 'a', '--cluster', 'b'], expected: no('--cluster is given twice ("a" and "b")') },
  { argv: [...to130, '--cluster', 'a', '--cluster', 'a'], expected: ok({ cluster: 'a' }) },

  // Release versions.
  { argv: [...to130, '--release-version', '1.30.4-20240917'], expected: ok({ releaseVersion: '1.30.4-20240917' }) },
  { argv: [...to130, '--release-version', '1.20.3-5d4ec6a7'], expected: ok({ releaseVersion: '1.20.3-5d4ec6a7' }) },
  { argv: [...to130, '--release-version', 'banana'], expected: no('--release-version "banana" is not an AMI release version, e.g. 1.30.4-20240917') },
  { argv: [...to130, '--release-version', '1.30'], expected: no('--release-version "1.30" is not an AMI release version, e.g. 1.30.4-20240917') },

  // Numbers.
  { argv: [...to130, '--max-unavailable', '1', '--surge', '100'], expected: ok({ maxUnavailable: 1, surge: 100 }) },
  { argv: [...to130, '--max-unavailable', '0'], expected: no('--max-unavailable 0 is out of range: it must be from 1 to 100') },
  { argv: [...to130, '--max-unavailable', '101'], expected: no('--max-unavailable 101 is out of range: it must be from 1 to 100') },
  { argv: [...to130, '--max-unavailable', 'two'], expected: no('--max-unavailable must be a whole number from 1 to 100 (got "two")') },
  { argv: [...to130, '--max-unavailable', '2.5'], expected: no('--max-unavailable must be a whole number from 1 to 100 (got "2.5")') },
  { argv: [...to130, '--max-unavailable', '10000'], expected: no('--max-unavailable 10000 is out of range: it must be from 1 to 100') },
  { argv: [...to130, '--surge', '-1'], expected: no('--surge must be a whole number from 1 to 100 (got "-1")') },
  // maxUnavailable as EKS's maxUnavailablePercentage: a share of the old nodes, counted by the plan.
  { argv: [...to130, '--max-unavailable', '10%'], expected: ok({ maxUnavailable: '10%' }) },
  { argv: [...to130, '--max-unavailable=100%'], expected: ok({ maxUnavailable: '100%' }) },
  { argv: [...to130, '--max-unavailable', '1%'], expected: ok({ maxUnavailable: '1%' }) },
  { argv: [...to130, '--max-unavailable', '0%'], expected: no('--max-unavailable 0% is out of range: it must be from 1% to 100% of the old nodes') },
  { argv: [...to130, '--max-unavailable', '101%'], expected: no('--max-unavailable 101% is out of range: it must be from 1% to 100% of the old nodes') },
  { argv: [...to130, '--max-unavailable', '2.5%'], expected: no('--max-unavailable as a percentage must be a whole number from 1% to 100% of the old nodes (got "2.5%")') },
  { argv: [...to130, '--max-unavailable', '%'], expected: no('--max-unavailable as a percentage must be a whole number from 1% to 100% of the old nodes (got "%")') },
  { argv: [...to130, '--max-unavailable', '10%', '--max-unavailable', '5'], expected: no('--max-unavailable is given twice ("10%" and "5")') },

  // Strategy.
  { argv: [...to130, '--strategy', 'eks'], expected: ok({ strategy: 'eks' }) },
  { argv: [...to130, '--strategy', 'Rolling'], expected: ok({ strategy: 'rolling' }) },
  { argv: [...to130, '--strategy', 'bogus'], expected: no('--strategy must be rolling or eks (got "bogus")') },

  // Switches.
  { argv: [...to130, '--force'], expected: ok({ force: true }) },
  { argv: [...to130, '--force=true'], expected: ok({ force: true }) },
  { argv: [...to130, '--force=false'], expected: ok({ force: false }) },
  { argv: [...to130, '--force=maybe'], expected: no('--force takes no value: it is a switch; give it alone, or as --force=true|false') },
  { argv: [...to130, '--force', '--force=false'], expected: no('--force is given twice ("true" and "false")') },
  { argv: [...to130, '--now'], expected: ok({ now: true }) },

  // How options are written.
  { argv: [...to130, '--frobnicate'], expected: no('unknown option "--frobnicate"') },
  { argv: [...to130, '--frobnicate=1'], expected: no('unknown option "--frobnicate"') },
  { argv: [...to130, '--drain', '15m'], expected: no('unknown option "--drain" (did you mean --drain-timeout?)') },
  { argv: [...to130, '-c', 'prod'], expected: no('"-c" is not an option; options start with "--"') },
  { argv: ['--to'], expected: no('--to needs a value, e.g. --to 1.30') },
  { argv: [...to130, '--cluster'], expected: no('--cluster needs a value, e.g. --cluster prod-eu') },
  { argv: [...to130, '--cluster', '--force'], expected: no('--cluster needs a value, e.g. --cluster prod-eu') },
  { argv: [...to130, '--cluster='], expected: no('--cluster needs a value after "=", e.g. --cluster=prod-eu') },
  { argv: [...to130, '--drain-timeout'], expected: no('--drain-timeout needs a value, e.g. --drain-timeout 15m') },

  // Everything at once, in both forms.
  {
    argv: [...to130, '--cluster', 'prod', '--nodegroup', 'ng-1', '--release-version', '1.30.0-20240625', '--max-unavailable', '3', '--surge', '4', '--strategy', 'eks', '--drain-timeout', '20m', '--force', '--now'],
    expected: ok({ cluster: 'prod', nodegroup: 'ng-1', releaseVersion: '1.30.0-20240625', maxUnavailable: 3, surge: 4, strategy: 'eks', drainTimeoutMs: 20 * 60_000, force: true, now: true }),
  },
  {
    argv: ['--to=1.30', '--cluster=prod', '--nodegroup=ng-1', '--max-unavailable=3', '--surge=4', '--strategy=eks', '--drain-timeout=20m'],
    expected: ok({ cluster: 'prod', nodegroup: 'ng-1', maxUnavailable: 3, surge: 4, strategy: 'eks', drainTimeoutMs: 20 * 60_000 }),
  },
];

/** The same options as typed after /mng: a word with a space in it goes in quotes. */
const slackText = (argv: string[]) => `upgrade nodegroup ${argv.map((a) => (/\s/.test(a) ? `"${a}"` : a)).join(' ')}`;

const UPGRADE_KEYS = ['version', 'cluster', 'nodegroup', 'releaseVersion', 'maxUnavailable', 'surge', 'strategy', 'drainTimeoutMs', 'deregistrationWaitMs', 'force', 'now'] as const;
const upgradeOptionsOf = (o: object): UpgradeOptions =>
  Object.fromEntries(UPGRADE_KEYS.filter((k) => (o as Record<string, unknown>)[k] !== undefined).map((k) => [k, (o as Record<string, unknown>)[k]])) as unknown as UpgradeOptions;

type Answer = { accepted: UpgradeOptions } | { refused: string };

function viaSlack(argv: string[]): Answer {
  const r = parseCommand(slackText(argv));
  if (!r.ok) return { refused: r.error };
  if (r.command.kind !== 'upgrade') throw new Error(`not an upgrade: ${JSON.stringify(r.command)}`);
  return { accepted: upgradeOptionsOf(r.command.options) };
}

async function viaCli(argv: string[]): Promise<Answer> {
  // A refusal the whole way through, as a person sees it; an acceptance through the parser alone, since
  // cliMain would go on to upgrade.
  let stderr = '';
  const io = { out: () => {}, err: (line: string) => (stderr += `${line}\n`), interactive: false, ask: async () => undefined, env: {} };
  let accepted: UpgradeOptions;
  try {
    accepted = upgradeOptionsOf(upgradeArgs(parseFlags('upgrade', argv, UPGRADE_FLAGS)));
  } catch {
    const code = await cliMain(['upgrade', ...argv], io);
    expect(code).toBe(2);
    const [first, usage] = stderr.split('\n');
    expect(usage).toMatch(/^usage: mngbot upgrade/);
    return { refused: first.replace(/^mngbot upgrade: /, '') };
  }
  return { accepted };
}

const full = (e: Expected): Answer => ('refused' in e ? e : { accepted: { version: '1.30', force: false, ...e.accepted } });

describe('one option grammar: Slack and the CLI give the same answer', () => {
  for (const c of cases) {
    const label = `${c.argv.join(' ')} → ${'refused' in c.expected ? `refused: ${c.expected.refused}` : JSON.stringify(c.expected.accepted)}`;
    it(label, async () => {
      const expected = full(c.expected);
      expect(viaSlack(c.argv), slackText(c.argv)).toEqual(expected);
      expect(await viaCli(c.argv), `mngbot upgrade ${c.argv.join(' ')}`).toEqual(expected);
    });
  }

  it('the simulator refuses what they refuse, in the same words', async () => {
    const shared = new Set<string>(SIM_OPTIONS);
    const simCases = cases.filter((c) => 'refused' in c.expected && c.argv.every((a) => !a.startsWith('--') || shared.has(a.slice(2).split('=')[0])));
    expect(simCases.length).toBeGreaterThan(20);
    for (const c of simCases) {
      await expect(simMain(c.argv, () => {}), c.argv.join(' ')).rejects.toThrow((c.expected as { refused: string }).refused);
    }
  });

  it('every upgrade option is in a case, and the CLI takes each', () => {
    const covered = new Set(cases.flatMap((c) => c.argv.filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=')[0])));
    for (const o of ['to', 'cluster', 'nodegroup', 'release-version', 'strategy', 'max-unavailable', 'surge', 'drain-timeout', 'deregistration-wait', 'force', 'now'] as const) {
      expect(OPTIONS).toHaveProperty([o]);
      expect(covered, o).toContain(o);
      expect(UPGRADE_FLAGS, o).toContain(o);
    }
  });
});

describe('toUpgradeRequest', () => {
  const ref = { cluster: 'prod', nodegroup: 'ng-1' };

  it('carries what was given, and nothing for what was not', () => {
    expect(toUpgradeRequest(ref, { version: '1.30', force: false })).toEqual({ ref, version: '1.30' });
    expect(toUpgradeRequest(ref, { version: 'v1.30', releaseVersion: '1.30.4-20240917', maxUnavailable: 2, surge: 3, strategy: 'eks', drainTimeoutMs: 60_000, force: true })).toEqual({
      ref,
      version: 'v1.30',
      releaseVersion: '1.30.4-20240917',
      maxUnavailable: 2,
      surge: 3,
      strategy: 'eks',
      drainTimeoutMs: 60_000,
      force: true,
    });
  });

  it('refuses a version no front end would have accepted', () => {
    expect(() => toUpgradeRequest(ref, { version: 'latest', force: false })).toThrow(`--to: "latest" is not a Kubernetes version: ${VERSION_FORMS}`);
  });
});
