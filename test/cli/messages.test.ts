// What people read from the CLI, pinned (test/cli/__snapshots__/messages/): `mngbot plan` on the
// simulator, a plan that cannot be approved, a refusal, and every engine refusal in the CLI's words.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { refusalWords } from '../../src/cli/words.js';
import { cliMain } from '../../src/cli.js';
import { engineRefusals } from '../engine/refusals.js';
import { imagesFor } from '../../src/sim/images.js';
import { createSimDeps } from '../../src/app/compose.js';
import { simulate } from '../../src/app/simulate.js';
import { planText } from '../../src/cli/output.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { MemoryRunStore } from '../../src/store/memory-run-store.js';

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

describe('mngbot fleet', () => {
  it('every group with its release, how far behind and its next window: current, then behind', async () => {
    const scenario = JSON.parse(readFileSync('scenarios/demo.json', 'utf8'));
    scenario.nodegroup.releaseVersion = imagesFor('AL2', '1.29')[0].releaseVersion;
    const file = join(tmp, 'behind.json');
    writeFileSync(file, JSON.stringify(scenario));
    const behind = (await mngbot(['fleet', '--scenario', file])).replace(file, 'behind.json');
    await expect(`${await mngbot(['fleet'])}\n${behind}`).toMatchFileSnapshot(`${DIR}/fleet.txt`);
  });
});

describe('the health gate', () => {
  it('bad-image.json: the plan shows the gate; with no terminal the gate\'s question is answered abort, naming the crashing pods', { timeout: 60_000 }, async () => {
    const said = await mngbot(['upgrade', '--to', '1.30', '--yes', '--scenario', 'scenarios/bad-image.json']);
    // Pinned: the plan and the question, not the event lines. Which node is the canary is the run id's
    // draw (a new id each time), so node names and pod suffixes are masked.
    const words = said
      .split('\n')
      .filter((l) => !l.startsWith('+'))
      .join('\n')
      .replace(/ip-\d+-\d+-\d+-\d+\.[a-z0-9-]+\.compute\.internal/g, 'NODE')
      .replace(/(web-\w+)-\w{5}\b/g, '$1-XXXXX')
      .replace(/\d+ restarts?/g, 'N restarts');
    await expect(words.slice(0, words.indexOf('Use --decide continue'))).toMatchFileSnapshot(`${DIR}/gate-abort.txt`);
    expect(said).toMatch(/^status cancelled \(rolling\)/m);
    expect(said).toMatch(/leftTainted 0, leftCordoned 0/);
    expect(said).toMatch(/Health gate: the run stopped there \(a canary of 1 node, 5m 0s bake/);
    expect(said).toMatch(/\[exit 1\]\n$/);
  });

  it('--decide continue answers it; a blocked drain\'s answer does not', { timeout: 60_000 }, async () => {
    const said = await mngbot(['upgrade', '--to', '1.30', '--yes', '--bake', '1m', '--decide', 'skip', '--scenario', 'scenarios/bad-image.json']);
    expect(said).toMatch(/--decide skip answers blocked drains, not the health gate, so the run is aborted/);
    const atDrain = await mngbot(['upgrade', '--to', '1.30', '--yes', '--decide', 'continue', '--scenario', 'scenarios/pdb-blocked.json']);
    expect(atDrain).toMatch(/--decide continue answers the health gate, not a blocked drain, so the run is aborted/);
    expect(atDrain).toMatch(/\[exit 1\]/);
    await expect(await mngbot(['plan', '--to', '1.30', '--bake', '5m', '--no-bake'])).toMatchFileSnapshot(`${DIR}/gate-options.txt`);
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

describe('the CLI contract (README: exit codes, --json, option ranges)', () => {
  it('nothing to do: exit 0, and with --json one object that says so', async () => {
    const said = (await mngbot(['upgrade', '--to', '1.29', '--yes'])) + '\n' + (await mngbot(['plan', '--to', '1.29', '--json']));
    await expect(said).toMatchFileSnapshot(`${DIR}/nothing-to-do.txt`);
  });

  it('an option value out of range is refused as out of range, with the range', async () => {
    await expect(await mngbot(['plan', '--to', '1.30', '--max-unavailable', '10000'])).toMatchFileSnapshot(`${DIR}/out-of-range.txt`);
  });

  it('--max-unavailable and --surge past what a 9-node group can use: capped, with a warning that says what happens', async () => {
    const said = (await mngbot(['plan', '--to', '1.30', '--max-unavailable', '50'])) + '\n' + (await mngbot(['plan', '--to', '1.30', '--surge', '50']));
    await expect(said).toMatchFileSnapshot(`${DIR}/capped-to-group.txt`);
  });

  it('every node skipped: nothing-replaced, exit 1', async () => {
    const said = await mngbot(['upgrade', '--to', '1.30', '--scenario', 'scenarios/pdb-blocked.json', '--yes', '--decide', 'skip']);
    // The report and what stays changed; the progress lines before it are not what this pins.
    const lines = said.split('\n');
    const report = [lines[0], ...lines.slice(lines.findIndex((l) => l.startsWith('status ')))].join('\n').replace(/API calls: .*/, 'API calls: …');
    await expect(report).toMatchFileSnapshot(`${DIR}/nothing-replaced.txt`);
  });
});

describe('mngbot rollback', () => {
  it('the plan of a rollback names the run, the nodes and the release they go back to', { timeout: 60_000 }, async () => {
    const scenario = await loadScenario('scenarios/demo.json');
    const store = new MemoryRunStore();
    const { run, world } = await simulate({ scenario, store });
    const { app, engine } = createSimDeps(scenario, { world, store, newId: () => 'r-snaprb01' });
    const outcome = await app.rollback(run.id, { user: 'cli:ops', at: world.clock.now() });
    await engine.stop();
    if (outcome.kind !== 'requested') throw new Error(outcome.kind);
    const stopped = structuredClone(outcome.run.plan);
    stopped.rollback!.stopped = { user: 'cli:ops', at: world.clock.now() };
    await expect(`${planText(outcome.run.plan)}\n\n--- had run ${run.id} still been under way:\n${planText(stopped)}\n`).toMatchFileSnapshot(`${DIR}/plan-rollback.txt`);
  });

  it('no run named, an unknown run', async () => {
    const said = (await mngbot(['rollback', '--data-dir', tmp])) + '\n' + (await mngbot(['rollback', 'r-nope', '--data-dir', tmp, '--yes']));
    await expect(said.replaceAll(tmp, 'DATA')).toMatchFileSnapshot(`${DIR}/rollback-refused.txt`);
  });
});
