// Auto Scaling (awsQuery): the scenario's group as DescribeAutoScalingGroups shows it, and the calls
// that change it. TerminateInstanceInAutoScalingGroup is recorded per instance, accepted or refused.
import { ASG_PROCESSES } from '../scenario.js';
import type { InstanceRec } from '../auto-scaling-group.js';
import type { ScalingActivity, Sizes } from '../../engine/ports.js';
import { ACCOUNT_ID, type CallContext, type Routed } from './call-context.js';
import { QueryParams } from './query-params.js';
import { queryReply } from './query-reply.js';
import { AwsError, fromSimError, type WireReply } from './wire-errors.js';
import type { XmlValue } from './xml.js';

const ACTIONS: Record<string, (p: QueryParams, ctx: CallContext) => WireReply> = {
  DescribeAutoScalingGroups: describeAutoScalingGroups,
  UpdateAutoScalingGroup: updateAutoScalingGroup,
  TerminateInstanceInAutoScalingGroup: terminateInstance,
  SuspendProcesses: (p, ctx) => setProcesses(p, ctx, true),
  ResumeProcesses: (p, ctx) => setProcesses(p, ctx, false),
  DescribeScalingActivities: describeScalingActivities,
};

export function routeAutoScaling(body: string, ctx: CallContext): Routed | undefined {
  const params = new QueryParams(body, 'ValidationError', 'ValidationError');
  const action = params.action;
  const handler = action !== undefined && Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
  return handler && action ? { operation: action, run: () => handler(params, ctx) } : undefined;
}

/** The group when it is the one named (and we are in the world's region). */
function groupNamed(ctx: CallContext, name: string | undefined) {
  const asg = ctx.world.aws.asg;
  return ctx.here && name === asg.name ? asg : undefined;
}

function requireGroup(ctx: CallContext, p: QueryParams) {
  const name = p.require('AutoScalingGroupName');
  const asg = groupNamed(ctx, name);
  if (!asg) throw new AwsError('ValidationError', `AutoScalingGroup name not found - AutoScalingGroup ${name} not found`);
  return asg;
}

function tags(ctx: CallContext): { key: string; value: string }[] {
  const { cluster, nodegroup } = ctx.world.scenario;
  const common = [
    { key: `kubernetes.io/cluster/${cluster.name}`, value: 'owned' },
    { key: `k8s.io/cluster-autoscaler/${cluster.name}`, value: 'owned' },
    { key: 'k8s.io/cluster-autoscaler/enabled', value: 'true' },
  ];
  return nodegroup.managed
    ? [{ key: 'eks:cluster-name', value: cluster.name }, { key: 'eks:nodegroup-name', value: nodegroup.name }, ...common]
    : [
        { key: 'Name', value: `${cluster.name}-${nodegroup.name}-Node` },
        { key: 'alpha.eksctl.io/cluster-name', value: cluster.name },
        { key: 'alpha.eksctl.io/nodegroup-name', value: nodegroup.name },
        ...common,
      ];
}

