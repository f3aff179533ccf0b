// /mng pause|resume|cancel take a run id or a node group; --update-strategy takes default or minimal.
import { describe, expect, it } from 'vitest';
import { parseCommand, USAGE, type MngCommand } from '../../src/slack/grammar.js';

const ok = (text: string): MngCommand => {
  const r = parseCommand(text);
  if (!r.ok) throw new Error(`expected "${text}" to parse, got: ${r.error}`);
  return r.command;
};

describe('grammar: run controls and the update strategy', () => {
  it('pause, resume and cancel a run by id, by node group, or by cluster/node group', () => {
    for (const kind of ['pause', 'resume', 'cancel'] as const) {
      expect(ok(`${kind} r-1a2b3c4d`)).toEqual({ kind, runId: 'r-1a2b3c4d' });
      // A bare word may be either: the app looks for the run first, then the node group.
      expect(ok(`${kind} workers`)).toEqual({ kind, runId: 'workers' });
      expect(ok(`${kind} prod/workers`)).toEqual({ kind, cluster: 'prod', nodegroup: 'workers' });
    }
  });

  it.each([
    ['pause', /"pause" needs the id of the run to pause/, USAGE.pause],
    ['resume a b', /one run id or node group/, USAGE.resume],
    ['pause <script>', /not a run id .* or a node group/, USAGE.pause],
    ['cancel prod/bad name/x', /one run id or node group/, USAGE.cancel],
    ['resume bad!/workers', /not a cluster name/, USAGE.resume],
  ])('%s is refused', (text, error, usage) => {
    const r = parseCommand(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatch(error);
    expect(r.usage).toContain(usage);
  });

  it('--update-strategy minimal or default, for upgrades and schedules', () => {
    expect(ok('upgrade nodegroup 1.30 --update-strategy minimal')).toMatchObject({ kind: 'upgrade', options: { updateStrategy: 'minimal' } });
    expect(ok('upgrade nodegroup 1.30 --update-strategy=DEFAULT')).toMatchObject({ kind: 'upgrade', options: { updateStrategy: 'default' } });
    expect(ok('schedule upgrade nodegroup --at "0 2 * * SAT" --update-strategy minimal')).toMatchObject({
      kind: 'schedule-upgrade',
      options: { updateStrategy: 'minimal' },
    });
    const r = parseCommand('upgrade nodegroup 1.30 --update-strategy fast');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/--update-strategy must be default or minimal \(got "fast"\)/);
  });
});
