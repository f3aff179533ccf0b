// A client-node KubeConfig for the simulator's API server on 127.0.0.1 (plain http needs skipTLSVerify).
import { KubeConfig } from '@kubernetes/client-node';

export function kubeConfigOf(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser({ name: 'sim', server, skipTLSVerify: true }, { name: 'sim' });
  return kc;
}
