import { describe, expect, it } from 'vitest';
import { parseDurationMs, readDurationMs } from '../../src/engine/duration.js';
import { UserError } from '../../src/engine/errors.js';

describe('the one duration syntax', () => {
  it('reads whole numbers with units, largest first, any case, spaces around', () => {
    expect(readDurationMs('90s')).toBe(90_000);
    expect(readDurationMs('20m')).toBe(20 * 60_000);
    expect(readDurationMs('1h30m')).toBe(90 * 60_000);
    expect(readDurationMs(' 2D ')).toBe(48 * 3_600_000);
    expect(readDurationMs('1d2h3m4s')).toBe(((24 + 2) * 3600 + 3 * 60 + 4) * 1000);
    expect(readDurationMs('0m')).toBe(0);
  });

  it('is not a duration without a unit, with units out of order, with fractions or other words', () => {
    for (const t of ['15', '', '30m1h', '1.5h', '1h 30m', '4 hours', '500ms', '-5m', '1m1m', 'm']) expect(readDurationMs(t), t).toBeUndefined();
    expect(readDurationMs(15)).toBeUndefined();
  });

  it('names the field, says a bare number needs its unit, and refuses zero', () => {
    expect(() => parseDurationMs('soon', 'defaults.drainTimeout')).toThrow(new UserError('defaults.drainTimeout: "soon" is not a duration', 'write it like 90s, 20m, 1h30m or 4h'));
    expect(() => parseDurationMs('15', 'defaults.drainTimeout')).toThrow('defaults.drainTimeout: "15" is not a duration; give its unit, e.g. 15m for minutes');
    expect(() => parseDurationMs('0s')).toThrow('duration: "0s" must be longer than zero');
  });
});
