// Seeded random /mng input for fuzz tests: the seed is printed with any failure.
import { Rng } from '../../src/sim/rng.js';

/** The simulator's seeded generator, as a function. */
export function rng(seed: number): () => number {
  const rand = new Rng(seed);
  return () => rand.float();
}

export const WORDS = [
  'upgrade', 'nodegroup', 'ng', 'list', 'status', 'cancel', 'help', '1.30', 'v1.29', '1.3', '--cluster', '--nodegroup', '--name',
  '--kubernetes-version=1.30', '--release-version', '--max-unavailable', '--surge', '--strategy', 'eks', 'rolling', '--drain-timeout',
  '20m', '--force', '--dry-run', '--force=true', '=', '--', '-', '—', '"', '&lt;', '<@U123>', 'r-1a2b', '0', '-1', '999999', '\u0000',
  '\n', '\t', '🚀', '__proto__', 'constructor', '%s', '${x}', "'; DROP TABLE runs;--",
  'schedule', 'schedules', 'windows', 'history', 'audit', 'list', 'cancel', 's-7kq2m', 'prod/ng-1', '--now', '--at', '--at=', '--timezone',
  '--tz=Europe/Berlin', 'Europe/Berlin', 'Mars/Olympus', '*', '*/5', 'SAT', 'MON-FRI', '0', '2', '"0 2 * * SAT"', '2025-04-12T02:00',
  '2030-01-01', '02:00', '2025-02-30T02:00', '20',
];

export function randomText(r: () => number): string {
  const n = Math.floor(r() * 12);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const pick = r();
    if (pick < 0.6) parts.push(WORDS[Math.floor(r() * WORDS.length)]);
    else if (pick < 0.8) parts.push(String(Math.floor(r() * 1000) / (r() < 0.5 ? 1 : 100)));
    else {
      const len = Math.floor(r() * 20);
      let s = '';
      for (let j = 0; j < len; j++) s += String.fromCharCode(Math.floor(r() * (r() < 0.9 ? 128 : 0xffff)));
      parts.push(s);
    }
  }
  return parts.join(r() < 0.8 ? ' ' : r() < 0.5 ? '' : '  ');
}

