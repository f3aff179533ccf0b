// A whole `rolling` upgrade through the real adapters: EksNodeGroups against moto_server, KubeCluster
// against the simulator's HTTP API, the Engine in between on a paced clock (10× real time).
//
// The Kubernetes side follows moto: InstanceBackedCluster (test/aws/instance-backed-cluster.ts) polls
// moto's EC2 every 150 ms and registers a node for each running instance of the Auto Scaling group
// (providerID aws:///<az>/<id>, the eksctl node-group labels from the tags the group propagates, the
// kubelet version of the instance's AMI in the simulator's image catalogue, which moto is seeded with
// through MOTO_AMIS_PATH); when moto terminates an instance, its node and pods go, and the
// simulator's controllers and scheduler put the pods back elsewhere. Deployments, a PDB and a
// DaemonSet run on the nodes, so the drain really evicts, and really meets the budget (HTTP 429).
//
// Two recording proxies sit on the wire: one records what the bot asked of AWS, the other what the
// API server answered to its evictions. About 2.5 s of real time for the upgrade itself.
//
// Where moto falls short, and who covers it instead:
// - AZ balancing: moto launches each batch of instances into one randomly chosen AZ of the group, so
//   the engine's "a new node Ready in every AZ with old nodes" cannot be met the AWS way here (the
//   surge count satisfies the wait instead). Covered by the simulator: test/sim/asg.test.ts
//   ("launches into the AZ with the fewest instances") and test/engine/rolling.test.ts.
// - Scaling activities: DescribeScalingActivities always answers an empty list, so the
//   NodeCreationFailure report cannot name the group's failures. Covered by test/sim/asg.test.ts
//   ("retries failed launches…") and test/engine/rolling.test.ts ("launch failures and slow boots").
// - EKS managed node groups: moto's EKS names an Auto Scaling group it never creates and has no
//   UpdateNodegroupVersion/DescribeUpdate, so the `eks` strategy runs against the simulator:
//   test/sim/eks-update.test.ts; the adapter's EKS calls against a fake: test/aws/fake-aws.test.ts.
// - Instance lifecycles: moto has no Pending/Terminating; instances are running at once and
//   terminated at once. The boot and shutdown delays are InstanceBackedCluster's.
// - SSM: moto, like AWS, refuses parameters under /aws/ (AccessDeniedException), so the image
//   parameters live under a mirror prefix and EksNodeGroups is pointed there with `ssmPrefix`.
// - Launch-template versions: moto does not carry SourceVersion's data over, so the new version has
//   only its image (and moto launches it with its default instance type).
import { buildEngine } from '../../src/app/compose.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { EksNodeGroups } from '../../src/aws/eks-node-groups.js';
import { Engine } from '../../src/engine/commands.js';
import type { ProgressEvent } from '../../src/engine/events.js';
import type { PodInfo } from '../../src/engine/ports.js';
import type { Run } from '../../src/engine/run.js';
import { SCALE_DOWN_DISABLED } from '../../src/engine/step-context.js';
import { connectCluster } from '../../src/kube/connect.js';
import type { KubeCluster } from '../../src/kube/kube-cluster.js';
import { PacedClock } from '../../src/sim/clock.js';
import { findImage, imagesFor, type CatalogImage } from '../../src/sim/images.js';
import { InstanceBackedCluster, type ObservedInstance } from './instance-backed-cluster.js';
import { serveKubeApi, type KubeApiServer } from '../../src/sim/kube-http/serve-kube-api.js';
import { ledgerProblems } from '../../src/sim/ledger.js';
import { parseScenario } from '../../src/sim/scenario.js';
import { createWorld, type SimWorld } from '../../src/sim/world.js';
import { MemoryRunStore } from '../../src/store/memory-run-store.js';
import { until } from '../kube/kube-fixture.js';
import { CREDENTIALS, REGION, sdkConfig, startMoto, type Moto } from './moto.js';
import { startRecordingProxy, type RecordingProxy } from './recording-proxy.js';

