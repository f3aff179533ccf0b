// The engine says what happened as data and in neutral words: the commands and options a person types
// belong to the front end that words them (slack/blocks/words.ts, cli/words.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const FRONT_END_WORDS = /\/mng\b|--(strategy|surge|force|now|max-unavailable)\b|mngbot (status|upgrade|plan|resume|sim)\b/;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('src/engine', () => {
  it('names no front end’s commands or options, in messages or comments', () => {
    const found = files('src/engine').flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i) => (FRONT_END_WORDS.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(found).toEqual([]);
  });
});
