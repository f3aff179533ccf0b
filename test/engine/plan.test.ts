import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/engine/errors.js';
import { DEFAULT_DRAIN_TIMEOUT_MS, blockingFindings, makePlan, type PlanInput } from '../../src/engine/plan.js';
import type { GroupInstance, NodeGroupInfo, NodeInfo, PdbInfo, PodInfo } from '../../src/engine/ports.js';
import type { RefusalWords } from '../../src/engine/outcome-text.js';
import type { Plan } from '../../src/engine/run.js';
import { findingWords, likeEksWords, refusalWords, surgeReasonWords } from '../../src/slack/blocks/words.js';

const OLD = 'ami-old';
const NEW = 'ami-new';

function group(over: Partial<NodeGroupInfo> = {}): NodeGroupInfo {
  return {
    cluster: 'prod',
    name: 'ng-1',
    managed: true,
    status: 'ACTIVE',
    version: '1.29',
    releaseVersion: '1.29.3-20240531',
    amiFamily: 'AL2023',
    amiType: 'AL2023_x86_64_STANDARD',
    imageId: OLD,
    asgName: 'eks-ng-1',
    launchTemplate: { id: 'lt-1', version: '3' },
    azs: ['us-west-2a', 'us-west-2b', 'us-west-2c'],
    sizes: { min: 1, max: 6, desired: 3 },
    maxUnavailable: 1,
    instanceType: 'm5.large',
    suspendedProcesses: [],
    ...over,
  };
}

/** One instance and node per name: name "a-1" lives in us-west-2a. */
function world(names: string[], imageId = OLD): { instances: GroupInstance[]; nodes: NodeInfo[] } {
  const instances = names.map((n) => ({ instanceId: `i-${n}`, az: `us-west-2${n[0]}`, lifecycleState: 'InService', imageId }));
  const nodes = names.map((n) => node(n));
  return { instances, nodes };
}

function node(name: string, over: Partial<NodeInfo> = {}): NodeInfo {
  return {
    name,
    instanceId: `i-${name}`,
    az: `us-west-2${name[0]}`,
    nodegroup: 'ng-1',
    kubeletVersion: 'v1.29.3-eks-ae9a62a',
    ready: true,
    unschedulable: false,
    taints: [],
    labels: {},
    annotations: {},
    allocatablePods: 110,
    createdAt: 0,
    ...over,
  };
}

function pod(name: string, nodeName: string | undefined, over: Partial<PodInfo> = {}): PodInfo {
  return {
    namespace: 'default',
    name,
    uid: `uid-${name}`,
    nodeName,
    phase: 'Running',
    ready: true,
    terminating: false,
    owner: { kind: 'ReplicaSet', name: 'web-abc' },
    labels: { app: 'web', 'pod-template-hash': 'abc' },
    mirror: false,
    emptyDir: false,
    dockerSocket: false,
    gracePeriodSeconds: 30,
    ...over,
  };
}

function pdb(name: string, over: Partial<PdbInfo> = {}): PdbInfo {
  return {
    namespace: 'default',
    name,
    selector: { app: 'web' },
    minAvailable: 1,
    disruptionsAllowed: 0,
    currentHealthy: 1,
    desiredHealthy: 1,
    expectedPods: 1,
    ...over,
  };
}

function input(over: Partial<PlanInput> = {}): PlanInput {
  const w = world(['a-1', 'b-1', 'c-1']);
  return {
    request: { ref: { cluster: 'prod', nodegroup: 'ng-1' }, version: '1.30' },
    cluster: { name: 'prod', version: '1.30', region: 'us-west-2', status: 'ACTIVE' },
    group: group(),
    instances: w.instances,
    nodes: w.nodes,
    pods: [],
    pdbs: [],
    image: { version: '1.30', releaseVersion: '1.30.2-20240601', imageId: NEW },
    defaults: {},
    now: 1_700_000_000_000,
    ...over,
  };
}

