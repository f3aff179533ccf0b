// A store that cannot save (a full disk) pauses the run with a backoff and says so; once saving works
// again the run carries on from its last saved step. Before, the runner retried without pausing.
import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../../src/engine/events.js';
import type { RunStore } from '../../../src/engine/ports.js';
import type { Run } from '../../../src/engine/run.js';
import { VirtualClock } from '../../../src/sim/clock.js';
import { loadScenario } from '../../../src/sim/scenario.js';
import { simulate } from '../../../src/app/simulate.js';
import { MemoryRunStore } from '../../../src/store/memory-run-store.js';

/** Saves fail with ENOSPC for a stretch of simulated time, as a data volume that fills and is freed. */
class FillingDisk extends MemoryRunStore implements RunStore {
  saves = 0;
  failedSaves = 0;
  fullFrom?: number;
  /** Set when the runner kept trying at one instant: the disk "frees" itself so the test ends. */
  spun = false;
  private failuresAtInstant = 0;
  private instant = -1;

  constructor(
    private readonly clock: VirtualClock,
    private readonly fillAfterSaves: number,
    private readonly fullForMs: number,
  ) {
    super();
  }

  override async save(run: Run, events?: ProgressEvent[]): Promise<void> {
    this.saves++;
    if (this.saves === this.fillAfterSaves) this.fullFrom = this.clock.now();
    const full = this.fullFrom !== undefined && this.clock.now() < this.fullFrom + this.fullForMs && !this.spun;
    if (full) {
      this.failedSaves++;
      if (this.clock.now() === this.instant) this.failuresAtInstant++;
      else [this.instant, this.failuresAtInstant] = [this.clock.now(), 1];
      if (this.failuresAtInstant > 1000) this.spun = true;
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    }
    return super.save(run, events);
  }
}

describe('a store that cannot save', () => {
  it('pauses the run with a backoff, says so, and carries on when saving works again', async () => {
    const clock = new VirtualClock();
    const fullForMs = 40 * 60_000;
    const store = new FillingDisk(clock, 25, fullForMs);
    const warnings: string[] = [];
    const result = await simulate({
      scenario: await loadScenario('scenarios/demo.json'),
      clock,
      store,
      onEvent: (e) => e.kind === 'warning' && warnings.push(e.detail),
    });
    expect(store.spun, 'the runner retried without pausing').toBe(false);
    // 1 s doubling to a minute over 40 minutes: about 45 attempts, not thousands.
    expect(store.failedSaves).toBeGreaterThan(5);
    expect(store.failedSaves).toBeLessThan(80);
    expect(warnings.some((w) => /cannot save this run \(ENOSPC/.test(w))).toBe(true);
    expect(warnings).toContain('mngbot can save again: carrying on');
    expect(result.report.status, result.run.outcome?.summary).toBe('succeeded');
    expect(result.report.terminatedTwice + result.report.podsLost + result.report.pdbViolations + result.report.leftTainted + result.report.leftCordoned).toBe(0);
    expect(result.report.asg.after).toEqual(result.report.asg.before);
  });
});
