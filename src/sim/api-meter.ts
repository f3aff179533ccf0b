// Counts every call the bot makes to the simulated APIs and injects throttling faults.
import { RetryableError } from '../engine/errors.js';
import type { Rng } from './rng.js';
import type { Scenario } from './scenario.js';

export type Api = 'aws' | 'kube';

export interface ApiCalls {
  aws: number;
  kube: number;
  byMethod: Record<string, number>;
}

const THROTTLE_MESSAGE: Record<Api, string> = {
  aws: 'Throttling: Rate exceeded',
  kube: 'TooManyRequests: the server has received too many requests and has asked us to try again later',
};

export class ApiMeter {
  private readonly calls: ApiCalls = { aws: 0, kube: 0, byMethod: {} };
  private readonly throttle: Record<Api, number> = { aws: 0, kube: 0 };

  constructor(
    scenario: Scenario,
    private readonly rng: Rng,
  ) {
    for (const f of scenario.faults) if (f.kind === 'throttle') this.throttle[f.api] = f.probability;
  }

  /** Records the call; throws a RetryableError when the throttling fault strikes it. */
  call(api: Api, method: string): void {
    this.count(api, method);
    if (this.rng.chance(this.throttle[api])) throw new RetryableError(THROTTLE_MESSAGE[api], 1000);
  }

  /** Records the call without any fault. */
  count(api: Api, method: string): void {
    this.calls[api]++;
    this.calls.byMethod[method] = (this.calls.byMethod[method] ?? 0) + 1;
  }

  /** The throttling fault now: the scenario's, until changed (the world process's POST /world/faults). */
  throttling(): Record<Api, number> {
    return { ...this.throttle };
  }

  setThrottle(api: Api, probability: number): void {
    if (!(probability >= 0 && probability <= 1)) throw new RangeError(`throttle probability must be in 0…1, got ${probability}`);
    this.throttle[api] = probability;
  }

  snapshot(): ApiCalls {
    return { aws: this.calls.aws, kube: this.calls.kube, byMethod: { ...this.calls.byMethod } };
  }
}