const req = (over: Partial<PlanInput['request']>) => ({ ref: { cluster: 'prod', nodegroup: 'ng-1' }, version: '1.30', ...over });

/** The refusal as a person reads it (in Slack's words: the engine's own message is neutral). */
function userError(fn: () => unknown): RefusalWords {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return refusalWords(err as UserError);
  }
  throw new Error('expected a UserError');
}

const finding = (plan: Plan, code: string) => plan.findings.find((f) => f.code === code);

describe('makePlan: basics', () => {
  it('fills the plan from the group and the image', () => {
    const plan = makePlan(input());
    expect(plan).toMatchObject({
      ref: { cluster: 'prod', nodegroup: 'ng-1' },
      strategy: 'eks',
      managed: true,
      clusterVersion: '1.30',
      fromVersion: '1.29',
      toVersion: '1.30',
      fromRelease: '1.29.3-20240531',
      toRelease: '1.30.2-20240601',
      fromImageId: OLD,
      toImageId: NEW,
      amiType: 'AL2023_x86_64_STANDARD',
      maxUnavailable: 1,
      drainTimeoutMs: DEFAULT_DRAIN_TIMEOUT_MS,
      force: false,
      sizes: { min: 1, max: 6, desired: 3 },
      azs: ['us-west-2a', 'us-west-2b', 'us-west-2c'],
      createdAt: 1_700_000_000_000,
    });
    expect(plan.findings.map((f) => f.code)).toEqual(['surge-exceeds-nodes']); // 3 nodes, surge 6
    expect(blockingFindings(plan)).toEqual([]);
  });

  it('lists old nodes sorted by AZ then name, with evictable pod counts', () => {
    const w = world(['b-2', 'a-2', 'b-1', 'a-1']);
    const pods = [
      pod('p1', 'a-1'),
      pod('p2', 'a-1'),
      pod('ds', 'a-1', { owner: { kind: 'DaemonSet', name: 'aws-node' } }),
      pod('mirror', 'a-1', { mirror: true, owner: { kind: 'Node', name: 'a-1' } }),
      pod('gone', 'a-1', { terminating: true }),
      pod('done', 'a-1', { phase: 'Succeeded', owner: { kind: 'Job', name: 'j' } }),
      pod('failed', 'a-1', { phase: 'Failed', owner: { kind: 'Job', name: 'j' } }),
      pod('p3', 'b-2'),
    ];
    const plan = makePlan(input({ ...w, pods }));
    expect(plan.nodes.map((n) => [n.name, n.az, n.pods])).toEqual([
      ['a-1', 'us-west-2a', 2],
      ['a-2', 'us-west-2a', 0],
      ['b-1', 'us-west-2b', 0],
      ['b-2', 'us-west-2b', 1],
    ]);
    expect(plan.nodes[0]).toEqual({ name: 'a-1', instanceId: 'i-a-1', az: 'us-west-2a', version: '1.29', imageId: OLD, pods: 2 });
  });

  it('excludes nodes already on the target image and instances that are leaving', () => {
    const w = world(['a-1', 'b-1', 'c-1']);
    w.instances[1]!.imageId = NEW;
    w.instances[2]!.lifecycleState = 'Terminating';
    w.instances.push({ instanceId: 'i-a-9', az: 'us-west-2a', lifecycleState: 'Pending:Wait', imageId: OLD });
    const plan = makePlan(input(w));
    expect(plan.nodes.map((n) => n.name)).toEqual(['a-1', 'i-a-9']);
    expect(finding(plan, 'instance-not-joined')).toMatchObject({ severity: 'info', subjects: ['i-a-9'] });
  });

  it('says there is nothing to do when every node runs the target image', () => {
    const w = world(['a-1', 'b-1'], NEW);
    const err = userError(() => makePlan(input(w)));
    expect(err.message).toBe('nothing to do: every node of ng-1 already runs 1.30.2-20240601');
  });

  it('throws version errors before anything else', () => {
    const err = userError(() =>
      makePlan(input({ request: req({ version: '1.31', strategy: 'rolling', maxUnavailable: 0 }), instances: [] })),
    );
    expect(err.message).toContain('upgrade the control plane first');
  });

  it('estimates from the lower bound model: launch, the drains of the old nodes (grace periods, PDB chains), the wait and termination', () => {
    const w = world(['a-1', 'a-2', 'b-1', 'b-2', 'c-1']);
    const timings = { launchToReadyMs: 90_000, podStartMs: 20_000, terminateMs: 60_000 };
    const selfManaged = group({ managed: false });
    const web = (node: string) => pod(`web-${node}`, node, { gracePeriodSeconds: 30 });
    const pods = ['a-1', 'a-2', 'b-1', 'b-2', 'c-1'].map(web);
    // One disruption at a time over 5 pods: a chain of 4 × 20 s + 30 s; the drains of 30 s each spread over k.
    const budget = pdb('web', { disruptionsAllowed: 1, currentHealthy: 5, desiredHealthy: 4, expectedPods: 5 });
    const plan = (maxUnavailable: number) =>
      makePlan(input({ ...w, group: selfManaged, pods, pdbs: [budget], timings, request: req({ maxUnavailable, deregistrationWaitMs: 0 }) }));
    expect(plan(1).estimatedMs).toBe((90 + 5 * 30 + 60) * 1000);
    expect(plan(5).estimatedMs).toBe((90 + (4 * 20 + 30) + 60) * 1000);
    // With the default deregistration wait the last node waits 60 s more before its termination.
    expect(makePlan(input({ ...w, group: selfManaged, pods, pdbs: [budget], timings })).estimatedMs).toBe((90 + 5 * 30 + 60 + 60) * 1000);
  });

  it('takes the drain timeout from the request, then the defaults', () => {
    expect(makePlan(input({ defaults: { drainTimeoutMs: 60_000 } })).drainTimeoutMs).toBe(60_000);
    expect(makePlan(input({ request: req({ drainTimeoutMs: 5_000 }), defaults: { drainTimeoutMs: 60_000 } })).drainTimeoutMs).toBe(5_000);
    expect(() => makePlan(input({ request: req({ drainTimeoutMs: 0 }) }))).toThrow(UserError);
  });
});

