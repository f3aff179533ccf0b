// Reading request bodies the way Slack's Web API takes them: form-encoded (object fields such as
// blocks as JSON strings), JSON, or query parameters; bounded, so that a runaway client cannot
// exhaust memory.
import type { IncomingMessage } from 'node:http';

export const MAX_BODY_BYTES = 5 * 1024 * 1024;

export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
}

export async function readBody(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new BodyTooLargeError(`request body over ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Form fields whose values the Web API reads as JSON when they arrive as strings. */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'metadata', 'view', 'users']);

export function parseArgs(body: string, contentType: string, query?: URLSearchParams): Record<string, unknown> {
  let args: Record<string, unknown> = {};
  if (body) {
    if (contentType.includes('application/json')) {
      try {
        const parsed = JSON.parse(body) as unknown;
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) args = { ...(parsed as Record<string, unknown>) };
      } catch {
        args = {};
      }
    } else {
      for (const [k, v] of new URLSearchParams(body)) args[k] = v;
    }
  }
  for (const [k, v] of query ?? []) if (!(k in args)) args[k] = v;
  for (const k of JSON_FIELDS) {
    const v = args[k];
    if (typeof v === 'string' && (v.startsWith('[') || v.startsWith('{'))) {
      try {
        args[k] = JSON.parse(v);
      } catch {
        // left as text: the method answers invalid_blocks
      }
    }
  }
  return args;
}
