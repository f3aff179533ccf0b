import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/engine/ports.js';
import { silentLogger } from '../../src/log.js';
import { throttleRefusals } from '../../src/app/refusal-audit.js';

const entry = (user: string, action: string, at = 0): AuditEntry => ({ at, user, action, channel: 'C1' });

describe('refusals in the audit log', () => {
  it('one a minute per person; other people and other actions are not held back', async () => {
    const written: AuditEntry[] = [];
    let now = 1_000_000;
    const audit = throttleRefusals(async (e) => void written.push(e), { log: silentLogger, now: () => now });

    for (let i = 0; i < 100; i++) await audit(entry('UMALLORY', i % 2 ? 'refused-audit' : 'refused-schedule'));
    await audit(entry('UOTHER', 'refused-approve'));
    for (let i = 0; i < 3; i++) await audit(entry('UMALLORY', 'request'));
    expect(written.map((e) => [e.user, e.action])).toEqual([
      ['UMALLORY', 'refused-schedule'],
      ['UOTHER', 'refused-approve'],
      ['UMALLORY', 'request'],
      ['UMALLORY', 'request'],
      ['UMALLORY', 'request'],
    ]);

    now += 59_999;
    await audit(entry('UMALLORY', 'refused-plan'));
    expect(written).toHaveLength(5);
    now += 1;
    await audit(entry('UMALLORY', 'refused-plan'));
    expect(written.at(-1)).toMatchObject({ user: 'UMALLORY', action: 'refused-plan' });
    expect(written).toHaveLength(6);
  });
});