describe('makePlan: strategy', () => {
  it('defaults to eks for managed groups and rolling for self-managed ones', () => {
    expect(makePlan(input()).strategy).toBe('eks');
    expect(makePlan(input({ group: group({ managed: false }) })).strategy).toBe('rolling');
  });

  it('uses a configured default that suits the group, the group’s own otherwise', () => {
    expect(makePlan(input({ defaults: { strategy: 'rolling' } })).strategy).toBe('eks');
    expect(makePlan(input({ group: group({ managed: false }), defaults: { strategy: 'eks' } })).strategy).toBe('rolling');
    expect(makePlan(input({ group: group({ managed: false }), defaults: { strategy: 'rolling' } })).strategy).toBe('rolling');
  });

  it('refuses rolling on a managed group, saying why and what to use', () => {
    const err = userError(() => makePlan(input({ request: req({ strategy: 'rolling' }) })));
    expect(err.message).toContain('EKS managed node group');
    expect(err.message).toContain('Ec2LaunchTemplateVersionMismatch');
    expect(err.message).toContain('use --strategy eks');
  });

  it('refuses eks on a self-managed group', () => {
    const err = userError(() => makePlan(input({ group: group({ managed: false }), request: req({ strategy: 'eks' }) })));
    expect(err.message).toContain('self-managed');
    expect(err.message).toContain('no update API');
    expect(err.message).toContain('use --strategy rolling');
  });
});

