import { describe, expect, it } from 'vitest';
import { Workload } from '../../../src/slack/progress/workload.js';

describe('Workload', () => {
  it('drained() resolves on the end() that leaves nothing in progress, not before', async () => {
    const w = new Workload();
    await w.drained();
    w.begin();
    w.begin();
    let drained = false;
    const done = w.drained().then(() => (drained = true));
    w.end();
    await Promise.resolve();
    expect(drained).toBe(false);
    w.end();
    await done;
    expect(drained).toBe(true);
    expect(() => w.end()).toThrow(/without a begin/);
  });

  it('a child counts once in its parent while it is busy', async () => {
    const parent = new Workload();
    const child = new Workload(parent);
    child.begin();
    child.begin();
    expect(parent.busy).toBe(true);
    child.end();
    expect(parent.busy).toBe(true);
    child.end();
    expect(parent.busy).toBe(false);
    let release!: () => void;
    const tracked = parent.track(new Promise<void>((r) => (release = r)));
    expect(parent.busy).toBe(true);
    release();
    await tracked;
    expect(parent.busy).toBe(false);
  });

  it('drainedWithin() rejects when the work is not done in time', async () => {
    const w = new Workload();
    w.begin();
    await expect(w.drainedWithin(5, 'still busy')).rejects.toThrow('still busy');
  });
});
