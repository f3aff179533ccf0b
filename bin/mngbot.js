#!/usr/bin/env node
// The mngbot command. In a clone: src/cli.ts through tsx (a development dependency), so a stale
// dist/ never answers for the sources. In the image, which has no src/: the compiled dist/cli.js.
import { existsSync } from 'node:fs';

let cli;
if (existsSync(new URL('../src/cli.ts', import.meta.url))) {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../src/cli.ts');
} else {
  cli = await import('../dist/cli.js');
}
await cli.runAndExit(process.argv.slice(2));
