// `mngbot upgrade` keeps to the maintenance windows the configuration gives, as the bot's runs do:
// it asks through the same use case. --now runs outside them and says so in the audit log.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcess } from './in-process.js';
import { LowdbRunStore } from '../../src/store/lowdb-run-store.js';

let dir: string;
let config: string;
const OPENS_AT = Date.UTC(2026, 0, 1, 2, 0);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mngbot-cli-windows-'));
  config = join(dir, 'mngbot.yaml');
  // The simulated clock starts at 2026-01-01 00:00 UTC: the window opens two hours later.
  await writeFile(config, 'windows: [{ cron: "0 2 * * *", duration: 3h, timezone: UTC }]\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function upgrade(extra: string[]): Promise<{ code: number; events: { kind: string; at: number }[]; stderr: string }> {
  const { code, stdout, stderr } = await inProcess(['upgrade', '--to', '1.30', '--yes', '--json', ...extra], { MNG_CONFIG: config, MNG_SCENARIO: 'scenarios/demo.json' });
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; at: number });
  return { code, events: lines.filter((l) => typeof l.at === 'number'), stderr };
}

describe('mngbot upgrade and maintenance windows', () => {
  it('waits for the next window before it changes anything, and says so', async () => {
    const r = await upgrade([]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/waits for the next maintenance window of demo\/workers/);
    const changes = r.events.filter((e) => e.kind === 'node' || e.kind === 'asg' || e.kind === 'phase');
    expect(changes.length).toBeGreaterThan(0);
    for (const e of changes) expect(new Date(e.at).toISOString()).toBe(new Date(Math.max(e.at, OPENS_AT)).toISOString());
  });

  it('--now runs at once, outside the windows, and the audit log says who chose it', async () => {
    const data = join(dir, 'now');
    const r = await upgrade(['--now', '--data-dir', data]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/waits for the next maintenance window/);
    expect(Math.min(...r.events.map((e) => e.at))).toBeLessThan(OPENS_AT);
    const store = await LowdbRunStore.open({ dataDir: data, log: () => {} });
    const audit = await store.auditLog(50);
    await store.close();
    expect(audit.find((e) => e.action === 'request-now')).toMatchObject({ user: expect.stringMatching(/^cli:/), detail: expect.stringMatching(/outside its maintenance windows/) });
  });
});