describe('makePlan: the deregistration wait, and what is like EKS', () => {
  const selfManaged = () => group({ managed: false });

  it('rolling waits 60 s as EKS unless the request or the configured default says otherwise; 0 is no wait', () => {
    expect(makePlan(input({ group: selfManaged() })).deregistrationWaitMs).toBe(60_000);
    expect(makePlan(input({ group: selfManaged(), defaults: { deregistrationWaitMs: 30_000 } })).deregistrationWaitMs).toBe(30_000);
    expect(makePlan(input({ group: selfManaged(), defaults: { deregistrationWaitMs: 30_000 }, request: req({ deregistrationWaitMs: 0 }) })).deregistrationWaitMs).toBe(0);
  });

  it('eks keeps EKS\'s own wait: the plan has none of its own, and no like-EKS words', () => {
    const plan = makePlan(input());
    expect(plan.strategy).toBe('eks');
    expect(plan.deregistrationWaitMs).toBeUndefined();
    expect(likeEksWords(plan)).toBeUndefined();
  });

  it('says what rolling does as EKS does, and what differently', () => {
    const words = likeEksWords(makePlan(input({ group: selfManaged() })))!;
    for (const step of ['eks.amazonaws.com/nodegroup=unschedulable:NoSchedule', 'node.kubernetes.io/exclude-from-external-load-balancers=true', 'PodDisruptionBudgets respected', 'cordons it', 'waits 60s for load balancers', 'terminates it', 'desired −1']) {
      expect(words.same).toContain(step);
    }
    expect(words.different).toMatch(/holds no maxUnavailable slot/);
    expect(words.different).toMatch(/asks for a decision/);
    const none = likeEksWords(makePlan(input({ group: selfManaged(), request: req({ deregistrationWaitMs: 0 }) })))!;
    expect(none.same).toContain('terminates it at once (--deregistration-wait 0');
    expect(none.different).not.toMatch(/slot/);
  });
});

