// The retention settings come from the environment, checked like every other key.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

const load = (env: Record<string, string>) => loadConfig({ env: { MNG_WORLD: 'sim', MNG_SCENARIO: 'scenarios/demo.json', ...env }, readText: async () => '' });

describe('MNG_RUN_RETENTION_DAYS and MNG_AUDIT_RETENTION_DAYS', () => {
  it('default to 400 days each', async () => {
    expect((await load({})).retention).toEqual({ runDays: 400, auditDays: 400 });
  });

  it('take whole numbers of days', async () => {
    expect((await load({ MNG_RUN_RETENTION_DAYS: '90', MNG_AUDIT_RETENTION_DAYS: '730' })).retention).toEqual({ runDays: 90, auditDays: 730 });
  });

  it('name the key and what was expected when wrong', async () => {
    await expect(load({ MNG_RUN_RETENTION_DAYS: '0' })).rejects.toThrow(/MNG_RUN_RETENTION_DAYS: expected a whole number from 1 to 100000, got "0"/);
    await expect(load({ MNG_AUDIT_RETENTION_DAYS: '1y' })).rejects.toThrow(/MNG_AUDIT_RETENTION_DAYS: expected a whole number from 1 to 100000, got "1y"/);
  });
});
