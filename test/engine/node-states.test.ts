// The run's node records by state, kept as they move: what a step counts instead of looking at every
// node must equal a fresh count, over seeded moves, appended records and a rebuild.
import { describe, expect, it } from 'vitest';
import { NodeStates } from '../../src/engine/node-states.js';
import type { NodeRecord, NodeState } from '../../src/engine/run.js';
import { newRecord } from '../../src/engine/steps/scale-back.js';
import { Rng } from '../../src/sim/rng.js';
import { cases } from '../quick.js';

const STATES: NodeState[] = ['waiting', 'tainted', 'evicting', 'evicted', 'cordoned', 'terminating', 'terminated'];

describe('NodeStates', () => {
  it('counts records, old ones and terminations with decrement as a fresh count does', () => {
    for (let seed = 1; seed <= cases(10, 3); seed++) {
      const rng = new Rng(seed);
      const nodes: NodeRecord[] = [];
      const add = () => {
        const n = nodes.length;
        nodes.push(newRecord(`n${n}`, `i-${n}`, 'us-west-2a', rng.int(4) === 0 ? 'surplus' : 'old'));
      };
      for (let i = 0; i < 10; i++) add();
      const states = new NodeStates(nodes);
      const check = (s: NodeStates, step: number) => {
        const said = `seed ${seed}, step ${step}`;
        for (const state of STATES) {
          expect(s.count(state), `${said}: ${state}`).toBe(nodes.filter((r) => r.state === state).length);
          expect(s.countOld(state), `${said}: old ${state}`).toBe(nodes.filter((r) => r.role === 'old' && r.state === state).length);
          expect(s.in(state), `${said}: in ${state}`).toEqual(nodes.filter((r) => r.state === state));
        }
        expect(s.decrements(), said).toBe(nodes.filter((r) => r.termination?.decrement).length);
      };
      for (let step = 0; step < 200; step++) {
        if (rng.int(10) === 0) add();
        else {
          const rec = nodes[rng.int(nodes.length)];
          const from = rec.state;
          const to = STATES[rng.int(STATES.length)];
          // As the pipeline does: the termination is recorded, then the state moves to terminating.
          if (to === 'terminating' && !rec.termination) rec.termination = { requestedAt: step, decrement: rng.int(2) === 0 };
          rec.state = to;
          states.moved(rec, from);
        }
        check(states, step);
      }
      // A run loaded again: the same counts from its records alone.
      check(new NodeStates(nodes), -1);
    }
  });
});
