// EKS-optimized images: which SSM public parameters name them, and what an image's name says about it.
// Paths as documented in the EKS user guide ("Retrieve recommended Amazon Linux AMI IDs",
// "Retrieve recommended Bottlerocket AMI IDs").
import { GetParametersByPathCommand, GetParametersCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { DescribeImagesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { AmiFamily, ImageRelease, PublishedRelease } from '../engine/ports.js';
import { RetryableError, UserError } from '../engine/errors.js';
import { awsCall } from './aws-errors.js';

export const DEFAULT_SSM_PREFIX = '/aws/service';

/** Where an amiType's images are published. */
export interface ImageSource {
  family: AmiFamily;
  /** AL2/AL2023: the path segment after the version, e.g. "amazon-linux-2023/x86_64/standard". */
  alPath?: string;
  /** AL2/AL2023: the AMI name before "<version>-v<date>", e.g. "amazon-eks-node-al2023-x86_64-standard-". */
  alNamePrefix?: string;
  /** Bottlerocket: variant suffix ("", "-nvidia", "-fips") and architecture ("x86_64", "arm64"). */
  brFlavor?: string;
  brArch?: string;
}

const AL2 = (path: string, namePrefix: string): ImageSource => ({ family: 'AL2', alPath: path, alNamePrefix: namePrefix });
const AL2023 = (arch: string, variant: string): ImageSource => ({
  family: 'AL2023',
  alPath: `amazon-linux-2023/${arch}/${variant}`,
  alNamePrefix: `amazon-eks-node-al2023-${arch}-${variant}-`,
});
const BR = (arch: string, flavor = ''): ImageSource => ({ family: 'BOTTLEROCKET', brArch: arch, brFlavor: flavor });

/** EKS amiType → where its images live. Anything else (CUSTOM, Windows) has no resolvable image. */
const SOURCES: Record<string, ImageSource> = {
  AL2_x86_64: AL2('amazon-linux-2', 'amazon-eks-node-'),
  AL2_x86_64_GPU: AL2('amazon-linux-2-gpu', 'amazon-eks-gpu-node-'),
  AL2_ARM_64: AL2('amazon-linux-2-arm64', 'amazon-eks-arm64-node-'),
  AL2023_x86_64_STANDARD: AL2023('x86_64', 'standard'),
  AL2023_ARM_64_STANDARD: AL2023('arm64', 'standard'),
  AL2023_x86_64_NVIDIA: AL2023('x86_64', 'nvidia'),
  AL2023_ARM_64_NVIDIA: AL2023('arm64', 'nvidia'),
  AL2023_x86_64_NEURON: AL2023('x86_64', 'neuron'),
  BOTTLEROCKET_x86_64: BR('x86_64'),
  BOTTLEROCKET_ARM_64: BR('arm64'),
  BOTTLEROCKET_x86_64_NVIDIA: BR('x86_64', '-nvidia'),
  BOTTLEROCKET_ARM_64_NVIDIA: BR('arm64', '-nvidia'),
  BOTTLEROCKET_x86_64_FIPS: BR('x86_64', '-fips'),
  BOTTLEROCKET_ARM_64_FIPS: BR('arm64', '-fips'),
};

export function imageSource(amiType: string): ImageSource | undefined {
  return SOURCES[amiType];
}

export function amiFamily(amiType: string): AmiFamily {
  return SOURCES[amiType]?.family ?? 'CUSTOM';
}

/** The last Kubernetes minor EKS publishes Amazon Linux 2 images for. */
export const AL2_LAST_VERSION = '1.32';

function minorOf(version: string): number {
  const m = /^v?(\d+)\.(\d+)/.exec(version);
  if (!m) throw new UserError(`"${version}" is not a Kubernetes version: expected major.minor, e.g. 1.31`);
  return Number(m[1]) * 1000 + Number(m[2]);
}

function majorMinor(version: string): string {
  const m = /^v?(\d+)\.(\d+)/.exec(version);
  return m ? `${m[1]}.${m[2]}` : version;
}

/** The date part of an Amazon Linux release version: "1.29.3-20240531", "v20240531" or "20240531". */
function releaseDate(releaseVersion: string): string | undefined {
  return /(?:^|[-v])(\d{8})$/.exec(releaseVersion)?.[1];
}

export interface ImageParameterPaths {
  imageId: string;
  /** The parameter holding the release version (release_version, or Bottlerocket's image_version). */
  release: string;
}

/**
 * The SSM parameters for an image: the recommended one for a version, or the named release.
 * Rejects with a UserError when the family has no such image (custom AMIs, AL2 past 1.32).
 */
export function imageParameterPaths(
  amiType: string,
  version: string,
  releaseVersion?: string,
  prefix = DEFAULT_SSM_PREFIX,
): ImageParameterPaths {
  const src = SOURCES[amiType];
  const v = majorMinor(version);
  minorOf(v); // rejects what is not a version before it becomes part of a path
  if (!src) {
    throw new UserError(
      `amiType ${amiType} has no EKS-published image mngbot can look up; a custom AMI must be updated in its launch template`,
    );
  }
  if (src.family === 'AL2' && minorOf(v) > minorOf(AL2_LAST_VERSION)) {
    throw new UserError(
      `Amazon Linux 2 images stop at Kubernetes ${AL2_LAST_VERSION}; there is no ${amiType} image for ${v}. ` +
        `Move the node group to AL2023 or Bottlerocket first.`,
    );
  }
  if (src.family === 'BOTTLEROCKET') {
    const base = `${prefix}/bottlerocket/aws-k8s-${v}${src.brFlavor}/${src.brArch}`;
    // Bottlerocket's release versions are "1.20.1-7c3e9198"; its per-release parameters use "1.20.1".
    const release = releaseVersion ? releaseVersion.replace(/^v/, '').split('-')[0] : 'latest';
    return { imageId: `${base}/${release}/image_id`, release: `${base}/${release}/image_version` };
  }
  const base = `${prefix}/eks/optimized-ami/${v}/${src.alPath}`;
  if (!releaseVersion) return { imageId: `${base}/recommended/image_id`, release: `${base}/recommended/release_version` };
  const date = releaseDate(releaseVersion);
  if (!date) {
    throw new UserError(`"${releaseVersion}" is not an Amazon Linux EKS release version: expected e.g. ${v}.0-20240531`);
  }
  const rv = /^(\d+\.\d+)\.\d+-\d{8}$/.exec(releaseVersion);
  if (rv && rv[1] !== v) {
    throw new UserError(`Release ${releaseVersion} is for Kubernetes ${rv[1]}, not ${v}`);
  }
  const name = `${src.alNamePrefix}${v}-v${date}`;
  return { imageId: `${base}/${name}/image_id`, release: `${base}/${name}/release_version` };
}

/** Reads image parameters; a missing image_id is a UserError naming the parameter. */
export async function resolveImageRelease(
  ssm: SSMClient,
  where: { amiType: string; region: string },
  version: string,
  releaseVersion?: string,
  prefix?: string,
): Promise<ImageRelease> {
  const paths = imageParameterPaths(where.amiType, version, releaseVersion, prefix);
  const out = await awsCall({ service: 'SSM', operation: 'GetParameters', resource: paths.imageId }, () =>
    ssm.send(new GetParametersCommand({ Names: [paths.imageId, paths.release] })),
  );
  const value = (name: string) => out.Parameters?.find((p) => p.Name === name)?.Value;
  const imageId = value(paths.imageId);
  if (!imageId) {
    const which = releaseVersion ? `release ${releaseVersion}` : 'a recommended image';
    throw new UserError(
      `No ${where.amiType} image for Kubernetes ${majorMinor(version)} (${which}) in ${where.region}: ` +
        `SSM parameter ${paths.imageId} does not exist. Check that EKS supports this version and release.`,
    );
  }
  return { version: majorMinor(version), releaseVersion: value(paths.release) ?? releaseVersion ?? '', imageId };
}

export interface ImageNameInfo {
  family: AmiFamily;
  version: string;
  /** Bottlerocket: the full release ("1.20.1-7c3e9198"); Amazon Linux: the build date ("20240531"). */
  release: string;
}

/** What an EKS-optimized image's name says: "amazon-eks-node-1.29-v20240531", "bottlerocket-aws-k8s-1.30-x86_64-v1.20.1-7c3e9198". */
export function parseImageName(name: string): ImageNameInfo | undefined {
  const al2023 = /^amazon-eks-node-al2023-[a-z0-9_]+-[a-z]+(?:-\d+)?-(\d+\.\d+)-v(\d{8})$/.exec(name);
  if (al2023) return { family: 'AL2023', version: al2023[1], release: al2023[2] };
  const al2 = /^amazon-eks-(?:arm64-|gpu-)?node-(\d+\.\d+)-v(\d{8})$/.exec(name);
  if (al2) return { family: 'AL2', version: al2[1], release: al2[2] };
  const br = /^bottlerocket-aws-k8s-(\d+\.\d+)(?:-[a-z]+)?-[a-z0-9_]+-v(\d+\.\d+\.\d+-[0-9a-f]+)$/.exec(name);
  if (br) return { family: 'BOTTLEROCKET', version: br[1], release: br[2] };
  return undefined;
}

/**
 * Version and release of the image a self-managed group runs: from the image's name when it is an
 * EKS-optimized image, confirmed against SSM where possible; else from what the configuration says.
 */
export async function identifyImage(
  clients: { ssm: SSMClient; ec2: EC2Client; region: string },
  amiType: string,
  imageId: string,
  configured: { version?: string; releaseVersion?: string },
  prefix?: string,
): Promise<{ version: string; releaseVersion: string; settled: boolean }> {
  // settled: false when a lookup failed for a reason other than "no such image" (access, network), so
  // the answer may improve and should not be cached.
  let settled = true;
  const fallback = () => ({ version: configured.version ?? '', releaseVersion: configured.releaseVersion ?? '', settled });
  if (!imageId) return fallback();
  const images = await awsCall({ service: 'EC2', operation: 'DescribeImages', resource: imageId }, () =>
    clients.ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] })),
  ).catch((err: unknown) => {
    // A deregistered or shared image may be invisible; the name is only a hint.
    if (err instanceof RetryableError) throw err;
    settled = false;
    return undefined;
  });
  const parsed = parseImageName(images?.Images?.[0]?.Name ?? '');
  const version = parsed?.version ?? configured.version;
  if (!version) return fallback();
  // The recommended image is the common case, and SSM has its exact release version; else the named release.
  const candidates: (string | undefined)[] = parsed ? [undefined, parsed.release] : [undefined];
  for (const release of candidates) {
    try {
      const found = await resolveImageRelease(clients.ssm, { amiType, region: clients.region }, version, release, prefix);
      if (found.imageId === imageId) return { version, releaseVersion: found.releaseVersion, settled: true };
    } catch (err) {
      if (err instanceof RetryableError) throw err;
      // Not published (UserError), or not readable: fall back to what the name says.
      if (!(err instanceof UserError)) settled = false;
    }
  }
  if (parsed?.family === 'BOTTLEROCKET') return { version, releaseVersion: parsed.release, settled };
  if (parsed) return { version, releaseVersion: configured.releaseVersion ?? `${version}-${parsed.release}`, settled };
  return { version, releaseVersion: configured.releaseVersion ?? '', settled };
}

