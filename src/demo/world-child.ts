// The simulated cloud as a child process (npm run world), for the demo: started, read its addresses
// from its one line, stopped with the demo.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { entryArgs } from './entry-args.js';

const READY_LINE = /^world: aws (http:\/\/127\.0\.0\.1:\d+) kube (http:\/\/127\.0\.0\.1:\d+)$/m;

export interface WorldChild {
  aws: string;
  kube: string;
  /** A kubeconfig for the world's cluster (kubectl --kubeconfig FILE). */
  kubeconfig: string;
  /** An mngbot configuration file naming the world's cluster and node group. */
  config: string;
  stop(): Promise<void>;
}

export async function startWorldChild(o: { scenario: string; speed: number; dir: string; seed?: number; timeoutMs?: number }): Promise<WorldChild> {
  const kubeconfig = join(o.dir, 'kubeconfig');
  const config = join(o.dir, 'world-config.yaml');
  const args = ['--scenario', o.scenario, '--speed', String(o.speed), '--kubeconfig', kubeconfig, '--config', config, ...(o.seed !== undefined ? ['--seed', String(o.seed)] : [])];
  const child = spawn(process.execPath, [...entryArgs('world-cli'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr?.pipe(createWriteStream(join(o.dir, 'world.log'), { flags: 'a' }));
  const [aws, kube] = await readyLine(child, o.timeoutMs ?? 60_000);
  return { aws, kube, kubeconfig, config, stop: () => stopChild(child, 'SIGTERM') };
}

function readyLine(child: ChildProcess, timeoutMs: number): Promise<[string, string]> {
  return new Promise((resolve, reject) => {
    let out = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`the simulated cloud did not start: ${why}${out ? `; it printed ${JSON.stringify(out.slice(-500))}` : ''}`));
    };
    const timer = setTimeout(() => fail(`no address line within ${timeoutMs / 1000} s`), timeoutMs);
    child.once('exit', (code, signal) => fail(`it exited (${code ?? signal})`));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = READY_LINE.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve([m[1], m[2]]);
    });
  });
}

/** Signals the child and resolves once it has ended and its output has been read. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.kill(signal);
  await gone;
}
