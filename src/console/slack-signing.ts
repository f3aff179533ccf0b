// Slack's request signing (v0): what Slack puts on every request it sends an app, so that the
// console's requests pass Bolt's verification exactly as Slack's would.
import { createHmac } from 'node:crypto';

/** `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<body>` with the app's signing secret. */
export function slackSignature(signingSecret: string, timestampSec: number, body: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestampSec}:${body}`).digest('hex')}`;
}

/** The headers of a signed, form-encoded request to the app, stamped now (or at timestampSec). */
export function signedHeaders(signingSecret: string, body: string, timestampSec = Math.floor(Date.now() / 1000)): Record<string, string> {
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestampSec),
    'x-slack-signature': slackSignature(signingSecret, timestampSec, body),
  };
}
