// The store keeps private copies of what it is given (events, audit entries, schedules) without a trip
// through text: a copy must be what JSON.parse(JSON.stringify(x)) is, or the file and memory disagree.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/sim/rng.js';
import { JsonCache } from '../../src/store/live-file.js';

function randomValue(rng: Rng, depth: number): unknown {
  const pick = rng.int(depth > 2 ? 6 : 9);
  switch (pick) {
    case 0: return rng.int(1000) - 500;
    case 1: return [NaN, Infinity, 0.5, -0][rng.int(4)];
    case 2: return rng.suffix(rng.int(6));
    case 3: return rng.chance(0.5);
    case 4: return null;
    case 5: return undefined;
    case 6: return new Date(Date.UTC(2026, 0, 1 + rng.int(300)));
    case 7: return Array.from({ length: rng.int(4) }, () => randomValue(rng, depth + 1));
    default: return Object.fromEntries(Array.from({ length: rng.int(5) }, (_, i) => [`k${i}`, randomValue(rng, depth + 1)]));
  }
}

describe('JsonCache.copy', () => {
  it('gives what a trip through JSON gives, for seeded values, and shares nothing with the original', () => {
    const cache = new JsonCache();
    for (let seed = 1; seed <= 300; seed++) {
      const rng = new Rng(seed);
      const value = { kind: 'node', nested: randomValue(rng, 0), list: [randomValue(rng, 1), randomValue(rng, 1)] };
      const copy = cache.copy(value);
      expect(copy, `seed ${seed}`).toStrictEqual(JSON.parse(JSON.stringify(value)));
      expect(copy.list, `seed ${seed}`).not.toBe(value.list);
    }
  });
});
