// API discovery documents: enough for kubectl to map `nodes`, `pods` and `pdb` to their paths.
// The aggregated (apidiscovery.k8s.io/v2) form is not served: clients fall back to these.

export function versionInfo(kubernetesVersion: string): Record<string, unknown> {
  const [major, minor] = kubernetesVersion.split('.');
  return {
    major,
    minor,
    gitVersion: `v${major}.${minor}.0-eks-mngbot-sim`,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.22.0',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

export function coreResources(): Record<string, unknown> {
  const rw = ['get', 'list', 'watch', 'patch', 'delete'];
  return {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      { name: 'events', singularName: 'event', namespaced: true, kind: 'Event', verbs: ['create', 'get', 'list', 'watch'], shortNames: ['ev'] },
      { name: 'nodes', singularName: 'node', namespaced: false, kind: 'Node', verbs: rw, shortNames: ['no'] },
      { name: 'nodes/status', singularName: '', namespaced: false, kind: 'Node', verbs: ['get'] },
      { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: rw, shortNames: ['po'], categories: ['all'] },
      { name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] },
      { name: 'pods/status', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
    ],
  };
}

const POLICY_V1 = { groupVersion: 'policy/v1', version: 'v1' };
const APPS_V1 = { groupVersion: 'apps/v1', version: 'v1' };

export function apiGroups(): Record<string, unknown> {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [
      { name: 'apps', versions: [APPS_V1], preferredVersion: APPS_V1 },
      { name: 'policy', versions: [POLICY_V1], preferredVersion: POLICY_V1 },
    ],
  };
}

export function appsGroup(): Record<string, unknown> {
  return { kind: 'APIGroup', apiVersion: 'v1', name: 'apps', versions: [APPS_V1], preferredVersion: APPS_V1 };
}

/** Only DaemonSets, read-only: `kubectl drain --ignore-daemonsets` looks up a pod's DaemonSet. */
export function appsResources(): Record<string, unknown> {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: 'apps/v1',
    resources: [
      { name: 'daemonsets', singularName: 'daemonset', namespaced: true, kind: 'DaemonSet', verbs: ['get', 'list'], shortNames: ['ds'] },
    ],
  };
}

export function policyGroup(): Record<string, unknown> {
  return { kind: 'APIGroup', apiVersion: 'v1', name: 'policy', versions: [POLICY_V1], preferredVersion: POLICY_V1 };
}

export function policyResources(): Record<string, unknown> {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: 'policy/v1',
    resources: [
      {
        name: 'poddisruptionbudgets',
        singularName: 'poddisruptionbudget',
        namespaced: true,
        kind: 'PodDisruptionBudget',
        verbs: ['get', 'list'],
        shortNames: ['pdb'],
      },
    ],
  };
}
