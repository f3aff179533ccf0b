import { describe, expect, it } from 'vitest';
import { ALL_USAGE, parseCommand, USAGE, type MngCommand } from '../../src/slack/grammar.js';
import { randomText, rng } from './fuzz.js';
import { cases } from '../quick.js';

const ok = (text: string): MngCommand => {
  const r = parseCommand(text);
  if (!r.ok) throw new Error(`expected "${text}" to parse, got: ${r.error}`);
  return r.command;
};

const bad = (text: string) => {
  const r = parseCommand(text);
  if (r.ok) throw new Error(`expected "${text}" to be refused, got ${JSON.stringify(r.command)}`);
  return r;
};

describe('grammar: documented forms', () => {
  it('help', () => {
    expect(ok('')).toEqual({ kind: 'help' });
    expect(ok('help')).toEqual({ kind: 'help' });
    expect(ok('  HELP  ')).toEqual({ kind: 'help' });
    expect(ok('help upgrade')).toEqual({ kind: 'help', topic: 'upgrade' });
  });

  it('list', () => {
    expect(ok('list')).toEqual({ kind: 'list' });
  });

  it('status with and without a run id', () => {
    expect(ok('status')).toEqual({ kind: 'status' });
    expect(ok('status r-1a2b3c4d')).toEqual({ kind: 'status', runId: 'r-1a2b3c4d' });
  });

  it('cancel RUN-ID', () => {
    expect(ok('cancel r-1a2b3c4d')).toEqual({ kind: 'cancel', runId: 'r-1a2b3c4d' });
  });

  it('rollback RUN-ID', () => {
    expect(ok('rollback r-1a2b3c4d')).toEqual({ kind: 'rollback', runId: 'r-1a2b3c4d' });
    expect(ok('roll-back r-1a2b3c4d')).toEqual({ kind: 'rollback', runId: 'r-1a2b3c4d' });
    expect(ok('help rollback')).toEqual({ kind: 'help', topic: 'rollback' });
  });

  it('upgrade nodegroup <version> alone', () => {
    expect(ok('upgrade nodegroup 1.30')).toEqual({ kind: 'upgrade', options: { version: '1.30', force: false, dryRun: false } });
    expect(ok('upgrade nodegroup v1.30')).toMatchObject({ options: { version: 'v1.30' } });
    expect(ok('upgrade nodegroup 1.30.4')).toMatchObject({ options: { version: '1.30.4' } });
  });

  it('upgrade nodegroup with every option, space and = forms', () => {
    const spaced = ok(
      'upgrade nodegroup 1.30 --cluster prod --nodegroup ng-1 --release-version 1.30.0-20240625 --max-unavailable 3 --surge 4 --strategy eks --drain-timeout 20m --force --dry-run',
    );
    const equals = ok(
      'upgrade nodegroup 1.30 --cluster=prod --nodegroup=ng-1 --release-version=1.30.0-20240625 --max-unavailable=3 --surge=4 --strategy=eks --drain-timeout=20m --force --dry-run',
    );
    const expected = {
      kind: 'upgrade',
      options: {
        version: '1.30',
        cluster: 'prod',
        nodegroup: 'ng-1',
        releaseVersion: '1.30.0-20240625',
        maxUnavailable: 3,
        surge: 4,
        strategy: 'eks',
        drainTimeoutMs: 20 * 60_000,
        force: true,
        dryRun: true,
      },
    };
    expect(spaced).toEqual(expected);
    expect(equals).toEqual(expected);
  });

  it('options come in any order, the version anywhere', () => {
    expect(ok('upgrade nodegroup --cluster prod 1.31 --strategy rolling')).toEqual({
      kind: 'upgrade',
      options: { version: '1.31', cluster: 'prod', strategy: 'rolling', force: false, dryRun: false },
    });
  });

  it('the eksctl spelling', () => {
    expect(ok('upgrade nodegroup --name=ng-1 --cluster=prod --kubernetes-version=1.30')).toEqual({
      kind: 'upgrade',
      options: { version: '1.30', cluster: 'prod', nodegroup: 'ng-1', force: false, dryRun: false },
    });
    expect(ok('upgrade nodegroup --name ng-1 --cluster prod --kubernetes-version 1.30 --force-upgrade')).toMatchObject({
      options: { nodegroup: 'ng-1', force: true },
    });
  });

  it('durations', () => {
    expect(ok('upgrade nodegroup 1.30 --drain-timeout 90s')).toMatchObject({ options: { drainTimeoutMs: 90_000 } });
    expect(ok('upgrade nodegroup 1.30 --drain-timeout 1h30m')).toMatchObject({ options: { drainTimeoutMs: 90 * 60_000 } });
    expect(ok('upgrade nodegroup 1.30 --drain-timeout 2h')).toMatchObject({ options: { drainTimeoutMs: 2 * 3_600_000 } });
  });

  it('what Slack clients do to the text: long dashes, entities, non-breaking spaces', () => {
    expect(ok('upgrade nodegroup 1.30 \u2014cluster prod \u2014dry-run')).toMatchObject({ options: { cluster: 'prod', dryRun: true } });
    expect(ok('upgrade\u00a0nodegroup 1.30')).toMatchObject({ options: { version: '1.30' } });
  });

  it('Bottlerocket release versions', () => {
    expect(ok('upgrade nodegroup 1.30 --release-version 1.20.3-5d4ec6a7')).toMatchObject({ options: { releaseVersion: '1.20.3-5d4ec6a7' } });
  });
});

