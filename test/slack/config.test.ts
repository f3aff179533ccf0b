import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, missingSlackSettings, parseConfigObject, parseConfigText, resolveWindows, windowsFor } from '../../src/config.js';
import { createLogger, redact } from '../../src/log.js';

const files: Record<string, string> = {};
const load = (env: Record<string, string>) =>
  loadConfig({
    env,
    readText: async (p) => {
      if (!(p in files)) throw new Error(`ENOENT: no such file, open '${p}'`);
      return files[p];
    },
  });
const sim = { MNG_WORLD: 'sim', MNG_SCENARIO: 'scenarios/demo.json' };

describe('config', () => {
  it('reads a full YAML file', async () => {
    files['mng.yaml'] = `
clusters:
  - name: prod
    region: us-west-2
    nodegroups: [ng-1, ng-2]
    channels: [C0123ABC, "#prod-ops"]
  - name: staging
approvers:
  users: [U0AAA111]
  groups: [S0PLATFORM]
defaults:
  strategy: eks
  maxUnavailable: 2
  drainTimeout: 20m
  approvalExpiry: 1h
allowSelfApproval: true
`;
    const c = await load({ ...sim, MNG_CONFIG: 'mng.yaml', MNG_APPROVERS: 'U0BBB222, U0AAA111', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', PORT: '8080', SLACK_API_URL: 'http://127.0.0.1:9999/api' });
    expect(c.clusters).toEqual([
      { name: 'prod', region: 'us-west-2', nodegroups: ['ng-1', 'ng-2'], channels: ['C0123ABC', '#prod-ops'] },
      { name: 'staging' },
    ]);
    expect(c.approvers).toEqual({ users: ['U0AAA111', 'U0BBB222'], groups: ['S0PLATFORM'] });
    expect(c.defaults).toEqual({ strategy: 'eks', maxUnavailable: 2, drainTimeoutMs: 20 * 60_000, approvalExpiryMs: 3_600_000 });
    expect(c.allowSelfApproval).toBe(true);
    expect(c.slack).toMatchObject({ port: 8080, apiUrl: 'http://127.0.0.1:9999/api/', socketMode: false });
    expect(c.world).toEqual({ kind: 'sim', scenario: 'scenarios/demo.json', simSpeed: 60 });
  });

  it('reads JSON too, and defaults what is left out', async () => {
    files['mng.json'] = JSON.stringify({ clusters: [{ name: 'prod' }] });
    const c = await load({ ...sim, MNG_CONFIG: 'mng.json' });
    expect(c.defaults.approvalExpiryMs).toBe(30 * 60_000);
    expect(c.allowSelfApproval).toBe(false);
    expect(c.slack.port).toBe(3000);
  });

  it('without a file: MNG_APPROVERS alone, no clusters (the simulator supplies its own)', async () => {
    const c = await load({ ...sim, MNG_APPROVERS: 'U0AAA111', MNG_SIM_SPEED: '600' });
    expect(c.clusters).toEqual([]);
    expect(c.approvers.users).toEqual(['U0AAA111']);
    expect(c.world).toMatchObject({ simSpeed: 600 });
  });

  const badFiles: [string, RegExp][] = [
    ['clusters: {}', /clusters: expected a list/],
    ['clusters: [{ name: "bad name" }]', /clusters\[0\]\.name: expected a cluster name/],
    ['clusters: [{ name: prod, nodegroup: [a] }]', /clusters\[0\]\.nodegroup: unknown key/],
    ['clusters: [{ name: prod, channels: [general] }]', /clusters\[0\]\.channels\[0\]: expected a channel id/],
    ['clusters: [{ name: prod }, { name: prod }]', /clusters\[1\]\.name: cluster prod is listed twice/],
    ['approvers: { users: [alice] }', /approvers\.users\[0\]: expected a Slack user id/],
    ['approvers: { groups: [U123ABC] }', /approvers\.groups\[0\]: expected a Slack user-group id/],
    ['defaults: { strategy: blue-green }', /defaults\.strategy: expected "rolling" or "eks"/],
    ['defaults: { maxUnavailable: 0 }', /defaults\.maxUnavailable: expected a whole number from 1 to 100/],
    ['defaults: { drainTimeout: 15 }', /defaults\.drainTimeout: expected a duration/],
    ['defaults: { approvalExpiry: soon }', /defaults\.approvalExpiry: expected a duration/],
    ['allowSelfApproval: "yes"', /allowSelfApproval: expected true or false/],
    ['approver: []', /approver: unknown key/],
    ['clusters: [', /not valid YAML or JSON/],
  ];
  for (const [text, error] of badFiles) {
    it(`refuses ${JSON.stringify(text)}`, async () => {
      files['bad.yaml'] = text;
      const err = await load({ ...sim, MNG_CONFIG: 'bad.yaml' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(error);
      expect((err as Error).message).toContain('bad.yaml');
    });
  }

  const badEnv: [Record<string, string>, RegExp][] = [
    [{ ...sim, PORT: 'eighty' }, /^PORT: expected a whole number/],
    [{ ...sim, MNG_SIM_SPEED: '0' }, /^MNG_SIM_SPEED: expected simulated seconds per real second/],
    [{ MNG_WORLD: 'sim' }, /^MNG_SCENARIO: expected the path/],
    [{ MNG_WORLD: 'mars' }, /^MNG_WORLD: expected "sim" or "aws"/],
    [{ ...sim, SLACK_SOCKET_MODE: 'perhaps' }, /^SLACK_SOCKET_MODE: expected true or false/],
    [{ ...sim, SLACK_API_URL: 'ftp://x' }, /^SLACK_API_URL: expected an http\(s\) URL/],
    [{ ...sim, SLACK_BOT_TOKEN: 'secret' }, /^SLACK_BOT_TOKEN: expected a bot token/],
    [{ ...sim, MNG_APPROVERS: 'U0AAA111,alice' }, /^MNG_APPROVERS: item 2: expected a Slack user id/],
    [{ ...sim, MNG_CONFIG: 'missing.yaml' }, /^MNG_CONFIG: cannot read missing.yaml/],
    [{ ...sim, MNG_LOG_LEVEL: 'loud' }, /^MNG_LOG_LEVEL: expected one of/],
  ];
  for (const [env, error] of badEnv) {
    it(`refuses ${JSON.stringify(env)}`, async () => {
      await expect(load(env)).rejects.toThrow(error);
    });
  }

  it('says what is missing to talk to Slack', () => {
    expect(missingSlackSettings({ socketMode: false, port: 3000 }).join('\n')).toMatch(/SLACK_BOT_TOKEN[\s\S]*SLACK_SIGNING_SECRET/);
    expect(missingSlackSettings({ socketMode: true, port: 3000, botToken: 'xoxb-1' }).join('\n')).toMatch(/SLACK_APP_TOKEN/);
    expect(missingSlackSettings({ socketMode: false, port: 3000, botToken: 'xoxb-1', signingSecret: 's' })).toEqual([]);
  });

  it('parseConfigText handles an empty file', () => {
    expect(parseConfigText('', 'empty.yaml').clusters).toEqual([]);
  });
});

describe('config: maintenance windows and the data directory', () => {
  const sat = { cron: '0 2 * * SAT', duration: '4h', timezone: 'Europe/Berlin' };
  const nightly = { cron: '0 1 * * *', duration: '2h', timezone: 'UTC' };
  const fri = { cron: '0 22 * * FRI', duration: '6h', timezone: 'America/New_York' };

  it('reads windows globally, per cluster and per node group; nodegroups mix names and { name, windows }', async () => {
    files['win.yaml'] = `
windows: [{ cron: "0 2 * * SAT", duration: 4h, timezone: Europe/Berlin }]
clusters:
  - name: prod
    windows:
      - { cron: "0 22 * * FRI", duration: 6h, timezone: America/New_York }
    nodegroups:
      - ng-web
      - name: ng-batch
        windows: [{ cron: "0 1 * * *", duration: 2h, timezone: UTC }]
      - name: ng-canary
        windows: []
      - name: ng-plain
  - name: staging
    nodegroups: [ng-1]
`;
    const c = await load({ ...sim, MNG_CONFIG: 'win.yaml' });
    expect(c.windows).toEqual([sat]);
    expect(c.clusters[0]).toEqual({
      name: 'prod',
      nodegroups: ['ng-web', 'ng-batch', 'ng-canary', 'ng-plain'],
      windows: [fri],
      nodegroupWindows: { 'ng-batch': [nightly], 'ng-canary': [] },
    });
    expect(c.clusters[1]).toEqual({ name: 'staging', nodegroups: ['ng-1'] });
    // Most specific wins: the group's own (even an empty list), else the cluster's, else the global ones.
    expect(resolveWindows(c, { cluster: 'prod', nodegroup: 'ng-batch' })).toEqual({ windows: [nightly], from: 'nodegroup' });
    expect(resolveWindows(c, { cluster: 'prod', nodegroup: 'ng-canary' })).toEqual({ windows: [], from: 'nodegroup' });
    expect(resolveWindows(c, { cluster: 'prod', nodegroup: 'ng-web' })).toEqual({ windows: [fri], from: 'cluster' });
    expect(resolveWindows(c, { cluster: 'prod', nodegroup: 'ng-plain' })).toEqual({ windows: [fri], from: 'cluster' });
    expect(resolveWindows(c, { cluster: 'staging', nodegroup: 'ng-1' })).toEqual({ windows: [sat], from: 'global' });
    expect(windowsFor(c, { cluster: 'unknown', nodegroup: 'x' })).toEqual([sat]);
  });

  it('windowsFor is pure and defaults to none', () => {
    const none = { clusters: [{ name: 'prod' }], windows: [] };
    expect(windowsFor(none, { cluster: 'prod', nodegroup: 'ng-1' })).toEqual([]);
    expect(resolveWindows(none, { cluster: 'prod', nodegroup: 'ng-1' }).from).toBe('none');
    // An explicit empty cluster list turns the global windows off for that cluster.
    const off = { clusters: [{ name: 'prod', windows: [] }], windows: [sat] };
    expect(windowsFor(off, { cluster: 'prod', nodegroup: 'ng-1' })).toEqual([]);
    // A group called like an Object.prototype key is just a name.
    const proto = parseConfigObject({ clusters: [{ name: 'prod', nodegroups: [{ name: 'constructor', windows: [nightly] }, 'toString'] }] });
    expect(windowsFor({ ...proto }, { cluster: 'prod', nodegroup: 'constructor' })).toEqual([nightly]);
    expect(windowsFor({ ...proto }, { cluster: 'prod', nodegroup: 'toString' })).toEqual([]);
  });

  it('keeps older files valid: no windows anywhere', async () => {
    files['old.json'] = JSON.stringify({ clusters: [{ name: 'prod', nodegroups: ['ng-1'] }] });
    const c = await load({ ...sim, MNG_CONFIG: 'old.json' });
    expect(c.windows).toEqual([]);
    expect(c.clusters).toEqual([{ name: 'prod', nodegroups: ['ng-1'] }]);
    expect(parseConfigText('', 'empty.yaml').windows).toEqual([]);
  });

  it('MNG_DATA_DIR, ./data by default', async () => {
    expect((await load(sim)).dataDir).toBe('./data');
    expect((await load({ ...sim, MNG_DATA_DIR: '/var/lib/mngbot' })).dataDir).toBe('/var/lib/mngbot');
    expect((await load({ ...sim, MNG_DATA_DIR: '  ' })).dataDir).toBe('./data');
  });

  const bad: [string, RegExp][] = [
    ['windows: { cron: "0 2 * * SAT" }', /bad\.yaml: windows: expected a list of windows/],
    ['windows: [{ cron: "0 2 * * FUN", duration: 4h, timezone: UTC }]', /windows\[0\]\.cron: cron "0 2 \* \* FUN": day-of-week/],
    ['windows: [{ cron: "0 2 * * SAT", duration: 4 hours, timezone: UTC }]', /windows\[0\]\.duration: "4 hours" is not a duration \(write it like 4h/],
    ['windows: [{ cron: "0 2 * * SAT", duration: 9d, timezone: UTC }]', /windows\[0\]\.duration: "9d" is longer than 7 days/],
    ['windows: [{ cron: "0 2 * * SAT", duration: 4h }]', /windows\[0\]\.timezone: expected a string, got nothing/],
    ['windows: [{ cron: "0 2 * * SAT", duration: 4h, timezone: UTC, tz: UTC }]', /windows\[0\]\.tz: unknown key/],
    ['clusters: [{ name: prod, windows: [{ cron: "0 2 * * SAT", duration: 4h, timezone: Europe/Berln }] }]', /clusters\[0\]\.windows\[0\]\.timezone: unknown time zone "Europe\/Berln"/],
    [
      'clusters: [{ name: prod, nodegroups: [ng-1, { name: ng-2, windows: [{ cron: "61 * * * *", duration: 1h, timezone: UTC }] }] }]',
      /clusters\[0\]\.nodegroups\[1\]\.windows\[0\]\.cron: cron "61 \* \* \* \*": minute "61" is out of range/,
    ],
    ['clusters: [{ name: prod, nodegroups: [{ windows: [] }] }]', /clusters\[0\]\.nodegroups\[0\]\.name: expected a node group name/],
    ['clusters: [{ name: prod, nodegroups: [{ name: ng-1, window: [] }] }]', /clusters\[0\]\.nodegroups\[0\]\.window: unknown key/],
    ['clusters: [{ name: prod, nodegroups: [ng-1, { name: ng-1 }] }]', /clusters\[0\]\.nodegroups\[1\]: node group ng-1 is listed twice/],
    ['clusters: [{ name: prod, nodegroups: [42] }]', /clusters\[0\]\.nodegroups\[0\]: expected a node group name/],
  ];
  for (const [text, error] of bad) {
    it(`refuses ${JSON.stringify(text)}`, async () => {
      files['bad.yaml'] = text;
      const err = await load({ ...sim, MNG_CONFIG: 'bad.yaml' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(error);
    });
  }
});

describe('log', () => {
  it('writes one JSON object a line, with child fields, and redacts secrets', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', write: (l) => lines.push(l), base: { app: 'mngbot' } });
    const child = log.child({ runId: 'r-1' });
    child.debug('hidden');
    child.info('hello', { token: 'xoxb-123', nested: { signingSecret: 'abc', note: 'uses xapp-1-ABC inside' }, err: new Error('boom xoxb-999') });
    expect(lines).toHaveLength(1);
    const o = JSON.parse(lines[0]);
    expect(o).toMatchObject({ level: 'info', msg: 'hello', app: 'mngbot', runId: 'r-1', token: '[redacted]' });
    expect(o.nested).toEqual({ signingSecret: '[redacted]', note: 'uses [redacted] inside' });
    expect(o.err.message).toBe('boom [redacted]');
    expect(redact({ Authorization: 'Bearer x' })).toEqual({ Authorization: '[redacted]' });
  });
});
