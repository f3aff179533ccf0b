// Seeded randomness and stable hashes: the world never uses Math.random or Date.now,
// so a seed reproduces a run exactly.

/** FNV-1a, 32 bits. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** A stable hex string of any length derived from s (same s, same hex, across runs and machines). */
export function stableHex(s: string, length: number): string {
  let out = '';
  for (let i = 0; out.length < length; i++) out += hashString(`${i}:${s}`).toString(16).padStart(8, '0');
  return out.slice(0, length);
}

/** A seed for an independent stream, so that adding faults does not reshuffle the world's other choices. */
export function deriveSeed(seed: number, stream: string): number {
  return hashString(`${seed >>> 0}/${stream}`);
}

// Kubernetes' name-suffix alphabet (no vowels, no confusable digits).
const SUFFIX_CHARS = 'bcdfghjklmnpqrstvwxz2456789';
const HEX_CHARS = '0123456789abcdef';
const [DASH, FOUR, LOWER_A] = ['-', '4', 'a'].map((c) => c.charCodeAt(0));

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** mulberry32: uniform in [0, 1). */
  float(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  chance(probability: number): boolean {
    return probability > 0 && this.float() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(items.length)];
  }

  hex(length: number): string {
    return this.chars(HEX_CHARS, length);
  }

  /** A Kubernetes-style random suffix (ReplicaSet pods, DaemonSet pods). */
  suffix(length = 5): string {
    return this.chars(SUFFIX_CHARS, length);
  }

  /** `length` characters drawn from the alphabet, one draw each, as char codes: strings are made in one go, as the world makes a hundred thousand. */
  private codes(alphabet: string, length: number): number[] {
    const codes = new Array<number>(length);
    for (let i = 0; i < length; i++) codes[i] = alphabet.charCodeAt(this.int(alphabet.length));
    return codes;
  }

  private chars(alphabet: string, length: number): string {
    return String.fromCharCode(...this.codes(alphabet, length));
  }

  /** A version-4 UUID of 32 hex draws (the 13th and 17th digits stand as 4 and a). */
  uuid(): string {
    const h = this.codes(HEX_CHARS, 32);
    [h[12], h[16]] = [FOUR, LOWER_A];
    return String.fromCharCode(...h.slice(0, 8), DASH, ...h.slice(8, 12), DASH, ...h.slice(12, 16), DASH, ...h.slice(16, 20), DASH, ...h.slice(20));
  }
}
