// EKS (restJson1): DescribeCluster, ListNodegroups, DescribeNodegroup, UpdateNodegroupVersion and
// DescribeUpdate over the world's cluster and, when the scenario's group is managed, its node group.
// A self-managed group is unknown to EKS, as on AWS. UpdateNodegroupVersion drives the simulator's own
// EKS update (eks-update.ts) and is idempotent on clientRequestToken.
import { randomUUID } from 'node:crypto';
import type { EksUpdate } from '../eks-update.js';
import { stableHex } from '../rng.js';
import { ACCOUNT_ID, type CallContext, type Routed } from './call-context.js';
import { AwsError, fromSimError, type WireReply } from './wire-errors.js';

export interface RestRequest {
  method: string;
  /** Decoded path segments. */
  parts: string[];
  query: URLSearchParams;
  body: string;
}

const STATUS_OF: Record<string, number> = {
  ResourceNotFoundException: 404,
  ResourceInUseException: 409,
  InvalidParameterException: 400,
  InvalidRequestException: 400,
  ClientException: 400,
};

const DAY_MS = 86_400_000;

export function routeEks(req: RestRequest, ctx: CallContext): Routed | undefined {
  const [root, cluster, sub, name, action] = req.parts;
  if (root !== 'clusters' || cluster === undefined) return undefined;
  const n = req.parts.length;
  if (req.method === 'GET' && n === 2) return { operation: 'DescribeCluster', run: () => describeCluster(ctx, cluster) };
  if (req.method === 'GET' && n === 3 && sub === 'node-groups') return { operation: 'ListNodegroups', run: () => listNodegroups(ctx, cluster, req.query) };
  if (req.method === 'GET' && n === 4 && sub === 'node-groups') return { operation: 'DescribeNodegroup', run: () => describeNodegroup(ctx, cluster, name) };
  if (req.method === 'POST' && n === 5 && sub === 'node-groups' && action === 'update-version') {
    return { operation: 'UpdateNodegroupVersion', run: () => updateNodegroupVersion(ctx, cluster, name, req.body) };
  }
  if (req.method === 'POST' && n === 5 && sub === 'node-groups' && action === 'update-config') {
    return { operation: 'UpdateNodegroupConfig', run: () => updateNodegroupConfig(ctx, cluster, name, req.body) };
  }
  if (req.method === 'GET' && n === 4 && sub === 'updates') return { operation: 'DescribeUpdate', run: () => describeUpdate(ctx, cluster, name, req.query) };
  return undefined;
}

