// Each mistake → the exact message, naming the key (an environment variable, or the file and the key
// path inside it) and what was expected.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfigText } from '../../src/config.js';

const sim = { MNG_WORLD: 'sim', MNG_SCENARIO: 'scenarios/demo.json' };

const fileErrors: [string, string][] = [
  ['[1, 2]', 'mng.yaml: (top): expected a mapping, got [1,2]'],
  ['clusters: {}', 'mng.yaml: clusters: expected a list of clusters, got {}'],
  ['clusters: [{ name: prod, nodegroup: [a] }]', 'mng.yaml: clusters[0].nodegroup: unknown key (expected one of name, region, roleArn, externalId, nodegroups, selfManaged, channels, windows)'],
  ['clusters: [{ name: prod, region: mars }]', 'mng.yaml: clusters[0].region: expected an AWS region like "us-west-2", got "mars"'],
  ['clusters: [{ name: prod, roleArn: admin }]', 'mng.yaml: clusters[0].roleArn: expected an IAM role ARN like "arn:aws:iam::123456789012:role/mngbot", got "admin"'],
  ['clusters: [{ name: prod, nodegroups: [ng-1, { name: 7 }] }]', 'mng.yaml: clusters[0].nodegroups[1].name: expected a node group name, got 7'],
  ['clusters: [{ name: prod, nodegroups: [ng-1, ng-1] }]', 'mng.yaml: clusters[0].nodegroups[1]: node group ng-1 is listed twice'],
  ['clusters: [{ name: prod, selfManaged: [] }]', 'mng.yaml: clusters[0].selfManaged: expected a mapping of node group name to { asgName, amiType }, got []'],
  ['clusters: [{ name: prod, selfManaged: { ng-1: { amiType: CUSTOM } } }]', 'mng.yaml: clusters[0].selfManaged.ng-1.asgName: expected the Auto Scaling group\'s name, got nothing'],
  ['clusters: [{ name: prod, selfManaged: { ng-1: { asgName: a, amiType: "AL2 x86" } } }]', 'mng.yaml: clusters[0].selfManaged.ng-1.amiType: expected an EKS amiType like "AL2023_x86_64_STANDARD" or "CUSTOM", got "AL2 x86"'],
  ['clusters: [{ name: prod, selfManaged: { ng-1: { asgName: a, amiType: CUSTOM, maxUnavailable: 0 } } }]', 'mng.yaml: clusters[0].selfManaged.ng-1.maxUnavailable: expected a whole number from 1 to 100, got 0'],
  ['clusters: [{ name: prod, selfManaged: { ng-1: { asgName: a, amiType: CUSTOM, asg: b } } }]', 'mng.yaml: clusters[0].selfManaged.ng-1.asg: unknown key (expected one of asgName, amiType, version, releaseVersion, maxUnavailable)'],
  ['clusters: [{ name: prod, selfManaged: { "ng 1": { asgName: a, amiType: CUSTOM } } }]', 'mng.yaml: clusters[0].selfManaged.ng 1: expected a node group name'],
  ['windows: [{ cron: "0 2 * * SAT", duration: 4h, timezone: Mars/Olympus }]', 'mng.yaml: windows[0].timezone: unknown time zone "Mars/Olympus" (use an IANA name such as Europe/Berlin, America/New_York or UTC)'],
  ['defaults: { drainTimeout: soon }', 'mng.yaml: defaults.drainTimeout: expected a duration like "15m" or "1h", got "soon"'],
  ['defaults: { deregistrationWait: soon }', 'mng.yaml: defaults.deregistrationWait: expected a duration like "60s", or 0, got "soon"'],
  ['approvers: { users: [U0AAA111, alice] }', 'mng.yaml: approvers.users[1]: expected a Slack user id like "U0123ABC", got "alice"'],
];

const envErrors: [Record<string, string>, string][] = [
  [{ ...sim, PORT: '80a' }, 'PORT: expected a whole number from 0 to 65535, got "80a"'],
  [{ ...sim, MNG_STORE: 'etcd' }, 'MNG_STORE: expected file or kubernetes, got "etcd"'],
  [{ ...sim, MNG_STORE: 'kubernetes', MNG_LEASE_DURATION_MS: '3000', MNG_LEASE_RENEW_MS: '2000' }, 'MNG_LEASE_RENEW_MS: renew well within the lease: below ⅔ of MNG_LEASE_DURATION_MS (3000 ms), such as a third of it'],
  [{ MNG_WORLD: 'sim' }, 'MNG_SCENARIO: expected the path of a scenario file (MNG_WORLD=sim runs against the simulator)'],
  [{ MNG_WORLD: 'mars' }, 'MNG_WORLD: expected "sim" or "aws", got "mars"'],
  [{ ...sim, MNG_SIM_SPEED: 'fast' }, 'MNG_SIM_SPEED: expected simulated seconds per real second, a number above 0, got "fast"'],
  [{ MNG_WORLD: 'aws', MNG_CLOCK_URL: 'localhost' }, 'MNG_CLOCK_URL: expected an http(s) URL like "http://127.0.0.1:4000/api/", got "localhost"'],
  [{ ...sim, SLACK_BOT_TOKEN: 'not-a-token' }, 'SLACK_BOT_TOKEN: expected a bot token starting with "xoxb-"'],
  [{ ...sim, SLACK_APP_TOKEN: 'xoxb-1' }, 'SLACK_APP_TOKEN: expected an app-level token starting with "xapp-"'],
  [{ ...sim, MNG_APPROVERS: 'U0AAA111,,U0BBB222' }, 'MNG_APPROVERS: item 2: expected a Slack user id like "U0123ABC", got ""'],
  [{ ...sim, MNG_POD_NAME: 'mngbot-0' }, 'MNG_POD_NAMESPACE: set MNG_POD_NAME and MNG_POD_NAMESPACE together (the downward API gives both)'],
  [{ ...sim, MNG_LOG_LEVEL: 'trace' }, 'MNG_LOG_LEVEL: expected one of debug, info, warn, error, got "trace"'],
];

describe('config errors name the key and what was expected', () => {
  for (const [text, message] of fileErrors) {
    it(`file ${text}`, () => {
      let thrown: unknown;
      try {
        parseConfigText(text, 'mng.yaml');
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(ConfigError);
      expect((thrown as Error).message).toBe(message);
    });
  }

  for (const [env, message] of envErrors) {
    it(`env ${JSON.stringify(env)}`, async () => {
      const err = await loadConfig({ env, readText: async () => '' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toBe(message);
    });
  }

  it('never shows a secret', async () => {
    const err = await loadConfig({ env: { ...sim, SLACK_BOT_TOKEN: 'hunter2-secret' } }).catch((e: unknown) => e);
    expect((err as Error).message).not.toContain('hunter2');
  });
});

describe('defaults.deregistrationWait', () => {
  it.each([
    ['0', 0],
    ['"0"', 0],
    ['0s', 0],
    ['30s', 30_000],
    ['2m', 120_000],
  ])('%s → %i ms, the default of every rolling plan', (text, ms) => {
    expect(parseConfigText(`defaults: { deregistrationWait: ${text} }`, 'mng.yaml').defaults.deregistrationWaitMs).toBe(ms);
  });

  it('absent: EKS\'s 60 s is the plan\'s own default', () => {
    expect(parseConfigText('defaults: {}', 'mng.yaml').defaults).not.toHaveProperty('deregistrationWaitMs');
  });
});