describe('makePlan: maxUnavailable and surge', () => {
  const withAzs = (azs: string[], over: Partial<PlanInput> = {}) => {
    const w = world(['a-1', 'a-2', 'a-3', 'b-1', 'b-2', 'c-1', 'c-2', 'c-3']);
    return makePlan(input({ ...w, group: group({ azs }), ...over }));
  };

  it.each([
    [['us-west-2a'], 2, 'max(2 × 1 AZ, maxUnavailable 1) = 2, as EKS does'],
    [['us-west-2a', 'us-west-2b'], 4, 'max(2 × 2 AZs, maxUnavailable 1) = 4, as EKS does'],
    [['us-west-2a', 'us-west-2b', 'us-west-2c'], 6, 'max(2 × 3 AZs, maxUnavailable 1) = 6, as EKS does'],
  ])('surges like EKS for AZs %j', (azs, surge, reason) => {
    const plan = withAzs(azs);
    expect(plan.surge).toBe(surge);
    expect(plan.surgeReason).toBe(reason);
  });

  it('surges maxUnavailable when it exceeds 2 × AZs', () => {
    const plan = withAzs(['us-west-2a'], { request: req({ maxUnavailable: 5 }) });
    expect(plan.surge).toBe(5);
    expect(plan.maxUnavailable).toBe(5);
    expect(plan.surgeReason).toBe('max(2 × 1 AZ, maxUnavailable 5) = 5, as EKS does');
  });

  it('counts the instances’ AZs when the group lists none', () => {
    const plan = withAzs([]);
    expect(plan.surge).toBe(6);
  });

  it('takes --surge on a rolling upgrade', () => {
    const plan = withAzs(['us-west-2a'], { group: group({ managed: false, azs: ['us-west-2a'] }), request: req({ surge: 3 }) });
    expect(plan.surge).toBe(3);
    expect(surgeReasonWords(plan.surgeReason)).toBe('set by --surge');
  });

  it('refuses a bad --surge, and --surge with the eks strategy', () => {
    const selfManaged = group({ managed: false });
    for (const surge of [0, -1, 1.5, Number.NaN]) {
      const err = userError(() => makePlan(input({ group: selfManaged, request: req({ surge }) })));
      expect(err.message).toContain('--surge must be a whole number of at least 1');
    }
    const err = userError(() => makePlan(input({ request: req({ surge: 2 }) })));
    expect(err.message).toContain('--surge applies to the rolling strategy only');
  });

  it('takes maxUnavailable from the request, the defaults, then the group', () => {
    expect(withAzs(['us-west-2a'], { group: group({ maxUnavailable: 3 }) }).maxUnavailable).toBe(3);
    expect(withAzs(['us-west-2a'], { group: group({ maxUnavailable: 3 }), defaults: { maxUnavailable: 2 } }).maxUnavailable).toBe(2);
    expect(
      withAzs(['us-west-2a'], { group: group({ maxUnavailable: 3 }), defaults: { maxUnavailable: 2 }, request: req({ maxUnavailable: 4 }) })
        .maxUnavailable,
    ).toBe(4);
  });

  it('counts a percentage of the old nodes as EKS does, at least one, and records what was asked', () => {
    // 8 old nodes: 25% is 2, 10% rounds down to 0 and becomes 1, 100% is every node.
    for (const [asked, count] of [['25%', 2], ['10%', 1], ['50%', 4], ['100%', 8]] as const) {
      const plan = withAzs(['us-west-2a'], { request: req({ maxUnavailable: asked }) });
      expect(plan.maxUnavailable, asked).toBe(count);
      expect(plan.maxUnavailableAsked, asked).toBe(asked);
    }
    const fromDefault = withAzs(['us-west-2a'], { defaults: { maxUnavailable: 2 }, request: req({ maxUnavailable: '50%' }) });
    expect(fromDefault).toMatchObject({ maxUnavailable: 4, maxUnavailableAsked: '50%', surge: 4 });
    expect(withAzs(['us-west-2a'], { request: req({ maxUnavailable: 3 }) }).maxUnavailableAsked).toBeUndefined();
  });

  it('refuses a percentage outside 1% to 100%', () => {
    for (const maxUnavailable of ['0%', '101%', '2.5%'] as const) {
      const err = userError(() => makePlan(input({ request: req({ maxUnavailable: maxUnavailable as `${number}%` }) })));
      expect(err.message).toContain(`--max-unavailable as a percentage must be from 1% to 100% of the old nodes (got ${maxUnavailable})`);
    }
  });

  it('refuses a maxUnavailable that is not a whole number ≥ 1', () => {
    for (const maxUnavailable of [0, -2, 1.5]) {
      const err = userError(() => makePlan(input({ request: req({ maxUnavailable }) })));
      expect(err.message).toContain('--max-unavailable must be a whole number of at least 1');
    }
    const err = userError(() => makePlan(input({ defaults: { maxUnavailable: 0 } })));
    expect(err.message).toContain('configured default maxUnavailable');
  });

  it('notes a surge larger than the nodes to replace', () => {
    const plan = makePlan(input()); // 3 nodes, surge 6
    expect(finding(plan, 'surge-exceeds-nodes')).toMatchObject({ severity: 'info' });
    expect(finding(plan, 'surge-exceeds-nodes')!.message).toContain('the surge (6) is larger than the 3 nodes');
    expect(finding(withAzs(['us-west-2a']), 'surge-exceeds-nodes')).toBeUndefined();
  });
});