function groupXml(ctx: CallContext): XmlValue {
  const { asg } = ctx.world.aws;
  const { scenario } = ctx.world;
  const lt = asg.launchTemplate;
  const spec = (version: string) => ({ LaunchTemplateId: lt.id, LaunchTemplateName: lt.name, Version: version });
  return {
    AutoScalingGroupName: asg.name,
    AutoScalingGroupARN: `arn:aws:autoscaling:${scenario.cluster.region}:${ACCOUNT_ID}:autoScalingGroup:${asg.name.length}:autoScalingGroupName/${asg.name}`,
    LaunchTemplate: spec(asg.ltVersion),
    MinSize: asg.sizes.min,
    MaxSize: asg.sizes.max,
    DesiredCapacity: asg.sizes.desired,
    DefaultCooldown: 300,
    AvailabilityZones: [...asg.azs],
    LoadBalancerNames: [],
    TargetGroupARNs: [],
    HealthCheckType: 'EC2',
    HealthCheckGracePeriod: 15,
    Instances: [...asg.instances.values()].map((i: InstanceRec) => ({
      InstanceId: i.id,
      InstanceType: scenario.nodegroup.instanceType,
      AvailabilityZone: i.az,
      LifecycleState: i.state,
      HealthStatus: 'Healthy',
      LaunchTemplate: spec(i.ltVersion),
      ProtectedFromScaleIn: false,
    })),
    CreatedTime: new Date(lt.versions[0].createdAt),
    SuspendedProcesses: [...asg.suspended].map((p) => ({ ProcessName: p, SuspensionReason: 'User suspended' })),
    EnabledMetrics: [],
    Tags: tags(ctx).map((t) => ({ ResourceId: asg.name, ResourceType: 'auto-scaling-group', Key: t.key, Value: t.value, PropagateAtLaunch: true })),
    TerminationPolicies: ['Default'],
    NewInstancesProtectedFromScaleIn: false,
    ServiceLinkedRoleARN: `arn:aws:iam::${ACCOUNT_ID}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
    CapacityRebalance: false,
  };
}

function describeAutoScalingGroups(p: QueryParams, ctx: CallContext): WireReply {
  const names = p.list('AutoScalingGroupNames.member');
  p.int('MaxRecords', 1, 100);
  const asg = ctx.world.aws.asg;
  let found = ctx.here && (names.length === 0 || names.includes(asg.name));
  for (const f of p.queryFilters()) {
    const tagList = tags(ctx);
    if (f.name.startsWith('tag:')) found &&= tagList.some((t) => t.key === f.name.slice(4) && f.values.includes(t.value));
    else if (f.name === 'tag-key') found &&= tagList.some((t) => f.values.includes(t.key));
    else if (f.name === 'tag-value') found &&= tagList.some((t) => f.values.includes(t.value));
    else throw new AwsError('ValidationError', `Filter type ${f.name} is not correct. Allowed Filter types are: tag-key tag-value tag:<key>`);
  }
  return queryReply('autoscaling', 'DescribeAutoScalingGroups', ctx.requestId, { AutoScalingGroups: found ? [groupXml(ctx)] : [] });
}

function updateAutoScalingGroup(p: QueryParams, ctx: CallContext): WireReply {
  const asg = requireGroup(ctx, p);
  const ltId = p.get('LaunchTemplate.LaunchTemplateId') ?? p.get('MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification.LaunchTemplateId');
  const ltName = p.get('LaunchTemplate.LaunchTemplateName') ?? p.get('MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification.LaunchTemplateName');
  const ltVersion = p.get('LaunchTemplate.Version') ?? p.get('MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification.Version');
  const sizes: Partial<Sizes> = {};
  for (const [param, key] of [['MinSize', 'min'], ['MaxSize', 'max'], ['DesiredCapacity', 'desired']] as const) {
    const n = p.int(param, 0);
    if (n !== undefined) sizes[key] = n;
  }
  try {
    if (ltId !== undefined || ltName !== undefined || ltVersion !== undefined) {
      const lt = asg.launchTemplate;
      if ((ltId !== undefined && ltId !== lt.id) || (ltName !== undefined && ltName !== lt.name)) {
        throw new AwsError('ValidationError', `You must use a valid fully-formed launch template. The specified launch template ${ltId ?? ltName} does not exist.`);
      }
      // $Latest and $Default are resolved now: the simulated group records the number it launches from.
      asg.useLaunchTemplateVersion(ltVersion ?? '$Default');
    }
    if (Object.keys(sizes).length > 0) asg.setSizes(sizes);
  } catch (err) {
    throw fromSimError(err, 'ValidationError');
  }
  return queryReply('autoscaling', 'UpdateAutoScalingGroup', ctx.requestId);
}

function terminateInstance(p: QueryParams, ctx: CallContext): WireReply {
  const id = p.require('InstanceId');
  const decrement = p.bool('ShouldDecrementDesiredCapacity');
  if (decrement === undefined) throw new AwsError('ValidationError', 'The request must contain the parameter ShouldDecrementDesiredCapacity');
  const asg = ctx.world.aws.asg;
  if (!ctx.here) throw new AwsError('ValidationError', `Instance Id not found - No managed instance found for instance ID: ${id}`);
  let activity: ScalingActivity;
  try {
    activity = asg.requestTermination(id, decrement);
  } catch (err) {
    const member = asg.instances.get(id);
    // AWS's wording for an instance that is not (or no longer) in any group.
    if (!member) throw new AwsError('ValidationError', `Instance Id not found - No managed instance found for instance ID: ${id}`);
    throw fromSimError(err, 'ValidationError');
  }
  return queryReply('autoscaling', 'TerminateInstanceInAutoScalingGroup', ctx.requestId, { Activity: activityXml(ctx, activity) });
}

function setProcesses(p: QueryParams, ctx: CallContext, suspend: boolean): WireReply {
  const asg = requireGroup(ctx, p);
  const named = p.list('ScalingProcesses.member');
  // No list means every process.
  const processes = named.length > 0 ? named : [...ASG_PROCESSES];
  try {
    asg.setProcesses(processes, suspend);
  } catch (err) {
    throw fromSimError(err, 'ValidationError');
  }
  return queryReply('autoscaling', suspend ? 'SuspendProcesses' : 'ResumeProcesses', ctx.requestId);
}

function describeScalingActivities(p: QueryParams, ctx: CallContext): WireReply {
  const name = p.get('AutoScalingGroupName');
  const size = p.int('MaxRecords', 1, 100) ?? 100;
  const ids = p.list('ActivityIds.member');
  const asg = ctx.world.aws.asg;
  const mine = ctx.here && (name === undefined || name === asg.name);
  let oldestFirst = mine ? asg.activitiesSince(0) : [];
  if (ids.length > 0) oldestFirst = oldestFirst.filter((a) => ids.includes(a.id));
  // Newest first, as AWS lists them. The token counts from the oldest end, so activities that
  // begin while a caller pages do not shift the pages it has yet to read.
  const token = p.get('NextToken');
  let end = oldestFirst.length;
  if (token !== undefined) {
    const m = /^before:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
    if (!m || Number(m[1]) > oldestFirst.length) throw new AwsError('ValidationError', 'Invalid NextToken');
    end = Number(m[1]);
  }
  const start = Math.max(0, end - size);
  const page = oldestFirst.slice(start, end).reverse();
  return queryReply('autoscaling', 'DescribeScalingActivities', ctx.requestId, {
    Activities: page.map((a) => activityXml(ctx, a)),
    NextToken: start > 0 ? Buffer.from(`before:${start}`).toString('base64url') : undefined,
  });
}

function activityXml(ctx: CallContext, a: ScalingActivity): XmlValue {
  const { asg } = ctx.world.aws;
  // The simulator keeps the cause in the description's parentheses; AWS has a field for it.
  const cause = /\((.*)\)$/.exec(a.description)?.[1];
  return {
    ActivityId: a.id,
    AutoScalingGroupName: asg.name,
    Description: a.description,
    Cause: `At ${new Date(a.at).toISOString()} ${cause ?? 'a user request changed the group'}.`,
    StartTime: new Date(a.at),
    StatusCode: a.status,
    Progress: a.status === 'InProgress' ? 50 : 100,
    Details: JSON.stringify({ 'Availability Zone': a.instanceId ? (asg.find(a.instanceId)?.az ?? '') : '' }),
  };
}
