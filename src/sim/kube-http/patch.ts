// The three PATCH bodies the API server accepts for built-in types. Strategic merge is served as a
// JSON merge patch that ignores `$` directives: for a Node that is exact, because spec.taints is an
// atomic list (replaced whole) and labels and annotations are maps.

export type PatchType = 'merge' | 'strategic' | 'json';

export class PatchError extends Error {
  constructor(
    message: string,
    readonly code: 400 | 409 | 415 | 422,
  ) {
    super(message);
  }
}

export function patchTypeOf(contentType: string | undefined): PatchType {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/merge-patch+json') return 'merge';
  if (type === 'application/strategic-merge-patch+json') return 'strategic';
  if (type === 'application/json-patch+json') return 'json';
  throw new PatchError(`the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`, 415);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7386. */
export function mergePatch(target: unknown, patch: unknown, skipDirectives = false): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (skipDirectives && k.startsWith('$')) continue;
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v, skipDirectives);
  }
  return out;
}

interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: unknown;
  from?: string;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`invalid JSON pointer "${path}"`, 422);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function parentOf(doc: unknown, parts: string[], path: string): { parent: any; key: string } {
  let cur: any = doc;
  for (const p of parts.slice(0, -1)) {
    cur = Array.isArray(cur) ? cur[Number(p)] : isObject(cur) ? cur[p] : undefined;
    if (cur === undefined) throw new PatchError(`doc is missing path: "${path}": missing value`, 422);
  }
  return { parent: cur, key: parts[parts.length - 1] };
}

function get(doc: unknown, path: string): unknown {
  let cur: any = doc;
  for (const p of pointer(path)) {
    cur = Array.isArray(cur) ? cur[Number(p)] : isObject(cur) ? cur[p] : undefined;
    if (cur === undefined) throw new PatchError(`doc is missing path: "${path}": missing value`, 422);
  }
  return cur;
}

function remove(doc: unknown, path: string): unknown {
  const { parent, key } = parentOf(doc, pointer(path), path);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!(i >= 0 && i < parent.length)) throw new PatchError(`unable to remove nonexistent key: ${key}: missing value`, 422);
    return parent.splice(i, 1)[0];
  }
  if (!isObject(parent) || !(key in parent)) throw new PatchError(`unable to remove nonexistent key: ${key}: missing value`, 422);
  const value = parent[key];
  delete parent[key];
  return value;
}

function add(doc: unknown, path: string, value: unknown, replace: boolean): unknown {
  const parts = pointer(path);
  if (parts.length === 0) return structuredClone(value);
  const { parent, key } = parentOf(doc, parts, path);
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : Number(key);
    if (!(i >= 0 && i <= parent.length)) throw new PatchError(`add operation does not apply: index ${key} out of bounds`, 422);
    if (replace) parent[i] = structuredClone(value);
    else parent.splice(i, 0, structuredClone(value));
  } else if (isObject(parent)) {
    if (replace && !(key in parent)) throw new PatchError(`replace operation does not apply: doc is missing key: ${path}: missing value`, 422);
    parent[key] = structuredClone(value);
  } else {
    throw new PatchError(`doc is missing path: "${path}": missing value`, 422);
  }
  return doc;
}

/** RFC 6902. A failed `test` is a 422, as the API server answers (clients use it as a precondition). */
export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new PatchError('json patch must be an array of operations', 400);
  let doc = structuredClone(target);
  for (const raw of ops as JsonPatchOp[]) {
    switch (raw.op) {
      case 'add':
        doc = add(doc, raw.path, raw.value, false);
        break;
      case 'replace':
        doc = add(doc, raw.path, raw.value, true);
        break;
      case 'remove':
        remove(doc, raw.path);
        break;
      case 'move': {
        const v = remove(doc, raw.from ?? '');
        doc = add(doc, raw.path, v, false);
        break;
      }
      case 'copy':
        doc = add(doc, raw.path, get(doc, raw.from ?? ''), false);
        break;
      case 'test':
        if (JSON.stringify(get(doc, raw.path)) !== JSON.stringify(raw.value)) {
          throw new PatchError(`the server rejected our request due to an error in our request: testing value ${raw.path} failed`, 422);
        }
        break;
      default:
        throw new PatchError(`Unexpected kind: ${String((raw as { op?: unknown }).op)}`, 400);
    }
  }
  return doc;
}

export function applyPatch(type: PatchType, target: unknown, body: unknown): unknown {
  if (type === 'json') return jsonPatch(target, body);
  if (!isObject(body)) throw new PatchError('patch body must be a JSON object', 400);
  return mergePatch(target, body, type === 'strategic');
}
