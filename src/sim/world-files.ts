// What a world process writes for its clients: a kubeconfig for the cluster (kubectl and client-node
// read it) and an mngbot configuration naming the cluster and, for a self-managed group, its Auto
// Scaling group, so the bot needs nothing else.
import { stringify } from 'yaml';
import type { Scenario } from './scenario.js';

/** The context, cluster and user are named after the scenario's cluster (as `aws eks update-kubeconfig` names contexts). */
export function kubeconfigYaml(scenario: Scenario, kubeUrl: string): string {
  const name = scenario.cluster.name;
  const user = `${name}-user`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: kubeUrl, 'insecure-skip-tls-verify': true } }],
    // The simulated API server asks for no credentials.
    users: [{ name: user, user: {} }],
    contexts: [{ name, context: { cluster: name, user } }],
    'current-context': name,
    preferences: {},
  });
}

/** The shape config.ts parseConfigObject accepts. */
export function mngbotConfig(scenario: Scenario, asgName: string): Record<string, unknown> {
  const ng = scenario.nodegroup;
  return {
    clusters: [
      {
        name: scenario.cluster.name,
        region: scenario.cluster.region,
        nodegroups: [ng.name],
        ...(ng.managed
          ? {}
          : {
              selfManaged: {
                [ng.name]: { asgName, amiType: ng.amiType, ...(ng.maxUnavailable !== 1 ? { maxUnavailable: ng.maxUnavailable } : {}) },
              },
            }),
      },
    ],
  };
}
