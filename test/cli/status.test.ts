// mngbot status: what a data directory records, as the engine's hints ("see mngbot status r-…") promise.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcess } from './in-process.js';

let dir: string;

const mngbot = (args: string[]) => inProcess(args, { MNG_SCENARIO: 'scenarios/demo.json', MNG_DATA_DIR: dir });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mngbot-cli-status-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('mngbot status', () => {
  it('lists the recorded runs, shows one with its latest events, and names a run it does not know', async () => {
    expect((await mngbot(['status'])).stdout).toMatch(/records no runs/);
    const upgrade = await mngbot(['upgrade', '--to', '1.30', '--yes', '--json']);
    expect(upgrade.code, upgrade.stderr).toBe(0);
    const runId = (JSON.parse(upgrade.stdout.trim().split('\n')[0]) as { runId: string }).runId;

    const list = await mngbot(['status']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${runId}  demo/workers  succeeded  1\\.29 → 1\\.30`, 'm'));

    const one = await mngbot(['status', runId]);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/phase done: Replaced 9 of 9 nodes/);
    expect(one.stdout).toMatch(/latest events:/);

    const json = await mngbot(['status', runId, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ kind: 'run', run: { id: runId, status: 'succeeded' } });

    const unknown = await mngbot(['status', 'r-nothere']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/there is no run r-nothere in .*mngbot status lists the runs there are/);
  });

  it('without a data directory says which to give', async () => {
    const { code, stderr } = await inProcess(['status']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/give --data-dir DIR, or set MNG_DATA_DIR/);
  });
});
