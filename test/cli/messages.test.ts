// What people read from the CLI, pinned (test/cli/__snapshots__/messages/): `mngbot plan` on the
// simulator, a plan that cannot be approved, a refusal, and every engine refusal in the CLI's words.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { refusalWords } from '../../src/cli/words.js';
import { cliMain } from '../../src/cli.js';
import { engineRefusals } from '../engine/refusals.js';

const DIR = '__snapshots__/messages';
const tmp = mkdtempSync(join(tmpdir(), 'mngbot-cli-messages-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** cliMain in this process, in a shell with nothing of mngbot's set: the simulator, no config. */
async function mngbot(args: string[]): Promise<string> {
  let out = '';
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MNG_') && k !== 'KUBECONFIG'));
  const code = await cliMain(args, {
    out: (line) => (out += `${line}\n`),
    err: (line) => (out += `[stderr] ${line}\n`),
    interactive: false,
    ask: async () => undefined,
    env,
  });
  return `$ mngbot ${args.join(' ')}\n${out}[exit ${code}]\n`;
}

describe('mngbot plan', () => {
  it('a normal plan on demo.json', async () => {
    await expect(await mngbot(['plan', '--to', '1.30'])).toMatchFileSnapshot(`${DIR}/plan-normal.txt`);
  });

  it('a plan that cannot be approved: a pod no controller owns', async () => {
    const scenario = JSON.parse(readFileSync('scenarios/pdb-blocked.json', 'utf8'));
    scenario.workloads.push({ name: 'debug-shell', namespace: 'ops', kind: 'Pod' });
    const file = join(tmp, 'bare-pod.json');
    writeFileSync(file, JSON.stringify(scenario));
    const said = (await mngbot(['plan', '--to', '1.30', '--scenario', file])).replace(file, 'bare-pod.json');
    await expect(said).toMatchFileSnapshot(`${DIR}/plan-blocked.txt`);
  });
});

describe('refusals', () => {
  it('mngbot upgrade refused: the eks strategy on a self-managed group', async () => {
    await expect(await mngbot(['upgrade', '--to', '1.30', '--strategy', 'eks', '--yes'])).toMatchFileSnapshot(`${DIR}/refusal-upgrade.txt`);
  });

  it('every refusal of the engine, in the CLI’s words', { timeout: 60_000 }, async () => {
    const said = (await engineRefusals()).map(({ asked, refusal }) => {
      const { message, hint } = refusalWords(refusal);
      return `## ${asked} (${refusal.outcome.code})\n${message}${hint ? `\n(${hint})` : ''}\n`;
    });
    await expect(said.join('\n')).toMatchFileSnapshot(`${DIR}/refusals.txt`);
  });
});