describe('grammar: windows, schedules, history, audit', () => {
  it('--now on upgrade, only when given', () => {
    expect(ok('upgrade nodegroup 1.30 --now')).toEqual({ kind: 'upgrade', options: { version: '1.30', force: false, dryRun: false, now: true } });
    expect(ok('upgrade nodegroup 1.30 --now=false')).toEqual({ kind: 'upgrade', options: { version: '1.30', force: false, dryRun: false } });
    expect(ok('upgrade nodegroup 1.30 \u2014now --dry-run')).toMatchObject({ options: { now: true, dryRun: true } });
  });

  it('the health gate\'s bake: --bake with a duration, --no-bake, for upgrades and schedules alike', () => {
    expect(ok('upgrade nodegroup 1.30 --bake 90s')).toMatchObject({ options: { bakeMs: 90_000 } });
    expect(ok('upgrade nodegroup 1.30 --bake=1h')).toMatchObject({ options: { bakeMs: 3_600_000 } });
    expect(ok('upgrade nodegroup 1.30 --no-bake')).toMatchObject({ options: { bakeMs: 0 } });
    expect(ok('upgrade nodegroup 1.30 --bake 0')).toMatchObject({ options: { bakeMs: 0 } });
    expect(ok('schedule upgrade nodegroup --at "0 2 * * SAT" --no-bake')).toMatchObject({ options: { bakeMs: 0 } });
    expect(ok('schedule upgrade nodegroup --at "0 2 * * SAT" --bake 10m')).toMatchObject({ options: { bakeMs: 600_000 } });
    expect(bad('upgrade nodegroup 1.30 --bake 5').error).toMatch(/--bake "5" is a number, not a duration: write 5m for minutes or 5s for seconds, or use --no-bake/);
    expect(bad('upgrade nodegroup 1.30 --bake soon').error).toMatch(/--bake "soon" is not a duration: write it like 90s, 5m or 1h, or use --no-bake/);
    expect(bad('upgrade nodegroup 1.30 --bake 2d').error).toMatch(/--bake must be from 0 to 24h/);
    expect(bad('upgrade nodegroup 1.30 --bake 25h').error).toMatch(/--bake must be from 0 to 24h/);
    expect(bad('upgrade nodegroup 1.30 --bake 5m --no-bake').error).toMatch(/--bake and --no-bake contradict each other/);
  });

  it('schedule upgrade with a cron, quoted, unquoted or with =', () => {
    const expected = {
      kind: 'schedule-upgrade',
      options: { version: '1.30', force: false, at: '0 2 * * SAT', timezone: 'Europe/Berlin', cluster: 'prod', nodegroup: 'ng-1' },
    };
    expect(ok('schedule upgrade nodegroup 1.30 --at "0 2 * * SAT" --timezone Europe/Berlin --cluster prod --nodegroup ng-1')).toEqual(expected);
    expect(ok('schedule upgrade nodegroup 1.30 --at 0 2 * * SAT --timezone Europe/Berlin --cluster prod --nodegroup ng-1')).toEqual(expected);
    expect(ok('schedule upgrade nodegroup --at="0 2 * * SAT" --tz=Europe/Berlin --cluster=prod --nodegroup=ng-1 1.30')).toEqual(expected);
    expect(ok('schedule upgrade nodegroup --at=0 2 * * SAT 1.30 --timezone Europe/Berlin --cluster prod --nodegroup ng-1')).toEqual(expected);
    // Curly quotes from a Slack client work too.
    expect(ok('schedule upgrade ng 1.30 --at \u201c*/30 9-17 * * MON-FRI\u201d')).toMatchObject({ options: { at: '*/30 9-17 * * MON-FRI' } });
  });

  it('schedule upgrade once, the version optional, with the upgrade options that apply', () => {
    expect(ok('schedule upgrade nodegroup --at 2025-04-12T02:00')).toEqual({ kind: 'schedule-upgrade', options: { force: false, at: '2025-04-12T02:00' } });
    expect(ok('schedule upgrade nodegroup 1.31 --at 2025-04-12 02:00 --timezone America/New_York')).toMatchObject({ options: { version: '1.31', at: '2025-04-12 02:00', timezone: 'America/New_York' } });
    expect(ok('schedule upgrade nodegroup 1.31 --at 2025-04-12T00:00Z --max-unavailable 3 --surge 2 --strategy eks --drain-timeout 30m --force')).toEqual({
      kind: 'schedule-upgrade',
      options: { version: '1.31', at: '2025-04-12T00:00Z', maxUnavailable: 3, surge: 2, strategy: 'eks', drainTimeoutMs: 30 * 60_000, force: true },
    });
  });

  it('schedule list and cancel', () => {
    expect(ok('schedule list')).toEqual({ kind: 'schedule-list' });
    expect(ok('schedules ls')).toEqual({ kind: 'schedule-list' });
    expect(ok('schedule cancel s-7kq2m')).toEqual({ kind: 'schedule-cancel', scheduleId: 's-7kq2m' });
  });

  it('windows, history, audit', () => {
    expect(ok('windows')).toEqual({ kind: 'windows' });
    expect(ok('history')).toEqual({ kind: 'history' });
    expect(ok('history ng-1')).toEqual({ kind: 'history', nodegroup: 'ng-1' });
    expect(ok('history prod/ng-1')).toEqual({ kind: 'history', cluster: 'prod', nodegroup: 'ng-1' });
    expect(ok('audit')).toEqual({ kind: 'audit', limit: 20 });
    expect(ok('audit 50')).toEqual({ kind: 'audit', limit: 50 });
    expect(ok('help schedule')).toEqual({ kind: 'help', topic: 'schedule' });
    expect(ok('help audit')).toEqual({ kind: 'help', topic: 'audit' });
  });

  const refusals: [string, RegExp, string][] = [
    ['schedule', /needs what to do/, USAGE.scheduleUpgrade],
    ['schedule everything', /can upgrade, list or cancel, not "everything"/, USAGE.scheduleList],
    ['schedule upgrade', /needs what to upgrade/, USAGE.scheduleUpgrade],
    ['schedule upgrade nodegroup 1.30', /when\? add --at/, USAGE.scheduleUpgrade],
    ['schedule upgrade nodegroup 1.30 --at', /--at needs a value/, USAGE.scheduleUpgrade],
    ['schedule upgrade nodegroup 1.30 --at 0 2 * * FUN', /--at: cron "0 2 \* \* FUN": day-of-week "FUN"/, USAGE.scheduleUpgrade],
    ['schedule upgrade nodegroup 1.30 --at 0 2 * *', /expected 5 fields/, USAGE.scheduleUpgrade],
    ['schedule upgrade nodegroup 1.30 --at 2025-02-30T02:00', /--at: "2025-02-30T02:00" is not a time/, USAGE.scheduleUpgrade],
    ['schedule upgrade nodegroup 1.30 --at tomorrow', /--at: cron "tomorrow": expected 5 fields/, USAGE.scheduleUpgrade],
    ['schedule upgrade nodegroup 1.30 --at 0 2 * * SAT --timezone Mars/Olympus', /--timezone: unknown time zone "Mars\/Olympus"/, USAGE.scheduleUpgrade],
    ['schedule upgrade nodegroup 1.30 --at 0 2 * * SAT --release-version 1.30.0-20240625', /does not apply here: a schedule takes the latest AMI release/, USAGE.scheduleUpgrade],
    ['schedule upgrade nodegroup 1.30 --at 0 2 * * SAT --now', /--now does not apply here/, USAGE.scheduleUpgrade],
    ['schedule upgrade nodegroup 1.30 --at 0 2 * * SAT --dry-run', /--dry-run does not apply here/, USAGE.scheduleUpgrade],
    ['schedule upgrade nodegroup 1.30 --at 0 2 * * SAT --at 0 3 * * SAT', /--at is given twice/, USAGE.scheduleUpgrade],
    ['schedule upgrade nodegroup 1.30 1.31 --at 0 2 * * SAT', /expected one version/, USAGE.scheduleUpgrade],
    ['schedule upgrade nodegroup latest --at 0 2 * * SAT', /not a Kubernetes version/, USAGE.scheduleUpgrade],
    ['schedule list all', /takes nothing after it/, USAGE.scheduleList],
    ['schedule cancel', /needs the id/, USAGE.scheduleCancel],
    ['schedule cancel s-1 s-2', /one schedule id/, USAGE.scheduleCancel],
    ['schedule cancel <s>', /not a schedule id/, USAGE.scheduleCancel],
    ['upgrade nodegroup 1.30 --at 0 2 * * SAT', /unknown option "--at"/, USAGE.upgrade],
    ['upgrade nodegroup 1.30 --timezone UTC', /unknown option "--timezone"/, USAGE.upgrade],
    ['upgrade nodegroup 1.30 --now=soon', /is a switch/, USAGE.upgrade],
    ['windows prod', /takes nothing after it/, USAGE.windows],
    ['history a b', /at most one node group/, USAGE.history],
    ['history a/b/c', /not a node group/, USAGE.history],
    ['history bad!name', /not a node group/, USAGE.history],
    ['history prod/bad!', /not a node group name/, USAGE.history],
    ['audit 0', /from 1 to 200/, USAGE.audit],
    ['audit 1000', /from 1 to 200/, USAGE.audit],
    ['audit many', /needs a whole number/, USAGE.audit],
    ['audit 5 6', /at most one number/, USAGE.audit],
    ['help tuesday', /no help on/, USAGE.help],
  ];
  for (const [text, error, usage] of refusals) {
    it(`refuses ${text}`, () => {
      const r = bad(text);
      expect(r.error).toMatch(error);
      expect(r.usage).toContain(usage);
      expect(r.input).toBe(text);
    });
  }

  it('the full usage names every command', () => {
    for (const u of Object.values(USAGE)) expect(ALL_USAGE).toContain(u);
  });
});

