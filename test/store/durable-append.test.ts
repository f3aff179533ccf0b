// A durable append either adds its data or leaves the file as it was, whatever call fails.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFileDurable, DurableAppender, nodeFileOps, type FileOps } from '../../src/store/atomic-file.js';

let dir: string;
beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'mngbot-append-'))));
afterEach(() => rm(dir, { recursive: true, force: true }));

/** File operations whose handles fail the named call. */
function failing(call: 'stat' | 'writeFile' | 'datasync'): FileOps {
  return {
    ...nodeFileOps,
    open: (async (...args: Parameters<FileOps['open']>) => {
      const fh = await nodeFileOps.open(...args);
      return new Proxy(fh, {
        get(target, prop) {
          if (prop === call) return async () => Promise.reject(new Error(`${call} failed`));
          const value = Reflect.get(target, prop, target) as unknown;
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    }) as FileOps['open'],
  };
}

describe('durable appends', () => {
  for (const call of ['stat', 'writeFile', 'datasync'] as const) {
    it(`leave the file as it was when ${call} fails`, async () => {
      const file = join(dir, 'log');
      await writeFile(file, 'line 1\nline 2\n');
      await expect(appendFileDurable(file, 'line 3\n', failing(call))).rejects.toThrow(`${call} failed`);
      expect(await readFile(file, 'utf8')).toBe('line 1\nline 2\n');
    });
  }

  it('an appender kept open appends in order, and after a failure checks the length it knows again', async () => {
    const file = join(dir, 'journal');
    await writeFile(file, 'head\n');
    const out = new DurableAppender(file);
    await out.append('a\n', 5);
    await out.append('b\n', 7);
    expect(await readFile(file, 'utf8')).toBe('head\na\nb\n');
    await writeFile(file, 'someone else\n', { flag: 'a' });
    await out.close();
    await expect(out.append('c\n', 9)).rejects.toThrow(/is 22 bytes, not the 9/);
    await out.close();
  });
});
