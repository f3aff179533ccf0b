// The AMI watch's configuration: on by default (daily 09:00 UTC), its time and zone from the file,
// MNG_AMI_WATCH overriding the cron or turning it off, its channel from the file or a cluster's.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const sim = { MNG_WORLD: 'sim', MNG_SCENARIO: 'scenarios/demo.json' };

async function watchOf(file: string | undefined, env: Record<string, string> = {}) {
  const config = await loadConfig({ env: { ...sim, ...env, ...(file !== undefined ? { MNG_CONFIG: 'mng.yaml' } : {}) }, readText: async () => file ?? '' });
  return config.amiWatch;
}

async function errorOf(file: string | undefined, env: Record<string, string> = {}): Promise<string> {
  try {
    await watchOf(file, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('amiWatch', () => {
  it('is on by default, daily at 09:00 UTC, posting in the first channel a cluster names', async () => {
    expect(await watchOf(undefined)).toEqual({ cron: '0 9 * * *', timezone: 'UTC' });
    expect(await watchOf('clusters: [{ name: a }, { name: b, channels: ["#ops", C0123ABC] }]')).toEqual({ cron: '0 9 * * *', timezone: 'UTC', channel: '#ops' });
  });

  it('takes its time, zone and channel from the file; MNG_AMI_WATCH overrides the cron', async () => {
    const file = 'amiWatch: { cron: "30 7 * * MON-FRI", timezone: Europe/Berlin, channel: "#platform" }';
    expect(await watchOf(file)).toEqual({ cron: '30 7 * * MON-FRI', timezone: 'Europe/Berlin', channel: '#platform' });
    expect(await watchOf(file, { MNG_AMI_WATCH: '0 6 * * *' })).toEqual({ cron: '0 6 * * *', timezone: 'Europe/Berlin', channel: '#platform' });
  });

  it('is off with amiWatch: false or MNG_AMI_WATCH=off', async () => {
    expect(await watchOf('amiWatch: false')).toBeUndefined();
    expect(await watchOf(undefined, { MNG_AMI_WATCH: 'off' })).toBeUndefined();
    expect(await watchOf('amiWatch: false', { MNG_AMI_WATCH: '0 6 * * *' })).toEqual({ cron: '0 6 * * *', timezone: 'UTC' });
  });

  it('a mistake names the key and what was expected', async () => {
    expect(await errorOf(undefined, { MNG_AMI_WATCH: 'daily' })).toBe('MNG_AMI_WATCH: cron "daily": expected 5 fields (minute hour day-of-month month day-of-week), got 1 (e.g. "0 2 * * SAT" for 02:00 every Saturday)');
    expect(await errorOf('amiWatch: { cron: "0 25 * * *" }')).toMatch(/^mng\.yaml: amiWatch\.cron: cron "0 25 \* \* \*": /);
    expect(await errorOf('amiWatch: { timezone: Mars/Olympus }')).toBe('mng.yaml: amiWatch.timezone: unknown time zone "Mars/Olympus" (use an IANA name such as Europe/Berlin, America/New_York or UTC)');
    expect(await errorOf('amiWatch: { channel: ops }')).toBe('mng.yaml: amiWatch.channel: expected a channel id like "C0123ABC" or a name like "#ops", got "ops"');
    expect(await errorOf('amiWatch: { at: 9 }')).toBe('mng.yaml: amiWatch.at: unknown key (expected one of cron, timezone, channel)');
  });
});