/** Pages of GetParametersByPath read at most: 10 parameters each; a version's releases fit well within. */
const MAX_RELEASE_PAGES = 200;

/**
 * Every published release of an amiType's images for a Kubernetes version, oldest first, dated by
 * its SSM parameter's LastModifiedDate (when AWS published it). Empty for an amiType AWS publishes
 * nothing for (custom AMIs, AL2 past 1.32).
 */
export async function listImageReleases(
  ssm: SSMClient,
  where: { amiType: string; region: string },
  version: string,
  prefix = DEFAULT_SSM_PREFIX,
): Promise<PublishedRelease[]> {
  const src = SOURCES[where.amiType];
  const v = majorMinor(version);
  minorOf(v);
  if (!src || (src.family === 'AL2' && minorOf(v) > minorOf(AL2_LAST_VERSION))) return [];
  const bottlerocket = src.family === 'BOTTLEROCKET';
  const path = bottlerocket ? `${prefix}/bottlerocket/aws-k8s-${v}${src.brFlavor}/${src.brArch}` : `${prefix}/eks/optimized-ami/${v}/${src.alPath}`;
  // Per-release parameters only: "recommended" and "latest" repeat the newest under another name.
  const leaf = bottlerocket ? /\/(?!latest\/)[^/]+\/image_version$/ : /\/(?!recommended\/)[^/]+\/release_version$/;
  const found = new Map<string, PublishedRelease>();
  let token: string | undefined;
  let pages = 0;
  do {
    const out = await awsCall({ service: 'SSM', operation: 'GetParametersByPath', resource: path }, () =>
      ssm.send(new GetParametersByPathCommand({ Path: path, Recursive: true, ...(token ? { NextToken: token } : {}) })),
    );
    for (const p of out.Parameters ?? []) {
      if (!p.Name || !p.Value || !leaf.test(p.Name.slice(path.length))) continue;
      found.set(p.Value, { releaseVersion: p.Value, publishedAt: p.LastModifiedDate?.getTime() ?? 0 });
    }
    token = out.NextToken;
  } while (token && ++pages < MAX_RELEASE_PAGES);
  return [...found.values()].sort((a, b) => a.publishedAt - b.publishedAt || a.releaseVersion.localeCompare(b.releaseVersion));
}
