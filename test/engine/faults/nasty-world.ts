// The world of double-termination.test.ts: two nodes at a time, a PDB of one, nodes that empty at once.
export const NASTY = {
  seed: 7,
  cluster: { name: 'nasty', version: '1.31', region: 'us-east-1' },
  nodegroup: {
    name: 'ng',
    managed: false,
    version: '1.30',
    nodes: 6,
    azs: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
    min: 6,
    max: 10,
    maxUnavailable: 2,
    instanceType: 'm5.large',
    podsPerNode: 29,
    amiType: 'AL2023_x86_64_STANDARD',
  },
  workloads: [
    { name: 'kube-proxy', namespace: 'kube-system', kind: 'DaemonSet' },
    { name: 'web', namespace: 'app', kind: 'Deployment', replicas: 2, pdb: { maxUnavailable: 1 } },
  ],
};
