// Stands in front of Bolt's HTTPReceiver on the events endpoint: a request reaches Bolt only when
// it is signed with the signing secret, its timestamp is within five minutes of our clock in either
// direction (Bolt only refuses old ones, so a request captured once could be replayed for as long
// as its timestamp lies ahead), and its body has a shape Slack sends (request-body.ts). Refusals are
// answered as Slack's own verification would be: 401 for authenticity, 400 for a body that signed
// requests should never carry, 413 for one too large. Bolt reuses the body read here (rawBody).
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { HTTPModuleFunctions, isRawBodyError } from '@slack/bolt';
import { errorMessage } from '../engine/errors.js';
import type { Logger } from '../log.js';
import { checkSlackBody, isSslCheck } from './request-body.js';

/** Slack's rule: a request whose timestamp is further than this from now, either way, is refused. */
export const MAX_REQUEST_AGE_SEC = 5 * 60;

export interface RequestGuardOptions {
  signingSecret: string;
  /** Paths Bolt takes events on ("/slack/events"); other requests pass untouched. */
  endpoints: readonly string[];
  log: Logger;
  /** Real time, ms; Date.now by default. */
  now?: () => number;
  /** Largest body read, bytes; Bolt's default (4 MB) by default. */
  bodyLimit?: number;
}

export type Verdict = { ok: true } | { ok: false; status: 400 | 401; reason: string };

/** Checks a request's signature headers against its raw body (Slack's v0 signing scheme). */
export function verifySignature(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  rawBody: string,
  nowMs: number,
): Verdict {
  const refuse = (reason: string): Verdict => ({ ok: false, status: 401, reason });
  if (!secret) return refuse('no signing secret is configured');
  if (!headers.timestamp || !/^\d{1,12}$/.test(headers.timestamp)) return refuse('x-slack-request-timestamp is missing or not a whole number of seconds');
  const skewSec = Math.abs(Math.floor(nowMs / 1000) - Number(headers.timestamp));
  if (skewSec > MAX_REQUEST_AGE_SEC) return refuse(`x-slack-request-timestamp is ${skewSec} s from now (at most ${MAX_REQUEST_AGE_SEC} s either way)`);
  const [version, hash] = (headers.signature ?? '').split('=');
  if (version !== 'v0' || !hash || !/^[0-9a-f]{64}$/.test(hash)) return refuse('x-slack-signature is missing or not a v0 signature');
  const expected = createHmac('sha256', secret).update(`v0:${headers.timestamp}:${rawBody}`).digest();
  if (!timingSafeEqual(Buffer.from(hash, 'hex'), expected)) return refuse('signature mismatch');
  return { ok: true };
}

const header = (req: IncomingMessage, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? undefined : v;
};

function answer(res: ServerResponse, status: number, text?: string): void {
  if (res.headersSent) return;
  res.writeHead(status, text ? { 'content-type': 'text/plain; charset=utf-8' } : {});
  res.end(text);
}

/** Wraps Bolt's request listener (HTTPReceiver.requestListener) with the checks above. */
export function guardSlackRequests(bolt: RequestListener, opts: RequestGuardOptions): RequestListener {
  const now = opts.now ?? Date.now;
  const bodyLimit = opts.bodyLimit ?? HTTPModuleFunctions.defaultBodyLimit;

  const guarded = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method?.toUpperCase() !== 'POST' || !opts.endpoints.includes(path)) return bolt(req, res);

    let raw: string;
    try {
      raw = (await HTTPModuleFunctions.bufferIncomingMessage(req, bodyLimit)).rawBody.toString();
    } catch (err) {
      const tooLarge = isRawBodyError(err) && (err as { statusCode?: number }).statusCode === 413;
      opts.log.warn('Slack request refused: body could not be read', { error: errorMessage(err) });
      return answer(res, tooLarge ? 413 : 400);
    }
    const contentType = header(req, 'content-type');
    if (!isSslCheck(contentType, raw)) {
      const verdict = verifySignature(opts.signingSecret, { timestamp: header(req, 'x-slack-request-timestamp'), signature: header(req, 'x-slack-signature') }, raw, now());
      if (!verdict.ok) {
        opts.log.warn('Slack request refused: not verified', { reason: verdict.reason });
        return answer(res, 401);
      }
      const body = checkSlackBody(contentType, raw);
      if (!body.ok) {
        opts.log.warn('Slack request refused: malformed body', { reason: body.reason, contentType, bytes: raw.length });
        return answer(res, 400, `mngbot: malformed request body: ${body.reason}\n`);
      }
    }
    return bolt(req, res);
  };

  return (req, res) => {
    guarded(req, res).catch((err: unknown) => {
      // Whatever went wrong, this request gets an answer and the process goes on.
      const ref = randomUUID().slice(0, 8);
      opts.log.error('Slack request failed in the request guard', { ref, error: err instanceof Error ? err : String(err) });
      answer(res, 500);
    });
  };
}