describe('makePlan: findings', () => {
  // Enough nodes that the surge (6) does not exceed them.
  const w = world(['a-1', 'a-2', 'b-1', 'b-2', 'c-1', 'c-2']);
  const plan = (over: Partial<PlanInput> = {}) => makePlan(input({ ...w, ...over }));

  it('warns about PDBs that allow no disruption, naming the PDB and its pods on old nodes', () => {
    const pods = [
      pod('web-1', 'a-1'),
      pod('web-2', 'b-1'),
      pod('other', 'a-1', { labels: { app: 'other' }, owner: { kind: 'ReplicaSet', name: 'other-x' } }),
      pod('elsewhere', 'z-9'),
    ];
    const p = plan({
      pods,
      pdbs: [pdb('web'), pdb('fine', { disruptionsAllowed: 1 }), pdb('other-ns', { namespace: 'kube-system' })],
    });
    const f = finding(p, 'pdb-no-disruption')!;
    expect(f.severity).toBe('warn');
    expect(f.subjects).toEqual(['default/web']);
    expect(f.message).toContain('default/web (default/web-1, default/web-2)');
    expect(f.message).toContain('The drain will wait and ask');
    expect(blockingFindings(p)).toEqual([]);
  });

  it('treats an empty PDB selector as selecting the whole namespace', () => {
    const p = plan({ pods: [pod('x', 'a-1')], pdbs: [pdb('all', { selector: {} })] });
    expect(finding(p, 'pdb-no-disruption')?.subjects).toEqual(['default/all']);
  });

  it('blocks on pods without a controller unless forced', () => {
    const pods = [pod('bare', 'a-1', { owner: undefined }), pod('bare-elsewhere', 'z-1', { owner: undefined })];
    const blocked = plan({ pods });
    const f = finding(blocked, 'unmanaged-pod')!;
    expect(f).toMatchObject({ severity: 'block', subjects: ['default/bare'] });
    expect(f.message).toContain('kubectl drain refuses these too');
    expect(f.message).toContain('deleted, not re-created');
    expect(findingWords(f)).toContain('use --force to accept');
    expect(blockingFindings(blocked)).toEqual([f]);

    const forced = plan({ pods, request: req({ force: true }) });
    expect(forced.force).toBe(true);
    expect(finding(forced, 'unmanaged-pod')!.severity).toBe('warn');
    expect(blockingFindings(forced)).toEqual([]);
  });

  it('warns about emptyDir data on old nodes', () => {
    const p = plan({ pods: [pod('cache', 'a-1', { emptyDir: true }), pod('cache2', 'z-1', { emptyDir: true })] });
    expect(finding(p, 'emptydir')).toMatchObject({ severity: 'warn', subjects: ['default/cache'] });
    expect(finding(p, 'emptydir')!.message).toContain('lost');
  });

  it('warns about workloads whose only pod is on an old node', () => {
    const pods = [
      pod('solo-1', 'a-1', { owner: { kind: 'ReplicaSet', name: 'solo-h1' }, labels: { 'pod-template-hash': 'h1' } }),
      pod('pair-1', 'a-1', { owner: { kind: 'ReplicaSet', name: 'pair-h2' }, labels: { 'pod-template-hash': 'h2' } }),
      pod('pair-2', 'z-1', { owner: { kind: 'ReplicaSet', name: 'pair-h2' }, labels: { 'pod-template-hash': 'h2' } }),
      pod('db-0', 'b-1', { owner: { kind: 'StatefulSet', name: 'db' } }),
      pod('away-1', 'z-1', { owner: { kind: 'ReplicaSet', name: 'away-h3' }, labels: { 'pod-template-hash': 'h3' } }),
      pod('ds', 'a-1', { owner: { kind: 'DaemonSet', name: 'agent' } }),
    ];
    const f = finding(plan({ pods }), 'single-replica')!;
    expect(f.severity).toBe('warn');
    expect(f.subjects).toEqual(['default/solo-1', 'default/db-0']);
    expect(f.message).toContain('default/Deployment/solo');
    expect(f.message).toContain('default/StatefulSet/db');
  });

  it('blocks when the node group is not ACTIVE', () => {
    const p = plan({ group: group({ status: 'UPDATING' }) });
    expect(finding(p, 'nodegroup-not-active')).toMatchObject({ severity: 'block', subjects: ['ng-1'] });
    expect(finding(p, 'nodegroup-not-active')!.message).toContain('UPDATING, not ACTIVE');
  });

  it('blocks when the cluster is not ACTIVE', () => {
    const p = plan({ cluster: { name: 'prod', version: '1.30', region: 'us-west-2', status: 'UPDATING' } });
    expect(finding(p, 'cluster-not-active')?.severity).toBe('block');
  });

  describe('dockershim', () => {
    const cross = {
      cluster: { name: 'prod', version: '1.24', region: 'us-west-2', status: 'ACTIVE' },
      group: group({ version: '1.23', releaseVersion: '1.23.17-20230607' }),
      image: { version: '1.24', releaseVersion: '1.24.13-20230607', imageId: NEW },
      request: req({ version: '1.24' }),
    };

    it('names pods (DaemonSets included) that mount the Docker socket when crossing 1.24', () => {
      const pods = [
        pod('dd-agent', 'a-1', { owner: { kind: 'DaemonSet', name: 'datadog' }, dockerSocket: true }),
        pod('builder', 'b-1', { dockerSocket: true }),
        pod('far', 'z-1', { dockerSocket: true }),
      ];
      const f = finding(plan({ ...cross, pods }), 'dockershim')!;
      expect(f.severity).toBe('warn');
      expect(f.subjects).toEqual(['default/dd-agent', 'default/builder']);
      expect(f.message).toContain('containerd');
    });

    it('says the runtime changes and none were found', () => {
      const f = finding(plan({ ...cross, pods: [pod('web', 'a-1')] }), 'dockershim')!;
      expect(f.severity).toBe('info');
      expect(f.message).toContain('containerd replaces Docker');
      expect(f.message).toContain('no pod');
    });

    it('says nothing when not crossing 1.24', () => {
      expect(finding(plan({ pods: [pod('b', 'a-1', { dockerSocket: true })] }), 'dockershim')).toBeUndefined();
    });
  });

  it('blocks AL2 past 1.32', () => {
    const al2 = group({ amiFamily: 'AL2', amiType: 'AL2_x86_64', version: '1.32', releaseVersion: '1.32.1-20250101' });
    const p = plan({
      group: al2,
      cluster: { name: 'prod', version: '1.33', region: 'us-west-2', status: 'ACTIVE' },
      image: { version: '1.33', releaseVersion: '1.33.0-20250601', imageId: NEW },
      request: req({ version: '1.33' }),
    });
    const f = finding(p, 'al2-end')!;
    expect(f.severity).toBe('block');
    expect(f.message).toContain('Amazon Linux 2 AMIs stop at 1.32');
    expect(f.message).toContain('move the node group to AL2023 or Bottlerocket');

    const at132 = plan({
      group: group({ amiFamily: 'AL2', version: '1.31' }),
      cluster: { name: 'prod', version: '1.32', region: 'us-west-2', status: 'ACTIVE' },
      image: { version: '1.32', releaseVersion: '1.32.1-20250101', imageId: NEW },
      request: req({ version: '1.32' }),
    });
    expect(finding(at132, 'al2-end')).toBeUndefined();
  });

  it('warns about kubelet skew beyond what Kubernetes supports', () => {
    const lag = world(['a-1', 'a-2', 'b-1', 'b-2', 'c-1', 'c-2']);
    lag.nodes.forEach((n) => (n.kubeletVersion = 'v1.25.16-eks-1'));
    const p = makePlan(
      input({
        ...lag,
        group: group({ version: '1.25', releaseVersion: '1.25.16-20240101' }),
        cluster: { name: 'prod', version: '1.29', region: 'us-west-2', status: 'ACTIVE' },
        image: { version: '1.29', releaseVersion: '1.29.3-20240531', imageId: NEW },
        request: req({ version: '1.29' }),
      }),
    );
    const f = finding(p, 'version-skew')!;
    expect(f.severity).toBe('warn');
    expect(f.subjects).toHaveLength(6);
    expect(f.message).toContain('4 minors behind the control plane (1.29)');
    expect(f.message).toContain('brings them within the supported skew');

    // 3 behind from 1.28 on is fine.
    const ok = makePlan(
      input({
        ...world(['a-1', 'a-2', 'b-1', 'b-2', 'c-1', 'c-2']),
        cluster: { name: 'prod', version: '1.32', region: 'us-west-2', status: 'ACTIVE' },
        image: { version: '1.32', releaseVersion: '1.32.0-20250101', imageId: NEW },
        request: req({ version: '1.32' }),
      }),
    );
    expect(finding(ok, 'version-skew')).toBeUndefined();
  });

  it('notes a same-version upgrade and a patch EKS does not pick', () => {
    const p = plan({
      cluster: { name: 'prod', version: '1.29', region: 'us-west-2', status: 'ACTIVE' },
      image: { version: '1.29', releaseVersion: '1.29.8-20240901', imageId: NEW },
      request: req({ version: '1.29.5' }),
    });
    expect(p.toVersion).toBe('1.29');
    expect(finding(p, 'same-version')!.message).toContain('from AMI release 1.29.3-20240531 to 1.29.8-20240901');
    expect(finding(p, 'patch-ignored')?.severity).toBe('info');
  });

  it('keeps subject lists and messages bounded', () => {
    const many = Array.from({ length: 50 }, (_, i) => pod(`bare-${i}`, 'a-1', { owner: undefined }));
    const f = finding(plan({ pods: many }), 'unmanaged-pod')!;
    expect(f.subjects).toHaveLength(20);
    expect(f.message).toContain('50 pods');
    expect(f.message).toContain('and 30 more');
  });

  it('orders findings block, warn, info', () => {
    const p = makePlan(
      input({ pods: [pod('bare', 'a-1', { owner: undefined, emptyDir: true })], group: group({ status: 'DEGRADED' }) }),
    );
    const ranks = p.findings.map((f) => f.severity);
    expect(ranks).toEqual([...ranks].sort((a, b) => ['block', 'warn', 'info'].indexOf(a) - ['block', 'warn', 'info'].indexOf(b)));
    expect(ranks[0]).toBe('block');
    expect(ranks.at(-1)).toBe('info');
  });
});

