// The README's exit-code table is the CLI's contract: this reads the table and runs, for every row,
// the cases that must end with that code — and with --json, checks that stdout ends with exactly one
// JSON object saying how the command ended.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_INTERRUPTED } from '../../src/cli/upgrade.js';
import { inProcess } from './in-process.js';

const ROOT = join(import.meta.dirname, '../..');

function readmeExitCodes(): number[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('| exit | when |'));
  return [...table.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]));
}

/** Each line of stdout parsed; the last one is how the command ended. */
function lastJson(stdout: string): Record<string, any> {
  const lines = stdout.trim().split('\n');
  const parsed = lines.map((l) => JSON.parse(l) as Record<string, any>);
  expect(parsed.length).toBeGreaterThan(0);
  return parsed[parsed.length - 1];
}

interface Case {
  name: string;
  args: string[];
  /** With --json: what the last object must be. */
  last?: Record<string, unknown>;
}

const CASES: Record<number, Case[]> = {
  0: [
    { name: 'plan that can be approved', args: ['plan', '--to', '1.30', '--json'], last: { toVersion: '1.30' } },
    { name: 'nothing to do (a re-run CI job)', args: ['upgrade', '--to', '1.29', '--yes', '--json'], last: { kind: 'nothing-to-do', findings: [] } },
    { name: 'nothing to do, plan', args: ['plan', '--to', '1.29', '--json'], last: { kind: 'nothing-to-do' } },
    { name: 'a run that succeeds', args: ['upgrade', '--to', '1.30', '--yes', '--json'], last: { kind: 'report', report: expect.objectContaining({ status: 'succeeded' }) } },
  ],
  1: [
    { name: 'a refused request: eks on a self-managed group', args: ['upgrade', '--to', '1.30', '--strategy', 'eks', '--yes', '--json'], last: { kind: 'refused', code: 'strategy-unsuited' } },
    {
      name: 'no terminal and no --yes',
      args: ['upgrade', '--to', '1.30', '--json'],
      last: { kind: 'refused', code: 'no-terminal', findings: [expect.objectContaining({ code: 'emptydir' })] },
    },
    {
      name: 'a blocked drain, nobody to ask: aborted',
      args: ['upgrade', '--to', '1.30', '--scenario', 'scenarios/pdb-blocked.json', '--yes', '--json'],
      last: { kind: 'report', report: expect.objectContaining({ status: 'cancelled' }) },
    },
    {
      name: 'every node skipped: nothing replaced',
      args: ['upgrade', '--to', '1.30', '--scenario', 'scenarios/pdb-blocked.json', '--yes', '--decide', 'skip', '--json'],
      last: { kind: 'report', report: expect.objectContaining({ status: 'nothing-replaced', nodes: { old: 3, replaced: 0, failed: 0, skipped: 3 } }) },
    },
  ],
  2: [
    { name: 'an unknown option', args: ['plan', '--to', '1.30', '--colour'] },
    { name: 'an option value out of range', args: ['plan', '--to', '1.30', '--max-unavailable', '10000'] },
  ],
  // A second Ctrl-C exits the process itself (exitSoon): checked by its constant below.
  130: [],
};

describe('the README exit-code table', () => {
  it('has the rows this test knows, and no other', () => {
    expect(readmeExitCodes()).toEqual(Object.keys(CASES).map(Number));
  });

  for (const [code, cases] of Object.entries(CASES)) {
    describe.concurrent(`exit ${code}`, () => {
      if (cases.length === 0) it('is what the CLI exits with when interrupted twice', () => expect(EXIT_INTERRUPTED).toBe(Number(code)));
      for (const c of cases) {
        it(c.name, { timeout: 60_000 }, async () => {
          const r = await inProcess(c.args);
          expect(r.code, r.stderr).toBe(Number(code));
          if (c.last) expect(lastJson(r.stdout)).toMatchObject(c.last);
        });
      }
    });
  }
});

describe('with --json, stdout ends with exactly one JSON object', () => {
  it('a refusal before any plan: that one object', async () => {
    const r = await inProcess(['upgrade', '--to', '1.30', '--strategy', 'eks', '--yes', '--json']);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ kind: 'refused', message: expect.stringContaining('self-managed') });
  });

  it('a plan a finding blocks: the plan, then the refusal with its findings', async () => {
    const scenario = JSON.parse(readFileSync(join(ROOT, 'scenarios/pdb-blocked.json'), 'utf8'));
    scenario.workloads.push({ name: 'debug-shell', namespace: 'ops', kind: 'Pod' });
    const file = join(tmpdir(), `mngbot-exit-codes-${process.pid}.json`);
    writeFileSync(file, JSON.stringify(scenario));
    try {
      const r = await inProcess(['upgrade', '--to', '1.30', '--scenario', file, '--yes', '--json']);
      expect(r.code).toBe(1);
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(lines.map((l) => l.kind)).toEqual(['plan', 'refused']);
      expect(lines[1]).toMatchObject({ code: 'plan-refused', findings: expect.arrayContaining([expect.objectContaining({ code: 'unmanaged-pod', severity: 'block' })]) });
    } finally {
      rmSync(file, { force: true });
    }
  });
});