describe('grammar: refusals quote the input, say what is wrong, show the usage', () => {
  const cases: [string, RegExp, string][] = [
    ['frobnicate', /unknown command "frobnicate"/, ALL_USAGE],
    ['upgrade', /needs what to upgrade/, USAGE.upgrade],
    ['upgrade cluster 1.30', /can only upgrade a nodegroup/, USAGE.upgrade],
    ['upgrade nodegroup', /which version/, USAGE.upgrade],
    ['upgrade nodegroup 1.30 1.31', /expected one version/, USAGE.upgrade],
    ['upgrade nodegroup latest', /not a Kubernetes version/, USAGE.upgrade],
    ['upgrade nodegroup 1.30 --kubernetes-version=1.31', /two versions/, USAGE.upgrade],
    ['upgrade nodegroup 1.30 --cluster', /--cluster needs a value/, USAGE.upgrade],
    ['upgrade nodegroup 1.30 --cluster --force', /--cluster needs a value/, USAGE.upgrade],
    ['upgrade nodegroup 1.30 --cluster=', /needs a value after "="/, USAGE.upgrade],
    ['upgrade nodegroup 1.30 --region us-west-2', /unknown option "--region"/, USAGE.upgrade],
    ['upgrade nodegroup 1.30 -c prod', /not an option/, USAGE.upgrade],
    ['upgrade nodegroup 1.30 --max-unavailable 0', /from 1 to 100/, USAGE.upgrade],
    ['upgrade nodegroup 1.30 --max-unavailable two', /whole number/, USAGE.upgrade],
    ['upgrade nodegroup 1.30 --surge -1', /whole number/, USAGE.upgrade],
    ['upgrade nodegroup 1.30 --strategy blue-green', /rolling or eks/, USAGE.upgrade],
    ['upgrade nodegroup 1.30 --drain-timeout 20', /duration/, USAGE.upgrade],
    ['upgrade nodegroup 1.30 --drain-timeout 5s', /from 10s to 24h/, USAGE.upgrade],
    ['upgrade nodegroup 1.30 --drain-timeout 48h', /from 10s to 24h/, USAGE.upgrade],
    ['upgrade nodegroup 1.30 --cluster a --cluster b', /given twice/, USAGE.upgrade],
    ['upgrade nodegroup 1.30 --force=maybe', /is a switch/, USAGE.upgrade],
    ['upgrade nodegroup 1.30 --release-version banana', /not an AMI release/, USAGE.upgrade],
    ['upgrade nodegroup 1.30 --cluster bad/name', /not a cluster name/, USAGE.upgrade],
    ['status a b', /at most one run id/, USAGE.status],
    ['status <script>', /not a run id/, USAGE.status],
    ['cancel', /needs the id/, USAGE.cancel],
    ['cancel r-1 r-2', /one run id/, USAGE.cancel],
    ['rollback', /needs the id of the run to roll back/, USAGE.rollback],
    ['rollback r-1 r-2', /one run id/, USAGE.rollback],
    ['rollback <script>', /not a run id/, USAGE.rollback],
    ['list everything', /takes nothing/, USAGE.list],
    ['help me', /no help on/, USAGE.help],
  ];
  for (const [text, error, usage] of cases) {
    it(text, () => {
      const r = bad(text);
      expect(r.error).toMatch(error);
      expect(r.usage).toContain(usage);
      expect(r.input).toBe(text.trim());
    });
  }

  it('quotes the input back as typed (after normalising)', () => {
    expect(bad('upgrade nodegroup banana').input).toBe('upgrade nodegroup banana');
  });

  it('refuses overlong input', () => {
    expect(bad(`upgrade nodegroup 1.30 ${'x'.repeat(3000)}`).error).toMatch(/too long/);
  });

  it('does not read prototype keys as options', () => {
    expect(bad('upgrade nodegroup 1.30 --constructor x').error).toMatch(/unknown option/);
    expect(bad('upgrade nodegroup 1.30 --__proto__=1').error).toMatch(/unknown option/);
  });
});