describe('what the group can use', () => {
  const selfManaged = (request: Partial<PlanInput['request']>) => makePlan(input({ group: group({ managed: false }), request: req(request) }));

  it('rolling: the surge is at most the old nodes, and a surge asked past it is a warning that says what happens', () => {
    const plan = selfManaged({ surge: 50 });
    expect(plan.surge).toBe(3);
    expect(finding(plan, 'capped-to-group')).toMatchObject({ severity: 'warn' });
    expect(findingWords(finding(plan, 'capped-to-group')!)).toBe('--surge is 50, more than the 3 old nodes this group can use: mngbot launches 3 new nodes, not 50');
  });

  it('maxUnavailable past the old nodes drains them all at once, and launches no more than them', () => {
    const plan = selfManaged({ maxUnavailable: 50 });
    expect(plan).toMatchObject({ maxUnavailable: 3, surge: 3 });
    expect(findingWords(finding(plan, 'capped-to-group')!)).toBe(
      '--max-unavailable is 50, more than the 3 old nodes this group can use: mngbot drains at most 3 at once and launches 3 new nodes',
    );
  });

  it('a default surge past the old nodes is capped without a warning: nobody asked for it', () => {
    const plan = selfManaged({});
    expect(plan.surge).toBe(3);
    expect(plan.surgeReason).toContain('capped at the 3 old nodes');
    expect(finding(plan, 'capped-to-group')).toBeUndefined();
  });
});
