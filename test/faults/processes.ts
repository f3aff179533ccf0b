// Real processes for the fault tests, the ones the demo starts (src/demo/): the simulated cloud
// (npm run world) and mngbot itself (src/main.ts with its real AWS and Kubernetes adapters), started,
// killed with SIGKILL and started again the way an operator or Kubernetes would. Only 127.0.0.1.
import { BotChild, type BotChildOptions } from '../../src/demo/bot-child.js';
import { startWorldChild, type WorldChild } from '../../src/demo/world-child.js';
import type { WorldLedger } from '../../src/sim/world-control.js';

export const REGION = 'us-west-2';

/** The world's own account (GET /world/ledger). */
export type Ledger = WorldLedger;

export interface WorldProcess extends WorldChild {
  ledger(): Promise<Ledger>;
  faults(body: Record<string, unknown>): Promise<void>;
}

export async function startWorld(opts: { scenario: string; speed: number; dir: string; seed?: number }): Promise<WorldProcess> {
  const world = await startWorldChild(opts);
  const json = async <T>(path: string, init?: RequestInit): Promise<T> => {
    const res = await fetch(`${world.aws}${path}`, init);
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  return {
    ...world,
    ledger: () => json<Ledger>('/world/ledger'),
    faults: async (body) => {
      await json('/world/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    },
  };
}

/** A bot on the world, logging at info level so the tests can read what it said. */
export function botOn(o: Omit<BotChildOptions, 'env'> & { env?: Record<string, string> }): BotChild {
  return new BotChild({ ...o, env: { MNG_LOG_LEVEL: 'info', ...o.env } });
}

export async function health(url: string): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
    return { status: res.status, body: await res.text() };
  } catch {
    return undefined;
  }
}

/** Polls (real time) until cond holds. */
export async function until(cond: () => Promise<boolean> | boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