const PREFIX = '/mirror/aws/service';
const AMI_TYPE = 'AL2023_x86_64_STANDARD';
const ASG = 'prod-workers';
const REF = { cluster: 'prod', nodegroup: 'workers' };
const AZS = [`${REGION}a`, `${REGION}b`, `${REGION}c`];
const ORIGINAL = { min: 3, max: 6, desired: 4 };
const SURGE = 2;
/** Simulated seconds per real second, for the world and the engine alike. */
const SPEED = 10;

const OLD = findImage('AL2023', '1.29');
const NEW = findImage('AL2023', '1.30');

/** The EKS-optimized AL2023 image's name, as parseImageName reads it. */
function amiName(img: CatalogImage): string {
  return `amazon-eks-node-al2023-x86_64-standard-${img.version}-v${img.releaseVersion.split('-')[1]}`;
}

const ssmBase = (version: string) => `${PREFIX}/eks/optimized-ami/${version}/amazon-linux-2023/x86_64/standard`;

let amiDir: string;
let moto: Moto;
let awsWire: RecordingProxy;
let kubeWire: RecordingProxy;
let ec2: EC2Client;
let asgClient: AutoScalingClient;
let clock: PacedClock;
let world: SimWorld;
let nodes: InstanceBackedCluster;
let api: KubeApiServer;
let kube: KubeCluster;
let ng: EksNodeGroups;
let engine: Engine;
const store = new MemoryRunStore();
const events: ProgressEvent[] = [];
const savedEnv: Record<string, string | undefined> = {};
let initialInstances: { id: string; az: string }[] = [];
let podsBefore: Record<string, number> = {};
/** The fewest healthy web pods at any moment of the run, seen change by change in the simulator. */
let webHealthyMin = Infinity;
let run: Run;

async function describeAsg() {
  const out = await asgClient.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [ASG] }));
  return out.AutoScalingGroups![0];
}

/** The Auto Scaling group's instances in every state, from moto's EC2 (not through the proxy: not the bot's calls). */
async function groupInstances(): Promise<ObservedInstance[]> {
  const found: ObservedInstance[] = [];
  let NextToken: string | undefined;
  do {
    const out = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'tag:aws:autoscaling:groupName', Values: [ASG] }], NextToken }),
    );
    for (const r of out.Reservations ?? []) {
      for (const i of r.Instances ?? []) {
        found.push({
          instanceId: i.InstanceId!,
          az: i.Placement?.AvailabilityZone ?? '',
          imageId: i.ImageId ?? '',
          instanceType: i.InstanceType ?? '',
          state: i.State?.Name ?? 'unknown',
          ...(i.PrivateDnsName ? { privateDnsName: i.PrivateDnsName } : {}),
          tags: Object.fromEntries((i.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
        });
      }
    }
    NextToken = out.NextToken;
  } while (NextToken);
  return found;
}

