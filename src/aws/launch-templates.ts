// Launch-template versions: read one, and create one per token (found again by its description).
import { createHash } from 'node:crypto';
import {
  CreateLaunchTemplateVersionCommand,
  DescribeLaunchTemplateVersionsCommand,
  type EC2Client,
  type LaunchTemplateVersion,
} from '@aws-sdk/client-ec2';
import { awsCall } from './aws-errors.js';

export interface LaunchTemplateVersionInfo {
  id: string;
  /** The version number, resolved from $Latest/$Default. */
  version: string;
  imageId: string;
  instanceType: string;
}

/** The description that marks a version as created by mngbot for a token. */
export function tokenDescription(token: string): string {
  const d = `mngbot:${token}`;
  // Descriptions are at most 255 characters.
  return d.length <= 255 ? d : `mngbot:${createHash('sha256').update(token).digest('hex')}`;
}

/** EC2 client tokens are at most 64 ASCII characters; longer run ids are hashed. */
function clientToken(token: string): string {
  return /^[\x20-\x7e]{1,64}$/.test(token) ? token : createHash('sha256').update(token).digest('hex').slice(0, 64);
}

function info(v: LaunchTemplateVersion, id: string): LaunchTemplateVersionInfo {
  return {
    id,
    version: String(v.VersionNumber ?? ''),
    imageId: v.LaunchTemplateData?.ImageId ?? '',
    instanceType: v.LaunchTemplateData?.InstanceType ?? '',
  };
}

/** One version of a template; "$Latest" and "$Default" resolve to their numbers. */
export async function describeLaunchTemplateVersion(
  ec2: EC2Client,
  id: string,
  version: string,
): Promise<LaunchTemplateVersionInfo> {
  const out = await awsCall(
    { service: 'EC2', operation: 'DescribeLaunchTemplateVersions', resource: `${id} version ${version}` },
    () => ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: id, Versions: [version] })),
  );
  const v = out.LaunchTemplateVersions?.[0];
  if (!v) throw new Error(`EC2 DescribeLaunchTemplateVersions ${id} version ${version}: no such version`);
  return info(v, id);
}

async function findByDescription(ec2: EC2Client, id: string, description: string): Promise<string | undefined> {
  let NextToken: string | undefined;
  do {
    const out = await awsCall(
      { service: 'EC2', operation: 'DescribeLaunchTemplateVersions', resource: id },
      () => ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: id, NextToken, MaxResults: 200 })),
    );
    const hit = out.LaunchTemplateVersions?.find((v) => v.VersionDescription === description);
    if (hit?.VersionNumber !== undefined) return String(hit.VersionNumber);
    NextToken = out.NextToken;
  } while (NextToken);
  return undefined;
}

/**
 * A version of the template that differs from sourceVersion only in its image. Idempotent on token:
 * the version is found again by its description, and EC2's ClientToken covers a create that
 * succeeded but whose answer was lost.
 */
export async function ensureImageVersion(
  ec2: EC2Client,
  id: string,
  sourceVersion: string,
  imageId: string,
  token: string,
): Promise<string> {
  const description = tokenDescription(token);
  const existing = await findByDescription(ec2, id, description);
  if (existing) return existing;
  const out = await awsCall(
    { service: 'EC2', operation: 'CreateLaunchTemplateVersion', resource: `${id} (from version ${sourceVersion}, image ${imageId})` },
    () =>
      ec2.send(
        new CreateLaunchTemplateVersionCommand({
          LaunchTemplateId: id,
          SourceVersion: sourceVersion,
          VersionDescription: description,
          LaunchTemplateData: { ImageId: imageId },
          ClientToken: clientToken(token),
        }),
      ),
  );
  const n = out.LaunchTemplateVersion?.VersionNumber;
  if (n === undefined) throw new Error(`EC2 CreateLaunchTemplateVersion ${id}: no version number returned`);
  return String(n);
}
