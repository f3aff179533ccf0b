// EC2 (ec2Query): the group's instances, its launch template's versions and the catalog's images.
import type { InstanceRec, LifecycleState } from '../auto-scaling-group.js';
import { imageById } from '../images.js';
import type { LtVersion } from '../launch-template.js';
import { stableHex } from '../rng.js';
import { ACCOUNT_ID, type CallContext, type Routed } from './call-context.js';
import { globMatch, pageOf, QueryParams, type Filter } from './query-params.js';
import { ec2Reply } from './query-reply.js';
import { catalogImages, EKS_AMI_OWNER, publishedImage } from './published-images.js';
import { AwsError, fromSimError, type WireReply } from './wire-errors.js';
import type { XmlValue } from './xml.js';

const ACTIONS: Record<string, (p: QueryParams, ctx: CallContext) => WireReply> = {
  DescribeInstances: describeInstances,
  DescribeLaunchTemplateVersions: describeLaunchTemplateVersions,
  CreateLaunchTemplateVersion: createLaunchTemplateVersion,
  DescribeImages: describeImages,
};

export function routeEc2(body: string, ctx: CallContext): Routed | undefined {
  const params = new QueryParams(body, 'InvalidParameterValue', 'MissingParameter');
  const action = params.action;
  const handler = action !== undefined && Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
  return handler && action ? { operation: action, run: () => handler(params, ctx) } : undefined;
}

const EC2_STATE: Record<LifecycleState, { code: number; name: string }> = {
  Pending: { code: 0, name: 'pending' },
  InService: { code: 16, name: 'running' },
  Terminating: { code: 32, name: 'shutting-down' },
  Terminated: { code: 48, name: 'terminated' },
};

function instanceTags(ctx: CallContext): Record<string, string> {
  const { cluster, nodegroup } = ctx.world.scenario;
  const asg = ctx.world.aws.asg;
  return {
    'aws:autoscaling:groupName': asg.name,
    [`kubernetes.io/cluster/${cluster.name}`]: 'owned',
    ...(nodegroup.managed
      ? { 'eks:cluster-name': cluster.name, 'eks:nodegroup-name': nodegroup.name }
      : { Name: `${cluster.name}-${nodegroup.name}-Node`, 'alpha.eksctl.io/cluster-name': cluster.name, 'alpha.eksctl.io/nodegroup-name': nodegroup.name }),
  };
}

function matches(i: InstanceRec, f: Filter, tags: Record<string, string>): boolean {
  const any = (text: string | undefined) => text !== undefined && f.values.some((v) => globMatch(v, text));
  switch (f.name) {
    case 'instance-id':
      return any(i.id);
    case 'instance-state-name':
      return any(EC2_STATE[i.state].name);
    case 'availability-zone':
      return any(i.az);
    case 'image-id':
      return any(i.imageId);
    case 'private-dns-name':
      return any(i.nodeName);
    case 'tag-key':
      return Object.keys(tags).some((k) => any(k));
    default:
      if (f.name.startsWith('tag:')) return any(tags[f.name.slice(4)]);
      throw new AwsError('InvalidParameterValue', `The filter '${f.name}' is invalid`);
  }
}

function describeInstances(p: QueryParams, ctx: CallContext): WireReply {
  const ids = p.list('InstanceId');
  const filters = p.ec2Filters();
  const max = p.int('MaxResults', 5, 1000);
  if (max !== undefined && ids.length > 0) {
    throw new AwsError('InvalidParameterCombination', 'The parameter instancesSet cannot be used with the parameter maxResults');
  }
  const asg = ctx.world.aws.asg;
  for (const id of ids) {
    if (!/^i-[0-9a-f]{8,17}$/.test(id)) throw new AwsError('InvalidInstanceID.Malformed', `Invalid id: "${id}"`);
  }
  const missing = ids.filter((id) => !ctx.here || !asg.find(id));
  if (missing.length > 0) {
    throw new AwsError('InvalidInstanceID.NotFound', `The instance ID${missing.length > 1 ? 's' : ''} '${missing.join(', ')}' do${missing.length > 1 ? '' : 'es'} not exist`);
  }
  const tags = instanceTags(ctx);
  const known = ctx.here ? asg.allInstances() : [];
  const chosen = known.filter((i) => (ids.length === 0 || ids.includes(i.id)) && filters.every((f) => matches(i, f, tags)));
  const { page, next } = pageOf(chosen, p.get('NextToken'), max ?? Math.max(1, chosen.length), new AwsError('InvalidParameterValue', 'Invalid NextToken'));
  return ec2Reply('DescribeInstances', ctx.requestId, {
    reservationSet: page.map((i) => ({
      reservationId: `r-0${stableHex(`${i.id}/reservation`, 16)}`,
      ownerId: ACCOUNT_ID,
      groupSet: [],
      instancesSet: [instanceXml(ctx, i, tags)],
    })),
    nextToken: next,
  });
}

