// The view's log of node changes: a step looks at the nodes that changed since its last look, and at
// every node when the view cannot say which (a resync, a log trimmed while the step was away).
import { describe, expect, it } from 'vitest';
import { ClusterView } from '../../src/engine/cluster-view.js';
import type { Cluster, ClusterEvent, NodeInfo } from '../../src/engine/ports.js';

const node = (name: string, ready = false): NodeInfo => ({
  name,
  instanceId: `i-${name}`,
  az: 'us-west-2a',
  nodegroup: 'ng-1',
  kubeletVersion: 'v1.31.0',
  ready,
  unschedulable: false,
  taints: [],
  labels: {},
  annotations: {},
  allocatablePods: 30,
  createdAt: 0,
});

/** A cluster whose watch the test drives: only watch() is called by the view. */
function standIn(): { cluster: Cluster; send: (e: ClusterEvent) => void } {
  let listener: (e: ClusterEvent) => void = () => {};
  const cluster = {
    watch(onEvent: (e: ClusterEvent) => void) {
      listener = onEvent;
      onEvent({ kind: 'resync', nodes: [node('a'), node('b')], pods: [] });
      return { ready: Promise.resolve(), stop() {} };
    },
  } as unknown as Cluster;
  return { cluster, send: (e) => listener(e) };
}

describe('ClusterView node changes', () => {
  it('names the nodes put or deleted since a cursor, each once', async () => {
    const { cluster, send } = standIn();
    const view = new ClusterView(cluster);
    await view.start();
    const cursor = view.nodeCursor();
    expect(view.nodesChangedSince(cursor)).toEqual(new Set());
    send({ kind: 'node', type: 'upsert', node: node('a', true) });
    send({ kind: 'node', type: 'upsert', node: node('c') });
    send({ kind: 'node', type: 'upsert', node: node('a', true) });
    send({ kind: 'node', type: 'delete', node: node('b') });
    send({ kind: 'pod', type: 'upsert', pod: { namespace: 'x', name: 'p', uid: 'u1', nodeName: 'a' } as never });
    expect([...view.nodesChangedSince(cursor)!].sort()).toEqual(['a', 'b', 'c']);
    const later = view.nodeCursor();
    send({ kind: 'node', type: 'upsert', node: node('c', true) });
    expect(view.nodesChangedSince(later)).toEqual(new Set(['c']));
  });

  it('cannot say after a resync, or once its log was trimmed: the reader looks at every node', async () => {
    const { cluster, send } = standIn();
    const view = new ClusterView(cluster);
    await view.start();
    const cursor = view.nodeCursor();
    send({ kind: 'resync', nodes: [node('a')], pods: [] });
    expect(view.nodesChangedSince(cursor)).toBeUndefined();
    const after = view.nodeCursor();
    for (let i = 0; i < 3000; i++) send({ kind: 'node', type: 'upsert', node: node('a', i % 2 === 0) });
    expect(view.nodesChangedSince(after)).toBeUndefined();
    expect(view.nodesChangedSince(view.nodeCursor())).toEqual(new Set());
  });
});
