// How the demo starts a sibling entry point as a child process: from the compiled image (dist/*.js)
// with node alone, from the sources (npm start) through tsx.
import { fileURLToPath } from 'node:url';

/** node's arguments for `name` ("main", "world-cli") beside src/ or dist/, whichever this module is in. */
export function entryArgs(name: string): string[] {
  const compiled = import.meta.url.endsWith('.js');
  const file = fileURLToPath(new URL(`../${name}.${compiled ? 'js' : 'ts'}`, import.meta.url));
  return compiled ? [file] : ['--import', 'tsx', file];
}