function instanceXml(ctx: CallContext, i: InstanceRec, tags: Record<string, string>): XmlValue {
  const ng = ctx.world.scenario.nodegroup;
  const lt = ctx.world.aws.asg.launchTemplate;
  const gone = i.state === 'Terminated';
  return {
    instanceId: i.id,
    imageId: i.imageId,
    instanceState: EC2_STATE[i.state],
    privateDnsName: gone ? '' : i.nodeName,
    dnsName: '',
    instanceType: ng.instanceType,
    launchTime: new Date(i.launchedAt),
    placement: { availabilityZone: i.az, tenancy: 'default' },
    privateIpAddress: gone ? undefined : i.privateIp,
    architecture: ng.amiType.includes('ARM') ? 'arm64' : 'x86_64',
    rootDeviceType: 'ebs',
    rootDeviceName: '/dev/xvda',
    virtualizationType: 'hvm',
    hypervisor: 'xen',
    tagSet: Object.entries({ ...tags, 'aws:ec2launchtemplate:id': lt.id, 'aws:ec2launchtemplate:version': i.ltVersion }).map(([key, value]) => ({ key, value })),
  };
}

function requireTemplate(p: QueryParams, ctx: CallContext) {
  const id = p.get('LaunchTemplateId');
  const name = p.get('LaunchTemplateName');
  if (id === undefined && name === undefined) throw new AwsError('MissingParameter', 'The request must contain the parameter LaunchTemplateId or LaunchTemplateName');
  const lt = ctx.world.aws.asg.launchTemplate;
  if (!ctx.here || (id !== undefined && id !== lt.id) || (name !== undefined && name !== lt.name)) {
    if (id !== undefined) throw new AwsError('InvalidLaunchTemplateId.NotFound', `The specified launch template, with template ID ${id}, does not exist.`);
    throw new AwsError('InvalidLaunchTemplateName.NotFoundException', `The specified launch template, with template name ${name}, does not exist.`);
  }
  return lt;
}

function describeLaunchTemplateVersions(p: QueryParams, ctx: CallContext): WireReply {
  const lt = requireTemplate(p, ctx);
  const asked = p.list('LaunchTemplateVersion');
  const max = p.int('MaxResults', 1, 200);
  const min = p.int('MinVersion', 1);
  const maxVersion = p.int('MaxVersion', 1);
  let versions: LtVersion[];
  if (asked.length > 0) {
    versions = asked.map((v) => {
      const found = lt.version(v);
      if (!found) throw new AwsError('InvalidLaunchTemplateId.VersionNotFound', `Could not find launch template version ${v} for launch template ${lt.id}.`);
      return found;
    });
  } else {
    versions = lt.versions.filter((v) => (min === undefined || v.number >= min) && (maxVersion === undefined || v.number <= maxVersion));
  }
  const { page, next } = pageOf(versions, p.get('NextToken'), max ?? Math.max(1, versions.length), new AwsError('InvalidParameterValue', 'Invalid NextToken'));
  return ec2Reply('DescribeLaunchTemplateVersions', ctx.requestId, {
    launchTemplateVersionSet: page.map((v) => versionXml(ctx, v)),
    nextToken: next,
  });
}

function versionXml(ctx: CallContext, v: LtVersion): XmlValue {
  const lt = ctx.world.aws.asg.launchTemplate;
  return {
    launchTemplateId: lt.id,
    launchTemplateName: lt.name,
    versionNumber: v.number,
    versionDescription: v.description,
    createTime: new Date(v.createdAt),
    createdBy: `arn:aws:iam::${ACCOUNT_ID}:root`,
    defaultVersion: v.number === 1,
    launchTemplateData: { imageId: v.imageId, instanceType: ctx.world.scenario.nodegroup.instanceType },
  };
}