describe('grammar: fuzz', () => {
  it('never throws, and every refusal carries the input, a reason and the usage', () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
    const r = rng(seed);
    for (let i = 0; i < cases(20_000, 3_000); i++) {
      const text = randomText(r);
      let result: ReturnType<typeof parseCommand>;
      try {
        result = parseCommand(text);
      } catch (err) {
        throw new Error(`seed ${seed}, case ${i}: parseCommand threw on ${JSON.stringify(text)}: ${String(err)}`);
      }
      if (!result.ok) {
        const context = `seed ${seed}, case ${i}, input ${JSON.stringify(text)}`;
        expect(result.error, context).toBeTruthy();
        expect(result.usage, context).toMatch(/^\/mng/);
        expect(typeof result.input, context).toBe('string');
      } else if (result.command.kind === 'upgrade') {
        // Anything accepted is well-formed.
        expect(result.command.options.version, `seed ${seed}`).toMatch(/^v?1\.\d+(\.\d+)?$/);
      } else if (result.command.kind === 'schedule-upgrade') {
        const o = result.command.options;
        if (o.version !== undefined) expect(o.version, `seed ${seed}`).toMatch(/^v?1\.\d+(\.\d+)?$/);
        expect(o.at, `seed ${seed}`).toBeTruthy();
      } else if (result.command.kind === 'audit') {
        expect(result.command.limit, `seed ${seed}`).toBeGreaterThanOrEqual(1);
        expect(result.command.limit, `seed ${seed}`).toBeLessThanOrEqual(200);
      }
    }
  });

  it('never throws on non-strings', () => {
    for (const v of [undefined, null, 42, {}, [], Symbol('x')]) expect(() => parseCommand(v)).not.toThrow();
  });
});
