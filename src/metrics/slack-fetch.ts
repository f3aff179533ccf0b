// The Slack Web API clients' fetch (WebClient's `fetch` option), counting each HTTP request by method
// and each 429 Too Many Requests: every client built from the same options counts, retries included.
import { metrics } from './registry.js';

/** https://slack.com/api/chat.update → chat.update; anything else (a response_url) → response_url. */
function methodOf(input: Parameters<typeof fetch>[0]): string {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const m = /\/api\/([a-zA-Z]+\.[a-zA-Z.]+)(?:[?#]|$)/.exec(url);
  return m ? m[1] : 'response_url';
}

export function meteredFetch(inner: typeof fetch = globalThis.fetch): typeof fetch {
  return async (input, init) => {
    const method = methodOf(input);
    metrics.slackCalls.inc({ method });
    const res = await inner(input, init);
    if (res.status === 429) metrics.slackRateLimited.inc({ method });
    return res;
  };
}
