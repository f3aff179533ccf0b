// Last resort for errors nothing else caught. A promise rejected with no handler, or an exception
// thrown from a callback, would otherwise end the process (Node's default) — and with it every run
// in flight, on the say-so of one bad request or one adapter's slip. Runs are level-triggered and
// resumable, so carrying on is safe; the error is logged with a reference a person can search for.
import { randomUUID } from 'node:crypto';
import type { Logger } from './log.js';

/** Logs unhandled rejections and uncaught exceptions instead of exiting. Installed once per process. */
export function guardProcess(log: Logger, proc: NodeJS.Process = process): void {
  const report = (kind: string, error: unknown, origin?: string) => {
    const ref = randomUUID().slice(0, 8);
    log.error(`${kind}; the process goes on`, { ref, ...(origin ? { origin } : {}), error: error instanceof Error ? error : String(error) });
  };
  proc.on('unhandledRejection', (reason) => report('unhandled promise rejection', reason));
  proc.on('uncaughtException', (err, origin) => report('uncaught exception', err, origin));
}
