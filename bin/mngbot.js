#!/usr/bin/env node
// The mngbot command: runs src/cli.ts through tsx (a production dependency), so there is no build step.
import { register } from 'tsx/esm/api';

register();
const { runAndExit } = await import('../src/cli.ts');
await runAndExit(process.argv.slice(2));
