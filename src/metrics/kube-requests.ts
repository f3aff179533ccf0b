// Kubernetes API requests as RBAC names them (verb + resource[/subresource]), for the call counters.
import { metrics } from './registry.js';

export interface KubeRequest {
  verb: string;
  /** nodes, pods/eviction, leases.coordination.k8s.io … (the group after a dot, as kubectl prints it) */
  resource: string;
}

/** /api/v1/[namespaces/NS/]RESOURCE[/NAME[/SUB]] or /apis/GROUP/VERSION/…, with the method and query. */
export function kubeRequest(method: string, url: string): KubeRequest {
  const u = new URL(url, 'http://localhost');
  let parts = u.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let group = '';
  if (parts[0] === 'api') parts = parts.slice(2);
  else if (parts[0] === 'apis') {
    group = parts[1] ?? '';
    parts = parts.slice(3);
  } else return { verb: method.toLowerCase(), resource: u.pathname };
  // "namespaces" followed by a name and more is a namespaced path; alone (or with a name) it is the resource.
  if (parts[0] === 'namespaces' && parts.length > 2) parts = parts.slice(2);
  const [resource = '', name, sub] = parts;
  const full = `${resource}${sub ? `/${sub}` : ''}${group ? `.${group}` : ''}`;
  const watching = u.searchParams.get('watch') === 'true' || u.searchParams.get('watch') === '1';
  const verb =
    method === 'GET' ? (watching ? 'watch' : name ? 'get' : 'list')
    : method === 'POST' ? 'create'
    : method === 'PUT' ? 'update'
    : method === 'PATCH' ? 'patch'
    : method === 'DELETE' ? (name ? 'delete' : 'deletecollection')
    : method.toLowerCase();
  return { verb, resource: full };
}

export function countKubeCall(req: KubeRequest): void {
  metrics.kubeCalls.inc(req);
}

export function countKubeError(req: KubeRequest, code: number | string): void {
  metrics.kubeErrors.inc({ ...req, code: String(code) });
}
