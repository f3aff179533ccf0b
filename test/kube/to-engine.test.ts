// Real Pod objects → the engine's PodInfo: what the health gate reads (restarts, containers that wait
// or ended badly), from a pod as the API server returns it.
import { expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import { toPodInfo } from '../../src/kube/to-engine.js';

const pod = (status: V1Pod['status']): V1Pod => ({
  metadata: { name: 'web-5d8f7-abcde', namespace: 'shop', uid: 'u1', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8f7', uid: 'rs', controller: true }] },
  spec: { nodeName: 'ip-10-0-1-2', containers: [{ name: 'web' }, { name: 'sidecar' }] },
  status,
});

it('sums restarts and names only the containers in trouble, with their reason and exit code', () => {
  const info = toPodInfo(
    pod({
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'False' }],
      initContainerStatuses: [
        { name: 'migrate', ready: true, restartCount: 0, image: 'm', imageID: '', state: { terminated: { exitCode: 0, reason: 'Completed' } } },
      ],
      containerStatuses: [
        {
          name: 'web',
          ready: false,
          restartCount: 5,
          image: 'web:2',
          imageID: '',
          state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 2m40s restarting failed container' } },
          lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
        },
        { name: 'sidecar', ready: true, restartCount: 1, image: 's', imageID: '', state: { running: {} }, lastState: { terminated: { exitCode: 0, reason: 'Completed' } } },
      ],
    }),
  );
  expect(info).toMatchObject({ ready: false, restarts: 6, troubled: [{ name: 'web', waiting: 'CrashLoopBackOff', terminated: { reason: 'OOMKilled', exitCode: 137 }, restarts: 5 }] });
});

it('a pod starting or running well carries no trouble and no restarts', () => {
  const starting = toPodInfo(pod({ phase: 'Pending', containerStatuses: [{ name: 'web', ready: false, restartCount: 0, image: 'w', imageID: '', state: { waiting: { reason: 'ContainerCreating' } } }] }));
  expect(starting.troubled).toBeUndefined();
  expect(starting.restarts).toBeUndefined();
  const failedOnce = toPodInfo(
    pod({ phase: 'Running', containerStatuses: [{ name: 'web', ready: true, restartCount: 1, image: 'w', imageID: '', state: { running: {} }, lastState: { terminated: { exitCode: 1, reason: 'Error' } } }] }),
  );
  // Running again after one failure: said (the gate counts restarts), not a failure by itself.
  expect(failedOnce).toMatchObject({ restarts: 1, troubled: [{ name: 'web', terminated: { reason: 'Error', exitCode: 1 }, restarts: 1 }] });
});
