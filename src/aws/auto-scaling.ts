// Reading an Auto Scaling group: its launch template, what the template's version says, and the
// image each member runs.
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { UserError } from '../engine/errors.js';
import type { Sizes } from '../engine/ports.js';
import { awsCall } from './aws-errors.js';
import { describeLaunchTemplateVersion } from './launch-templates.js';

/** Filter values per DescribeInstances call. */
const INSTANCE_BATCH = 100;

export interface AsgSummary {
  sizes: Sizes;
  azs: string[];
  suspendedProcesses: string[];
  /** The template and its version number ($Latest/$Default resolved). */
  launchTemplate?: { id: string; version: string };
  imageId: string;
  instanceType: string;
}

/** The group's launch template as the group names it (plain or in a mixed-instances policy). */
export function asgLaunchTemplate(asg: AutoScalingGroup, group: string): { id: string; version: string } {
  const spec = asg.LaunchTemplate ?? asg.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
  if (!spec?.LaunchTemplateId) {
    throw new UserError(
      `Auto Scaling group ${asg.AutoScalingGroupName} of ${group} ` +
        (asg.LaunchConfigurationName
          ? `uses launch configuration ${asg.LaunchConfigurationName}; mngbot needs a launch template`
          : 'has no launch template'),
    );
  }
  return { id: spec.LaunchTemplateId, version: spec.Version ?? '$Default' };
}

/** What the group and its launch-template version say; an absent group gives zeros and blanks. */
export async function asgSummary(ec2: EC2Client, asg: AutoScalingGroup | undefined): Promise<AsgSummary> {
  const spec = asg?.LaunchTemplate ?? asg?.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
  const ltId = spec?.LaunchTemplateId;
  const lt = ltId ? await describeLaunchTemplateVersion(ec2, ltId, spec?.Version ?? '$Default') : undefined;
  return {
    sizes: { min: asg?.MinSize ?? 0, max: asg?.MaxSize ?? 0, desired: asg?.DesiredCapacity ?? 0 },
    azs: [...(asg?.AvailabilityZones ?? [])].sort(),
    suspendedProcesses: (asg?.SuspendedProcesses ?? []).map((p) => p.ProcessName ?? '').filter(Boolean),
    ...(lt ? { launchTemplate: { id: lt.id, version: lt.version } } : {}),
    imageId: lt?.imageId ?? '',
    instanceType: lt?.instanceType || asg?.MixedInstancesPolicy?.LaunchTemplate?.Overrides?.[0]?.InstanceType || '',
  };
}

/** Image id per instance, from EC2; instances EC2 no longer knows are left out. */
export async function instanceImages(ec2: EC2Client, asgName: string, ids: string[]): Promise<Map<string, string>> {
  const images = new Map<string, string>();
  for (let i = 0; i < ids.length; i += INSTANCE_BATCH) {
    const batch = ids.slice(i, i + INSTANCE_BATCH);
    let NextToken: string | undefined;
    do {
      // A filter rather than InstanceIds: an id EC2 has forgotten is skipped instead of failing the call.
      const out = await awsCall(
        { service: 'EC2', operation: 'DescribeInstances', resource: `${batch.length} instances of ${asgName}` },
        () => ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-id', Values: batch }], NextToken })),
      );
      for (const r of out.Reservations ?? []) {
        for (const inst of r.Instances ?? []) if (inst.InstanceId) images.set(inst.InstanceId, inst.ImageId ?? '');
      }
      NextToken = out.NextToken;
    } while (NextToken);
  }
  return images;
}