/** Running and Ready pods per Deployment (by the ReplicaSet that owns them), through the HTTP API. */
async function readyPodsByDeployment(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const p of await kube.listPods()) {
    if (p.owner?.kind !== 'ReplicaSet' || !isUp(p)) continue;
    const key = `${p.namespace}/${p.owner.name.replace(/-[a-z0-9]+$/, '')}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

const isUp = (p: PodInfo) => p.phase === 'Running' && p.ready && !p.terminating;

function settled(nodeCount: number, image: CatalogImage): boolean {
  const ns = world.nodes();
  const pods = world.pods();
  return (
    ns.length === nodeCount &&
    ns.every((n) => n.ready && n.kubeletVersion === image.kubeletVersion) &&
    pods.length === 10 + nodeCount &&
    pods.every((p) => p.phase === 'Running' && p.ready && !p.terminating)
  );
}

beforeAll(async () => {
  // moto with the simulator's catalogue as its only AMIs: same ids, names EKS would give them.
  amiDir = await mkdtemp(join(tmpdir(), 'mngbot-amis-'));
  const amis = [...imagesFor('AL2023', '1.29'), ...imagesFor('AL2023', '1.30')].map((img) => ({
    ami_id: img.imageId,
    name: amiName(img),
    description: `EKS Kubernetes Worker AMI with AmazonLinux2023 image, (k8s: ${img.releaseVersion.split('-')[0]})`,
    owner_id: '602401143452',
    public: true,
    virtualization_type: 'hvm',
    architecture: 'x86_64',
    state: 'available',
    root_device_name: '/dev/xvda',
    root_device_type: 'ebs',
    image_type: 'machine',
    hypervisor: 'xen',
  }));
  await writeFile(join(amiDir, 'amis.json'), JSON.stringify(amis));
  moto = await startMoto({ env: { MOTO_AMIS_PATH: join(amiDir, 'amis.json') } });
  awsWire = await startRecordingProxy(moto.endpoint);
  ec2 = new EC2Client(sdkConfig(moto.endpoint));
  asgClient = new AutoScalingClient(sdkConfig(moto.endpoint));

  // SSM: the recommended image of each version, under the mirror prefix.
  const ssm = new SSMClient(sdkConfig(moto.endpoint));
  for (const img of [OLD, NEW]) {
    for (const [leaf, Value] of [['image_id', img.imageId], ['release_version', img.releaseVersion]]) {
      await ssm.send(new PutParameterCommand({ Name: `${ssmBase(img.version)}/recommended/${leaf}`, Value, Type: 'String' }));
    }
  }
  ssm.destroy();

  // The EKS cluster (DescribeCluster gives the control plane's version) and a self-managed group as
  // eksctl makes one: a launch template with the 1.29 image, an Auto Scaling group over three AZs
  // whose tags name the node group and are propagated to its instances.
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
  const subnet = await ec2.send(new CreateSubnetCommand({ VpcId: vpc.Vpc!.VpcId!, CidrBlock: '10.0.1.0/24', AvailabilityZone: AZS[0] }));
  const eks = new EKSClient(sdkConfig(moto.endpoint));
  await eks.send(
    new CreateClusterCommand({
      name: 'prod',
      version: '1.30',
      roleArn: 'arn:aws:iam::123456789012:role/eks',
      resourcesVpcConfig: { subnetIds: [subnet.Subnet!.SubnetId!] },
    }),
  );
  eks.destroy();
  const lt = await ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: `${ASG}-lt`,
      LaunchTemplateData: { ImageId: OLD.imageId, InstanceType: 'm5.large' },
    }),
  );
  const tag = (Key: string, Value: string) => ({ Key, Value, PropagateAtLaunch: true, ResourceId: ASG, ResourceType: 'auto-scaling-group' });
  await asgClient.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: ASG,
      MinSize: ORIGINAL.min,
      MaxSize: ORIGINAL.max,
      DesiredCapacity: ORIGINAL.desired,
      LaunchTemplate: { LaunchTemplateId: lt.LaunchTemplate!.LaunchTemplateId!, Version: '1' },
      AvailabilityZones: AZS,
      Tags: [
        tag('alpha.eksctl.io/nodegroup-name', 'workers'),
        tag('alpha.eksctl.io/cluster-name', 'prod'),
        tag('kubernetes.io/cluster/prod', 'owned'),
      ],
    }),
  );
  initialInstances = (await describeAsg()).Instances!.map((i) => ({ id: i.InstanceId!, az: i.AvailabilityZone! }));

  // Kubernetes: the simulator's control plane with workloads and no nodes of its own; the nodes come from moto.
  clock = new PacedClock(SPEED, undefined, { skipStalls: true });
  world = createWorld(
    parseScenario(
      {
        seed: 29,
        cluster: { name: 'prod', version: '1.30', region: REGION },
        // The simulator's own node group stays empty: InstanceBackedCluster brings moto's instances in as nodes.
        nodegroup: {
          name: 'workers', managed: false, version: '1.29', nodes: 0, azs: AZS, min: 0, max: 1,
          maxUnavailable: 1, instanceType: 'm5.large', podsPerNode: 5, amiType: AMI_TYPE,
        },
        timings: { launchToReadySeconds: 1, podStartSeconds: 1, terminateSeconds: 1 },
        workloads: [
          { name: 'web', namespace: 'shop', kind: 'Deployment', replicas: 6, pdb: { maxUnavailable: 1 }, gracePeriodSeconds: 1 },
          { name: 'api', namespace: 'shop', kind: 'Deployment', replicas: 4, gracePeriodSeconds: 1 },
          { name: 'node-exporter', namespace: 'monitoring', kind: 'DaemonSet', gracePeriodSeconds: 1 },
        ],
      },
      'rolling-on-moto',
    ),
    { clock },
  );
  const state = world.cluster.state;
  const webHealthy = new Map<string, boolean>();
  state.observe((c) => {
    if (c.kind !== 'pod' || c.pod.namespace !== 'shop' || c.pod.labels.app !== 'web') return;
    if (c.type === 'delete') webHealthy.delete(c.pod.name);
    else webHealthy.set(c.pod.name, c.pod.ready && !c.pod.terminating);
    if (run) webHealthyMin = Math.min(webHealthyMin, [...webHealthy.values()].filter(Boolean).length);
  });
  nodes = new InstanceBackedCluster({
    kube: state,
    clock,
    region: REGION,
    listInstances: groupInstances,
    pollIntervalMs: 150,
    registerAfterMs: 2000,
    readyAfterMs: 3000,
    goneAfterMs: 1000,
    // Room for the DaemonSet's pod and four others: the pods spread over the nodes.
    allocatablePods: 5,
  });
  await nodes.start();
  api = await serveKubeApi(world, { host: '127.0.0.1', port: 0 });
  kubeWire = await startRecordingProxy(api.url);
  kube = connectCluster({ kind: 'server', server: kubeWire.url }, { requestTimeoutMs: 5000 });
  await until(() => settled(ORIGINAL.desired, OLD), 'the nodes of the 1.29 instances to be Ready with every pod running', 15_000);
  podsBefore = await readyPodsByDeployment();

  // The bot's side: fake credentials in the environment (the SDK's default chain reads them), moto behind the recording proxy.
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) savedEnv[k] = process.env[k];
  process.env.AWS_ACCESS_KEY_ID = CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = CREDENTIALS.secretAccessKey;
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  ng = new EksNodeGroups({
    endpoint: awsWire.url,
    ssmPrefix: PREFIX,
    maxAttempts: 3,
    clusters: { prod: { region: REGION, selfManaged: { workers: { asgName: ASG, amiType: AMI_TYPE } } } },
  });
  engine = buildEngine({
    nodeGroups: ng,
    clusterFor: () => kube,
    store,
    clock,
    policy: { isApprover: () => true, allowSelfApproval: true },
    // In simulated time: at 10× these are tenths of real seconds.
    settings: {
      instancePollMs: 1000,
      idleRecheckMs: 2000,
      firstEvictionBackoffMs: 1000,
      maxEvictionBackoffMs: 4000,
      nodeReadyTimeoutMs: 120_000,
      capacityWaitTimeoutMs: 120_000,
    },
    newId: () => 'moto-rolling-1',
  });
  engine.onEvent((e) => events.push(e));
}, 60_000);

afterAll(async () => {
  await engine?.stop();
  await nodes?.stop();
  ng?.destroy();
  ec2?.destroy();
  asgClient?.destroy();
  await kubeWire?.close();
  await api?.close();
  await awsWire?.close();
  await moto?.stop();
  if (amiDir) await rm(amiDir, { recursive: true, force: true });
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe('a whole rolling upgrade: EksNodeGroups on moto, KubeCluster on the simulator, nodes following moto', () => {
  it('starts from nodes that follow moto: one per instance, labelled for the self-managed group, kubelet from the AMI', async () => {
    const listed = await kube.listNodes();
    expect(listed.map((n) => n.instanceId).sort()).toEqual(initialInstances.map((i) => i.id).sort());
    for (const n of listed) {
      expect(n).toMatchObject({ nodegroup: 'workers', ready: true, kubeletVersion: OLD.kubeletVersion });
      expect(n.az).toBe(initialInstances.find((i) => i.id === n.instanceId)!.az);
    }
    expect(podsBefore).toEqual({ 'shop/web': 6, 'shop/api': 4 });
  });

  it('plans from what moto and the cluster say: 1.29 → 1.30, four nodes, the mirrored SSM images', async () => {
    const group = await ng.describeNodegroup(REF);
    expect(group).toMatchObject({ managed: false, version: '1.29', releaseVersion: OLD.releaseVersion, imageId: OLD.imageId, sizes: ORIGINAL });
    // No bake: the health gate's 5 minutes are 30 real seconds at this pace, and not what this file is about.
    run = await engine.requestUpgrade({ ref: REF, version: '1.30', surge: SURGE, drainTimeoutMs: 120_000, bakeMs: 0 }, { user: 'alice', at: clock.now() });
    expect(run.plan).toMatchObject({
      strategy: 'rolling',
      fromVersion: '1.29',
      toVersion: '1.30',
      fromRelease: OLD.releaseVersion,
      toRelease: NEW.releaseVersion,
      toImageId: NEW.imageId,
      surge: SURGE,
      maxUnavailable: 1,
      sizes: ORIGINAL,
    });
    expect(run.plan.nodes.map((n) => n.instanceId).sort()).toEqual(initialInstances.map((i) => i.id).sort());
    expect(run.plan.nodes.reduce((s, n) => s + n.pods, 0)).toBe(10);
  });

  it('runs it to succeeded once approved', async () => {
    await engine.approve(run.id, { user: 'bob', at: clock.now() });
    await until(() => events.some((e) => e.kind === 'phase' && e.phase === 'done'), 'the run to finish', 30_000);
    run = (await store.get(run.id))!;
    expect(run.status, JSON.stringify(run.outcome)).toBe('succeeded');
    // The pods of the last node are still starting on new nodes: let the world settle.
    await until(() => settled(ORIGINAL.desired, NEW), 'the 1.30 nodes to be Ready with every pod running', 10_000);
  });

  it('terminated every old instance exactly once on the wire, two with decrement and two replaced, and nothing else', async () => {
    const terminations = awsWire.calls.filter((c) => c.action === 'TerminateInstanceInAutoScalingGroup');
    expect(terminations.every((c) => c.status === 200)).toBe(true);
    expect(terminations.map((c) => c.params.InstanceId).sort()).toEqual(initialInstances.map((i) => i.id).sort());
    // Each old node is replaced by the group until only `surge` are left; those go with decrement.
    const decrements = terminations.map((c) => c.params.ShouldDecrementDesiredCapacity);
    expect(decrements.filter((d) => d === 'false')).toHaveLength(ORIGINAL.desired - SURGE);
    expect(decrements.filter((d) => d === 'true')).toHaveLength(SURGE);
    // Never by lowering desired: every size change on the wire raises it or puts back the recorded sizes.
    const sizeChanges = awsWire.calls.filter((c) => c.action === 'UpdateAutoScalingGroup' && c.params.DesiredCapacity !== undefined);
    expect(sizeChanges.map((c) => Number(c.params.DesiredCapacity))).toEqual([ORIGINAL.desired + SURGE]);

    const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: initialInstances.map((i) => i.id) }));
    const states = out.Reservations!.flatMap((r) => r.Instances!).map((i) => i.State?.Name);
    expect(states).toEqual(initialInstances.map(() => 'terminated'));
  });

  it('left the group at its recorded sizes, on a new launch-template version with the 1.30 image', async () => {
    const asg = await describeAsg();
    expect({ min: asg.MinSize, max: asg.MaxSize, desired: asg.DesiredCapacity }).toEqual(ORIGINAL);
    expect(asg.SuspendedProcesses).toEqual([]);
    const version = asg.LaunchTemplate!.Version!;
    expect(version).not.toBe('1');
    expect(version).toBe(run.target!.launchTemplateVersion);
    const v = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: asg.LaunchTemplate!.LaunchTemplateId!, Versions: [version] }),
    );
    expect(v.LaunchTemplateVersions![0]).toMatchObject({ VersionDescription: `mngbot:${run.id}`, LaunchTemplateData: { ImageId: NEW.imageId } });
    const members = asg.Instances!;
    expect(members).toHaveLength(ORIGINAL.desired);
    expect(members.every((i) => i.LifecycleState === 'InService')).toBe(true);
    const running = (await groupInstances()).filter((i) => i.state === 'running');
    expect(running.map((i) => i.instanceId).sort()).toEqual(members.map((i) => i.InstanceId).sort());
    expect(running.every((i) => i.imageId === NEW.imageId)).toBe(true);
  });

  it('left every node Ready on 1.30, untainted, schedulable, one per instance, annotations taken back', async () => {
    const asg = await describeAsg();
    const listed = await kube.listNodes();
    expect(listed.map((n) => n.instanceId).sort()).toEqual(asg.Instances!.map((i) => i.InstanceId).sort());
    for (const n of listed) {
      expect(n).toMatchObject({ ready: true, unschedulable: false, taints: [], kubeletVersion: NEW.kubeletVersion, nodegroup: 'workers' });
      expect(n.annotations[SCALE_DOWN_DISABLED]).toBeUndefined();
    }
    const followed = nodes.ledger();
    expect(followed.removed.sort()).toEqual(initialInstances.map((i) => nodes.nodeNameOf(i.id)).sort());
    expect(followed.unknownImages).toEqual([]);
  });

  it('lost no pod, evicted every pod of the old nodes, met the PDB with 429s and never broke it', async () => {
    expect(await readyPodsByDeployment()).toEqual(podsBefore);
    const daemons = (await kube.listPods()).filter((p) => p.owner?.kind === 'DaemonSet' && isUp(p));
    expect(daemons).toHaveLength(ORIGINAL.desired);

    const evictions = kubeWire.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/eviction'));
    const accepted = evictions.filter((c) => c.status === 201).length;
    expect(accepted).toBe(10);
    expect(run.counters).toMatchObject({ podsEvicted: 10, forcedDeletions: 0 });
    // The first old node held four of web's six pods: its budget (maxUnavailable 1) refused the rest until replacements were Ready.
    expect(evictions.filter((c) => c.status === 429).length).toBeGreaterThan(0);
    expect(evictions.every((c) => c.status === 201 || c.status === 429)).toBe(true);
    expect(webHealthyMin).toBeGreaterThanOrEqual(5);

    const ledger = { ...world.ledger(), nodesTerminatedWithPods: nodes.ledger().nodesTerminatedWithPods };
    expect(ledgerProblems(ledger)).toEqual([]);
    expect(ledger.forcedDeletions).toBe(0);
  });
});

describe('where moto falls short (covered against the simulator instead)', () => {
  it('refuses SSM parameters under /aws/, as AWS does: EksNodeGroups reads a mirror through ssmPrefix', async () => {
    const ssm = new SSMClient(sdkConfig(moto.endpoint));
    await expect(
      ssm.send(new PutParameterCommand({ Name: `/aws/service/eks/optimized-ami/1.30/amazon-linux-2023/x86_64/standard/recommended/image_id`, Value: NEW.imageId, Type: 'String' })),
    ).rejects.toThrow(/reserved parameter name/);
    ssm.destroy();
  });

  it('launched the group in one AZ and records no scaling activities: AZ balancing is test/sim/asg.test.ts, NodeCreationFailure test/engine/rolling.test.ts', async () => {
    // AWS spreads the four instances over the three AZs; moto puts a whole launch into one of them.
    expect(new Set(initialInstances.map((i) => i.az)).size).toBe(1);
    expect(await ng.listScalingActivities(REF, 0)).toEqual([]);
  });
});