function ok(body: unknown): WireReply {
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** EKS's timestamps in JSON: seconds since the epoch. */
const seconds = (ms: number) => ms / 1000;

function requireCluster(ctx: CallContext, name: string): void {
  if (!ctx.here || name !== ctx.world.scenario.cluster.name) {
    throw new AwsError('ResourceNotFoundException', `No cluster found for name: ${name}.`, 404, { clusterName: name });
  }
}

/** The scenario's group as EKS knows it: only a managed one. */
function requireNodegroup(ctx: CallContext, cluster: string, name: string): void {
  requireCluster(ctx, cluster);
  const ng = ctx.world.scenario.nodegroup;
  if (!ng.managed || name !== ng.name) {
    throw new AwsError('ResourceNotFoundException', `No node group found for name: ${name}.`, 404, { clusterName: cluster, nodegroupName: name });
  }
}

/** The group's launch template was made 30 days before the world began: the cluster and group a little earlier. */
function groupCreatedAt(ctx: CallContext): number {
  return ctx.world.aws.asg.launchTemplate.versions[0].createdAt;
}

function describeCluster(ctx: CallContext, name: string): WireReply {
  requireCluster(ctx, name);
  const { cluster } = ctx.world.scenario;
  const vpc = `vpc-0${stableHex(`${cluster.name}/vpc`, 16)}`;
  return ok({
    cluster: {
      name: cluster.name,
      arn: `arn:aws:eks:${cluster.region}:${ACCOUNT_ID}:cluster/${cluster.name}`,
      createdAt: seconds(groupCreatedAt(ctx) - 60 * DAY_MS),
      version: cluster.version,
      // The simulated API server: plain HTTP on 127.0.0.1 (clients skip TLS verification for http://).
      endpoint: ctx.kubeUrl ?? `https://${stableHex(cluster.name, 32).toUpperCase()}.gr7.${cluster.region}.eks.amazonaws.com`,
      roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/${cluster.name}-cluster-role`,
      resourcesVpcConfig: {
        subnetIds: ctx.world.scenario.nodegroup.azs.map((az) => `subnet-0${stableHex(`${cluster.name}/${az}`, 16)}`),
        securityGroupIds: [],
        clusterSecurityGroupId: `sg-0${stableHex(`${cluster.name}/cluster-sg`, 16)}`,
        vpcId: vpc,
        endpointPublicAccess: true,
        endpointPrivateAccess: false,
        publicAccessCidrs: ['0.0.0.0/0'],
      },
      kubernetesNetworkConfig: { serviceIpv4Cidr: '172.20.0.0/16', ipFamily: 'ipv4' },
      status: 'ACTIVE',
      certificateAuthority: { data: fakeCaData(cluster.name) },
      platformVersion: 'eks.1',
      tags: {},
      accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' },
    },
  });
}

/** A certificate-shaped placeholder: nothing verifies it, as the simulated API server speaks plain HTTP. */
function fakeCaData(cluster: string): string {
  const body = Buffer.from(`simulated certificate authority of ${cluster} ${stableHex(cluster, 64)}`).toString('base64');
  return Buffer.from(`-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`).toString('base64');
}

function listNodegroups(ctx: CallContext, cluster: string, query: URLSearchParams): WireReply {
  requireCluster(ctx, cluster);
  const max = query.get('maxResults');
  if (max !== null && !(/^\d+$/.test(max) && Number(max) >= 1 && Number(max) <= 100)) {
    throw new AwsError('InvalidParameterException', `maxResults must be from 1 to 100, got ${max}`, 400, { clusterName: cluster });
  }
  const ng = ctx.world.scenario.nodegroup;
  return ok({ nodegroups: ng.managed ? [ng.name] : [], nextToken: null });
}

function describeNodegroup(ctx: CallContext, cluster: string, name: string): WireReply {
  requireNodegroup(ctx, cluster, name);
  const { scenario, aws } = ctx.world;
  const ng = scenario.nodegroup;
  const { asg, managedGroup: group } = aws;
  const lt = asg.launchTemplate;
  const created = groupCreatedAt(ctx);
  return ok({
    nodegroup: {
      nodegroupName: ng.name,
      nodegroupArn: `arn:aws:eks:${scenario.cluster.region}:${ACCOUNT_ID}:nodegroup/${cluster}/${ng.name}/${stableHex(`${cluster}/${ng.name}`, 32)}`,
      clusterName: cluster,
      version: group.version,
      releaseVersion: group.releaseVersion,
      createdAt: seconds(created),
      modifiedAt: seconds(created),
      status: group.status,
      capacityType: 'ON_DEMAND',
      scalingConfig: { minSize: asg.sizes.min, maxSize: asg.sizes.max, desiredSize: asg.sizes.desired },
      instanceTypes: [ng.instanceType],
      subnets: ng.azs.map((az) => `subnet-0${stableHex(`${cluster}/${az}`, 16)}`),
      amiType: ng.amiType,
      nodeRole: `arn:aws:iam::${ACCOUNT_ID}:role/${cluster}-${ng.name}-node-role`,
      labels: {},
      taints: [],
      resources: { autoScalingGroups: [{ name: asg.name }] },
      health: { issues: [] },
      updateConfig: { maxUnavailable: ng.maxUnavailable, updateStrategy: group.updateStrategy },
      launchTemplate: { name: lt.name, version: asg.ltVersion, id: lt.id },
      tags: {},
    },
  });
}

function updateNodegroupVersion(ctx: CallContext, cluster: string, name: string, body: string): WireReply {
  requireNodegroup(ctx, cluster, name);
  const input = jsonObject(body);
  const text = (key: string): string | undefined => {
    const v = input[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw new AwsError('InvalidParameterException', `${key} must be a string`, 400, { clusterName: cluster, nodegroupName: name });
    return v;
  };
  const force = input.force ?? false;
  if (typeof force !== 'boolean') throw new AwsError('InvalidParameterException', 'force must be a boolean', 400);
  if (input.launchTemplate !== undefined && input.launchTemplate !== null) {
    throw new AwsError('InvalidParameterException', `Nodegroup ${name} was not created with a launch template of yours: launchTemplate cannot be given.`, 400, {
      clusterName: cluster,
      nodegroupName: name,
    });
  }
  const version = text('version');
  const releaseVersion = text('releaseVersion');
  // The SDK fills clientRequestToken itself when the caller gives none; a raw request may not.
  const token = text('clientRequestToken') ?? randomUUID();
  let update: EksUpdate;
  try {
    update = ctx.world.nodeGroups.requestVersionUpdate({
      ...(version !== undefined ? { version } : {}),
      ...(releaseVersion !== undefined ? { releaseVersion } : {}),
      force,
      token,
    });
  } catch (err) {
    throw eksError(err, { clusterName: cluster, nodegroupName: name });
  }
  return ok({ update: updateObject(update) });
}

/** Only updateConfig.updateStrategy is honoured; the simulated group's maxUnavailable is the scenario's. */
function updateNodegroupConfig(ctx: CallContext, cluster: string, name: string, body: string): WireReply {
  requireNodegroup(ctx, cluster, name);
  const input = jsonObject(body);
  const config = input.updateConfig;
  const strategy = typeof config === 'object' && config !== null ? (config as Record<string, unknown>).updateStrategy : undefined;
  if (strategy !== 'DEFAULT' && strategy !== 'MINIMAL') {
    throw new AwsError('InvalidParameterException', 'updateConfig.updateStrategy must be DEFAULT or MINIMAL (the simulated EKS changes nothing else)', 400, {
      clusterName: cluster,
      nodegroupName: name,
    });
  }
  const token = typeof input.clientRequestToken === 'string' ? input.clientRequestToken : randomUUID();
  let update: { id: string; createdAt: number };
  try {
    update = ctx.world.nodeGroups.requestConfigUpdate({ updateStrategy: strategy, token });
  } catch (err) {
    throw eksError(err, { clusterName: cluster, nodegroupName: name });
  }
  return ok({
    update: {
      id: update.id,
      status: 'Successful',
      type: 'ConfigUpdate',
      params: [{ type: 'UpdateStrategy', value: strategy }],
      createdAt: seconds(update.createdAt),
      errors: [],
    },
  });
}

function describeUpdate(ctx: CallContext, cluster: string, updateId: string, query: URLSearchParams): WireReply {
  const nodegroup = query.get('nodegroupName');
  if (nodegroup !== null) requireNodegroup(ctx, cluster, nodegroup);
  else requireCluster(ctx, cluster);
  const update = nodegroup === null ? undefined : ctx.world.nodeGroups.update(updateId);
  if (!update) throw new AwsError('ResourceNotFoundException', `No update found for ID: ${updateId}.`, 404, { clusterName: cluster });
  return ok({ update: updateObject(update) });
}

function updateObject(u: EksUpdate) {
  return {
    id: u.info.id,
    status: u.info.status,
    type: 'VersionUpdate',
    params: [
      { type: 'Version', value: u.target.version },
      { type: 'ReleaseVersion', value: u.target.releaseVersion },
    ],
    createdAt: seconds(u.createdAt),
    errors: u.info.errors.map((e) => ({ errorCode: e.code, errorMessage: e.message, resourceIds: e.resourceIds })),
  };
}

function jsonObject(body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new AwsError('InvalidParameterException', 'The request body is not valid JSON', 400);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new AwsError('InvalidParameterException', 'The request body must be a JSON object', 400);
  return parsed as Record<string, unknown>;
}

function eksError(err: unknown, fields: Record<string, string>): AwsError {
  const e = fromSimError(err, 'InvalidParameterException');
  return new AwsError(e.code, e.message, STATUS_OF[e.code] ?? e.status, fields);
}
