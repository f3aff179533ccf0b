// The terminal the CLI talks to: lines out and err, a question when a person is there, the exit.
import { createInterface } from 'node:readline';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Whether a person can be asked (stdin is a terminal). */
  interactive: boolean;
  /** Asks on stderr; undefined when the person pressed Ctrl-C or closed the input. */
  ask(question: string): Promise<string | undefined>;
  env: Record<string, string | undefined>;
}

export function processIo(): CliIo {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    interactive: process.stdin.isTTY === true,
    ask: (question) =>
      new Promise((resolve) => {
        const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY === true });
        let answered = false;
        // Ctrl-C at the question, or the end of the input (Ctrl-D), answers nothing.
        const finish = (answer: string | undefined) => {
          if (answered) return;
          answered = true;
          rl.close();
          resolve(answer);
        };
        rl.on('SIGINT', () => {
          process.stderr.write('\n');
          finish(undefined);
        });
        rl.on('close', () => finish(undefined));
        rl.question(question, (answer) => finish(answer));
      }),
    env: process.env,
  };
}

/** Exits once stdout and stderr have taken everything written to them. */
export function exitSoon(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
  // Streams that never drain (a closed pipe) must not keep us here.
  setTimeout(() => process.exit(code), 2000).unref();
}
