// The shapes of the request bodies Slack sends to /slack/events, checked before Bolt sees them.
// Bolt reads fields of whatever JSON it is given (a signed `payload=null` is a TypeError inside its
// receiver that no handler can catch), so a body that is not one of these shapes is refused with a
// 400 that says what was wrong. Parsing mirrors Bolt's (HTTPModuleFunctions.parseHTTPRequestBody):
// form bodies only when the content type is exactly form-urlencoded, with an interactive payload as
// JSON in the `payload` field; anything else is read as JSON.
import { parse as parseQuery } from 'node:querystring';
import { z } from 'zod';

const FORM = 'application/x-www-form-urlencoded';

const id = z.string().min(1);

/** A slash command: the fields the /mng listener and Bolt's respond() read. */
const slashCommand = z.looseObject({
  command: z.string().regex(/^\/\S+$/, 'expected a command such as /mng'),
  text: z.string(),
  user_id: id,
  channel_id: id,
  response_url: z.url(),
  trigger_id: id,
});

/** A button click: who clicked, and which button. */
const blockActions = z.looseObject({
  type: z.literal('block_actions'),
  user: z.looseObject({ id }),
  actions: z.array(z.looseObject({ action_id: id, value: z.string().optional() })).min(1),
});

/** Any other interactive payload (no listener here takes one; Bolt acknowledges it unhandled). */
const otherInteraction = z.looseObject({ type: id, user: z.looseObject({ id }) });

/** The Events API, JSON: the URL handshake, an event, or any other typed envelope. */
const urlVerification = z.looseObject({ type: z.literal('url_verification'), challenge: z.string() });
const eventCallback = z.looseObject({ type: z.literal('event_callback'), event: z.looseObject({ type: id }) });
const otherEnvelope = z.looseObject({ type: id });

/** The schema for a body, by its type field (a union would report the issues of every branch). */
const typeOf = (value: unknown) => (value && typeof value === 'object' ? (value as { type?: unknown }).type : undefined);
const interaction = (value: unknown) => (typeOf(value) === 'block_actions' ? blockActions : otherInteraction);
const envelope = (value: unknown) => (typeOf(value) === 'url_verification' ? urlVerification : typeOf(value) === 'event_callback' ? eventCallback : otherEnvelope);

export type BodyCheck = { ok: true; kind: 'ssl-check' | 'command' | 'interaction' | 'event' } | { ok: false; reason: string };

/** Slack's connectivity check: a form body with ssl_check=1, sent unsigned (Bolt strips the rest). */
export function isSslCheck(contentType: string | undefined, raw: string): boolean {
  return contentType === FORM && parseQuery(raw).ssl_check === '1';
}

/** Whether a (verified) body is one Slack sends; when not, why, in words a developer can act on. */
export function checkSlackBody(contentType: string | undefined, raw: string): BodyCheck {
  if (contentType === FORM) {
    const form = parseQuery(raw);
    if (form.ssl_check === '1') return { ok: true, kind: 'ssl-check' };
    if (form.payload === undefined) return checked(slashCommand, form, 'slash command', 'command');
    if (typeof form.payload !== 'string') return { ok: false, reason: 'payload: expected one form field, got several' };
    const payload = parseJson(form.payload);
    if (!payload.ok) return { ok: false, reason: `payload: ${payload.reason}` };
    return checked(interaction(payload.value), payload.value, 'payload', 'interaction');
  }
  const body = parseJson(raw);
  if (!body.ok) return { ok: false, reason: `body: ${body.reason} (a form body needs content-type ${FORM})` };
  return checked(envelope(body.value), body.value, 'body', 'event');
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, reason: text === '' ? 'expected JSON, got nothing' : 'not valid JSON' };
  }
}

function checked(schema: z.ZodType, value: unknown, what: string, kind: 'command' | 'interaction' | 'event'): BodyCheck {
  if (Array.isArray(value)) return { ok: false, reason: `${what}: expected an object, got an array` };
  if (value === null || typeof value !== 'object') return { ok: false, reason: `${what}: expected an object, got ${value === null ? 'null' : typeof value}` };
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, kind };
  return { ok: false, reason: `${what}: ${describeIssues(result.error.issues)}` };
}

/** "user.id: expected string, received undefined; actions: …" — the first few issues, by field. */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message.replace(/^Invalid input: /, '')}`)
    .join('; ');
}
