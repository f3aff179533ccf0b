// The layers DESIGN.md draws, checked on every import in src/ (static, re-exports and dynamic):
// the engine stands alone, the front ends reach the world only through the application, and only
// the composition knows every folder. A failure names the file, the import and the rule.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../src');

interface Edge {
  from: string;
  /** A path under src/ for a relative import, else the package name. */
  to: string;
  /** A module of ours (a relative import), not a package or a node: builtin. */
  local: boolean;
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

const SPECIFIER = /(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;

const edges: Edge[] = files(SRC).flatMap((file) => {
  const from = relative(SRC, file);
  return [...readFileSync(file, 'utf8').matchAll(SPECIFIER)].map((m) => {
    const spec = m[1] ?? m[2] ?? m[3];
    const local = spec.startsWith('.');
    return { from, to: local ? normalize(join(dirname(from), spec)).replace(/\.js$/, '.ts') : spec, local };
  });
});

const under = (folder: string) => (path: string) => path.startsWith(`${folder}/`);
const oneOf = (...tests: ((p: string) => boolean)[]) => (p: string) => tests.some((t) => t(p));
const is = (file: string) => (p: string) => p === file;
const local = (e: Edge) => e.local;

const ADAPTERS = oneOf(under('aws'), under('kube'), under('store'), under('sim'), is('open-world.ts'));
const FRONT_ENDS = oneOf(under('slack'), under('cli'), is('cli.ts'), is('sim-cli.ts'));

function broken(rule: (e: Edge) => boolean): string[] {
  return edges.filter(rule).map((e) => `${e.from} imports ${e.to}`);
}

describe('architecture', () => {
  it('finds the imports it checks', () => {
    expect(edges.length).toBeGreaterThan(300);
    expect(edges).toContainEqual({ from: 'bot.ts', to: 'slack/app.ts', local: true });
  });

  it('engine/ imports nothing outside itself (no SDK, Bolt, lowdb, cron, nor another folder)', () => {
    expect(broken((e) => under('engine')(e.from) && !(local(e) ? under('engine')(e.to) : e.to.startsWith('node:')))).toEqual([]);
  });

  it('front ends reach the world only through app/: no sim/, adapters or store', () => {
    expect(broken((e) => FRONT_ENDS(e.from) && local(e) && ADAPTERS(e.to))).toEqual([]);
  });

  it('one function builds Engines: only app/compose.ts says new Engine, in src/, test/ and bench/', () => {
    const root = join(SRC, '..');
    const builders = ['src', 'test', 'bench']
      .flatMap((d) => files(join(root, d)))
      .filter((f) => /\bnew Engine\(/.test(readFileSync(f, 'utf8').replace(/\/\/.*$/gm, '')))
      .map((f) => relative(root, f));
    expect(builders).toEqual(['src/app/compose.ts']);
  });

  it('in app/, only the composition (and the in-process simulation it serves) knows the adapters', () => {
    expect(broken((e) => under('app')(e.from) && local(e) && ADAPTERS(e.to) && !['app/compose.ts', 'app/simulate.ts'].includes(e.from))).toEqual([]);
  });

  it('the adapters and the world know nothing of the front ends or the application', () => {
    expect(broken((e) => ADAPTERS(e.from) && local(e) && oneOf(FRONT_ENDS, under('app'), is('bot.ts'))(e.to))).toEqual([]);
  });

  it('schedule/ is pure time arithmetic over engine types (and the shared zod wording)', () => {
    expect(broken((e) => under('schedule')(e.from) && local(e) && !oneOf(under('schedule'), under('engine'), is('zod-issues.ts'))(e.to))).toEqual([]);
  });

  it('Slack types stop at slack/ (and the console, which stands in for Slack)', () => {
    expect(broken((e) => !oneOf(under('slack'), under('console'))(e.from) && e.to.startsWith('@slack/'))).toEqual([]);
  });
});
