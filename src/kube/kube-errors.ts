// Kubernetes API failures → the engine's errors. The client's ApiException carries the HTTP code and
// the Status body as text; a network failure is a TypeError from fetch, a timeout a DOMException.
import { ApiException } from '@kubernetes/client-node';
import { FatalError, RetryableError } from '../engine/errors.js';

export interface KubeStatus {
  code?: number;
  reason?: string;
  message?: string;
  causes?: { reason?: string; message?: string }[];
  retryAfterMs?: number;
}

/** What the server said, from an ApiException or a watch's error (client-node sets statusCode). */
export function statusOf(err: unknown): KubeStatus {
  if (err instanceof ApiException) {
    let body: { reason?: string; message?: string; details?: { causes?: KubeStatus['causes']; retryAfterSeconds?: number } } = {};
    if (typeof err.body === 'string') {
      try {
        body = JSON.parse(err.body) as typeof body;
      } catch {
        body = { message: err.body.slice(0, 300) };
      }
    } else if (err.body && typeof err.body === 'object') {
      body = err.body as typeof body;
    }
    const header = err.headers?.['retry-after'];
    const retryAfterS = header !== undefined ? Number(header) : body.details?.retryAfterSeconds;
    return {
      code: err.code,
      ...(body.reason ? { reason: body.reason } : {}),
      ...(body.message ? { message: body.message } : {}),
      ...(body.details?.causes ? { causes: body.details.causes } : {}),
      ...(retryAfterS !== undefined && Number.isFinite(retryAfterS) ? { retryAfterMs: retryAfterS * 1000 } : {}),
    };
  }
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? { code, message: (err as Error).message } : {};
}

export const codeOf = (err: unknown): number | undefined => statusOf(err).code;

/** Connection refused or reset, DNS, TLS, a timeout: no answer from the API server at all. */
function isNetworkError(err: unknown): boolean {
  if (err instanceof TypeError && /fetch failed|terminated/i.test(err.message)) return true;
  const name = (err as { name?: string } | null)?.name;
  if (name === 'AbortError' || name === 'TimeoutError') return true;
  const code = (err as { code?: string; cause?: { code?: string } } | null)?.cause?.code ?? (err as { code?: string } | null)?.code;
  return typeof code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code);
}

function causeText(err: unknown): string {
  const cause = (err as { cause?: { message?: string; code?: string } } | null)?.cause;
  const base = err instanceof Error ? err.message : String(err);
  return cause ? `${base} (${cause.code ?? cause.message ?? ''})` : base;
}

/**
 * The engine's error for a failed call: `verb` and `resource` as RBAC names them
 * (e.g. 'patch', 'nodes'; 'create', 'pods/eviction').
 */
export function kubeError(err: unknown, verb: string, resource: string, name?: string): Error {
  const what = `${verb} ${resource}${name ? ` "${name}"` : ''}`;
  const s = statusOf(err);
  if (s.code === undefined) {
    if (isNetworkError(err)) return new RetryableError(`Kubernetes API unreachable (${what}): ${causeText(err)}`);
    return err instanceof Error ? err : new Error(String(err));
  }
  const detail = s.message ?? s.reason ?? `HTTP ${s.code}`;
  const [res, sub] = resource.split('/');
  const rbac = `"${verb}" on "${res}"${sub ? ` (subresource "${sub}")` : ''}`;
  if (s.code === 401) {
    return new FatalError(
      `the Kubernetes API did not accept mngbot's credentials (401 Unauthorized) to ${what}: check the token, and that mngbot's IAM role has an EKS access entry or aws-auth mapping`,
    );
  }
  if (s.code === 403) {
    return new FatalError(
      `the Kubernetes API forbids mngbot to ${what} (403 Forbidden: ${detail}); check that the ClusterRole bound to mngbot allows ${rbac}`,
    );
  }
  if (s.code === 429 || s.code >= 500) {
    return new RetryableError(`Kubernetes API ${s.code} on ${what}: ${detail}`, s.retryAfterMs);
  }
  return new Error(`Kubernetes API ${s.code} on ${what}: ${detail}`);
}
