import { describe, expect, it } from 'vitest';
import { jsonErrorOffset } from '../../src/store/json-error.js';

describe('jsonErrorOffset', () => {
  it('finds nothing wrong with valid JSON (as JSON.parse)', () => {
    for (const t of ['{}', '[]', ' {"a":[1,-2.5e3,true,false,null,"x\\u00e9\\n"],"b":{}} ', '0', '"s"']) {
      expect(() => JSON.parse(t)).not.toThrow();
      expect(jsonErrorOffset(t)).toBeUndefined();
    }
  });
  it('points at the first bad character, or the end when the text stops early', () => {
    expect(jsonErrorOffset('hello')).toBe(0);
    expect(jsonErrorOffset('{"a":[}')).toBe(6);
    expect(jsonErrorOffset('{"a":1,}')).toBe(7);
    expect(jsonErrorOffset('{"a":1} x')).toBe(8);
    expect(jsonErrorOffset('{"a":"abc')).toBe(9);
    expect(jsonErrorOffset('{"a":01}')).toBe(6);
    expect(jsonErrorOffset('{"a":"\\x"}')).toBe(7);
    expect(jsonErrorOffset('{"a":[1,2')).toBe(9);
    expect(jsonErrorOffset('')).toBe(0);
  });
});
