// Slack's secrets from mounted files (SLACK_*_FILE), as the Deployment gives them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const dir = mkdtempSync(join(tmpdir(), 'mngbot-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const sim = { MNG_WORLD: 'sim', MNG_SCENARIO: 'scenarios/demo.json' };

describe('SLACK_*_FILE', () => {
  it('reads each secret from its file, less the final line ending a Secret or an editor adds', async () => {
    const config = await loadConfig({
      env: {
        ...sim,
        SLACK_SOCKET_MODE: 'true',
        SLACK_BOT_TOKEN_FILE: file('bot', 'xoxb-from-file\n'),
        SLACK_APP_TOKEN_FILE: file('app', 'xapp-from-file'),
        SLACK_SIGNING_SECRET_FILE: file('signing', 'signing-from-file\r\n'),
      },
    });
    expect(config.slack).toMatchObject({ botToken: 'xoxb-from-file', appToken: 'xapp-from-file', signingSecret: 'signing-from-file' });
  });

  it('refuses a secret given both ways, a file it cannot read and an empty one, naming the variable and never the secret', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ SLACK_BOT_TOKEN: 'xoxb-in-env', SLACK_BOT_TOKEN_FILE: file('both', 'xoxb-in-file') }, /^SLACK_BOT_TOKEN_FILE: SLACK_BOT_TOKEN is set too: set one of SLACK_BOT_TOKEN and SLACK_BOT_TOKEN_FILE, not both$/],
      [{ SLACK_APP_TOKEN_FILE: join(dir, 'missing') }, /^SLACK_APP_TOKEN_FILE: cannot read .*missing: .*ENOENT.* \(mount the Secret there, or unset SLACK_APP_TOKEN_FILE\)$/],
      [{ SLACK_SIGNING_SECRET_FILE: file('empty', '\n') }, /^SLACK_SIGNING_SECRET_FILE: .*empty is empty: it should hold SLACK_SIGNING_SECRET$/],
    ];
    for (const [env, message] of cases) {
      const err = await loadConfig({ env: { ...sim, ...env } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toMatch(/xoxb-in/);
    }
  });

  it('validates a token from a file as one from the environment', async () => {
    const err = await loadConfig({ env: { ...sim, SLACK_BOT_TOKEN_FILE: file('wrong', 'hunter2-secret') } }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^SLACK_BOT_TOKEN: expected a bot token starting with "xoxb-"/);
    expect((err as Error).message).not.toContain('hunter2');
  });
});