function createLaunchTemplateVersion(p: QueryParams, ctx: CallContext): WireReply {
  const lt = requireTemplate(p, ctx);
  const sourceVersion = p.get('SourceVersion');
  const source = sourceVersion === undefined ? undefined : lt.version(sourceVersion);
  if (sourceVersion !== undefined && !source) {
    throw new AwsError('InvalidLaunchTemplateId.VersionNotFound', `Could not find launch template version ${sourceVersion} for launch template ${lt.id}.`);
  }
  // Only the image can change here: every other field of the group's template stays as the source has it.
  const imageId = p.get('LaunchTemplateData.ImageId') ?? source?.imageId;
  if (imageId === undefined) throw new AwsError('MissingParameter', 'The request must contain the parameter LaunchTemplateData.ImageId');
  const clientToken = p.get('ClientToken');
  if (clientToken !== undefined && !/^[\x20-\x7e]{1,64}$/.test(clientToken)) {
    throw new AwsError('InvalidParameterValue', 'ClientToken must be at most 64 ASCII characters');
  }
  const description = p.get('VersionDescription') ?? '';
  if (description.length > 255) throw new AwsError('InvalidParameterValue', 'VersionDescription must be at most 255 characters');
  let made: LtVersion;
  try {
    made = lt.createVersion({ imageId, description, createdAt: ctx.world.clock.now(), ...(clientToken !== undefined ? { clientToken } : {}) });
  } catch (err) {
    throw fromSimError(err, 'InvalidParameterValue');
  }
  return ec2Reply('CreateLaunchTemplateVersion', ctx.requestId, { launchTemplateVersion: versionXml(ctx, made) });
}

function describeImages(p: QueryParams, ctx: CallContext): WireReply {
  const ids = p.list('ImageId');
  const owners = p.list('Owner');
  const filters = p.ec2Filters();
  for (const id of ids) if (!/^ami-[0-9a-f]{8,17}$/.test(id)) throw new AwsError('InvalidAMIID.Malformed', `Invalid id: "${id}"`);
  const missing = ids.filter((id) => !imageById(id));
  if (missing.length > 0) throw new AwsError('InvalidAMIID.NotFound', `The image id '[${missing.join(', ')}]' does not exist`);
  const amiType = ctx.world.scenario.nodegroup.amiType;
  const images = (ids.length > 0 ? ids.map((id) => imageById(id)!) : catalogImages()).map((img) => ({ img, pub: publishedImage(img, amiType) }));
  const ownerOk = owners.length === 0 || owners.some((o) => o === EKS_AMI_OWNER || o === 'amazon');
  const chosen = images.filter(({ img, pub }) =>
    ownerOk &&
    filters.every((f) => {
      const any = (text: string) => f.values.some((v) => globMatch(v, text));
      if (f.name === 'name') return any(pub.name);
      if (f.name === 'image-id') return any(img.imageId);
      if (f.name === 'architecture') return any(pub.architecture);
      if (f.name === 'owner-id') return any(EKS_AMI_OWNER);
      if (f.name === 'state') return any('available');
      throw new AwsError('InvalidParameterValue', `The filter '${f.name}' is invalid`);
    }),
  );
  return ec2Reply('DescribeImages', ctx.requestId, {
    imagesSet: chosen.map(({ img, pub }) => ({
      imageId: img.imageId,
      imageLocation: `amazon/${pub.name}`,
      imageState: 'available',
      imageOwnerId: EKS_AMI_OWNER,
      imageOwnerAlias: 'amazon',
      creationDate: new Date(`${releaseDay(img.releaseVersion)}T00:00:00.000Z`),
      isPublic: true,
      architecture: pub.architecture,
      imageType: 'machine',
      name: pub.name,
      description: pub.description,
      rootDeviceType: 'ebs',
      rootDeviceName: '/dev/xvda',
      virtualizationType: 'hvm',
      hypervisor: 'xen',
      platformDetails: 'Linux/UNIX',
    })),
  });
}

/** 1.29.3-20240531 → 2024-05-31 */
function releaseDay(releaseVersion: string): string {
  const d = releaseVersion.split('-')[1] ?? '20200101';
  return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
}
