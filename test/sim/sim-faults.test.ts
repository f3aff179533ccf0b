// What `npm run sim` shows of a scenario's faults: a crash restarts the bot from its store at that
// step (restarts: 1, and the run still ends well); failed launches are in the event log as they happen.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simMain } from '../../src/sim-cli.js';

async function withScenario<T>(edit: (s: { faults: unknown[] }) => void, fn: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'mng-sim-faults-'));
  try {
    const s = JSON.parse(await readFile('scenarios/demo.json', 'utf8'));
    edit(s);
    const file = join(dir, 'scenario.json');
    await writeFile(file, JSON.stringify(s));
    return await fn(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('npm run sim and the scenario faults', () => {
  it("honours a crash fault: the bot dies after that many steps and a new one resumes from the store", async () => {
    const lines: string[] = [];
    const code = await withScenario(
      (s) => s.faults.push({ kind: 'crash', afterSteps: 6 }),
      (file) => simMain(['--scenario', file, '--to', '1.30'], (l) => lines.push(l)),
    );
    const report = lines.join('\n');
    expect(report).toMatch(/mngbot restarted and picked this run up again/);
    expect(report).toMatch(/status succeeded/);
    expect(code).toBe(0);
    const json: string[] = [];
    await withScenario(
      (s) => s.faults.push({ kind: 'crash', afterSteps: 6 }),
      (file) => simMain(['--scenario', file, '--to', '1.30', '--json', '--quiet'], (l) => json.push(l)),
    );
    expect(JSON.parse(json.at(-1)!)).toMatchObject({ status: 'succeeded', restarts: 1, podsLost: 0, terminatedTwice: 0 });
  }, 60_000);

  it('says each failed launch in the event log (launch-failures.json)', async () => {
    const lines: string[] = [];
    await simMain(['--scenario', 'scenarios/launch-failures.json'], (l) => lines.push(l));
    const failures = lines.filter((l) => /a launch failed/.test(l));
    expect(failures).toHaveLength(3);
    expect(failures[0]).toMatch(/InsufficientInstanceCapacity/);
  }, 60_000);
});
