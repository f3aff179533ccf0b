// The simulated catalog of EKS-optimized images: per family and Kubernetes minor (1.20 … 1.34),
// two or three releases each. Image ids and kubelet build suffixes are stable hashes.
import { UserError } from '../engine/errors.js';
import type { AmiFamily, ImageRelease, PublishedRelease } from '../engine/ports.js';
import { stableHex } from './rng.js';

export interface CatalogImage extends ImageRelease {
  family: AmiFamily;
  /** status.nodeInfo.kubeletVersion of nodes that boot it, e.g. v1.29.3-eks-1a2b3c4. */
  kubeletVersion: string;
  /** When AWS published it (its SSM parameters' LastModifiedDate): two days after the build its name carries. */
  publishedAt: number;
}

export const FIRST_MINOR = 20;
export const LAST_MINOR = 34;
/** Amazon Linux 2 images stop at Kubernetes 1.32. */
export const AL2_LAST_MINOR = 32;
const AL2023_FIRST_MINOR = 23;

export function amiFamilyOf(amiType: string): AmiFamily {
  if (amiType.startsWith('AL2023')) return 'AL2023';
  if (amiType.startsWith('AL2')) return 'AL2';
  if (amiType.startsWith('BOTTLEROCKET')) return 'BOTTLEROCKET';
  return 'CUSTOM';
}

const FAMILY_NAMES: Record<AmiFamily, string> = {
  AL2: 'Amazon Linux 2',
  AL2023: 'Amazon Linux 2023',
  BOTTLEROCKET: 'Bottlerocket',
  CUSTOM: 'custom',
};

const DAY_MS = 86_400_000;
/** Kubernetes 1.20 reached EKS on 2021-05-18; later minors roughly every four months. */
const EKS_1_20 = Date.UTC(2021, 4, 18);

/** AMIs are built, tested, then published: the date in a release's name is a little before its publication. */
const PUBLISH_DELAY_MS = 2 * DAY_MS;

function yyyymmdd(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');
}

function build(family: AmiFamily, minor: number): CatalogImage[] {
  const version = `1.${minor}`;
  const count = minor % 2 === 0 ? 3 : 2;
  const out: CatalogImage[] = [];
  for (let i = 0; i < count; i++) {
    const patch = 1 + 2 * i;
    const date = EKS_1_20 + ((minor - FIRST_MINOR) * 120 + 14 + i * 45) * DAY_MS;
    const releaseVersion = `${version}.${patch}-${yyyymmdd(date)}`;
    out.push({
      family,
      version,
      releaseVersion,
      imageId: `ami-0${stableHex(`${family}/${version}/${releaseVersion}`, 16)}`,
      kubeletVersion: `v${version}.${patch}-eks-${stableHex(releaseVersion, 7)}`,
      publishedAt: date + PUBLISH_DELAY_MS,
    });
  }
  return out;
}

const byKey = new Map<string, CatalogImage[]>();
const byId = new Map<string, CatalogImage>();
for (const family of ['AL2', 'AL2023', 'BOTTLEROCKET'] as const) {
  for (let m = FIRST_MINOR; m <= LAST_MINOR; m++) {
    if (family === 'AL2' && m > AL2_LAST_MINOR) continue;
    if (family === 'AL2023' && m < AL2023_FIRST_MINOR) continue;
    const images = build(family, m);
    byKey.set(`${family}/1.${m}`, images);
    for (const img of images) byId.set(img.imageId, img);
  }
}

/** Oldest release first; empty when the family has no image for the version. */
export function imagesFor(family: AmiFamily, version: string): CatalogImage[] {
  return byKey.get(`${family}/${version}`) ?? [];
}

export function imageById(imageId: string): CatalogImage | undefined {
  return byId.get(imageId);
}

/** The named release, or the version's newest; rejects with a UserError that says why not. */
export function findImage(family: AmiFamily, version: string, releaseVersion?: string): CatalogImage {
  const v = version.replace(/^v/, '');
  const m = /^1\.(\d+)(\.\d+)?$/.exec(v);
  const minorVersion = m ? `1.${m[1]}` : v;
  if (family === 'CUSTOM') {
    throw new UserError('The node group uses a custom AMI: mngbot cannot pick its image.', 'Give an AMI id in the launch template.');
  }
  if (family === 'AL2' && m && Number(m[1]) > AL2_LAST_MINOR) {
    throw new UserError(
      `Amazon Linux 2 (AL2) images end at Kubernetes 1.${AL2_LAST_MINOR}: there is no AL2 image for ${minorVersion}. Use AL2023 or Bottlerocket.`,
      'Move the node group to an AL2023 or Bottlerocket AMI type first.',
    );
  }
  const images = imagesFor(family, minorVersion);
  if (images.length === 0) {
    const first = family === 'AL2023' ? AL2023_FIRST_MINOR : FIRST_MINOR;
    const last = family === 'AL2' ? AL2_LAST_MINOR : LAST_MINOR;
    throw new UserError(`There is no ${FAMILY_NAMES[family]} image for Kubernetes ${v} (images exist for 1.${first}–1.${last}).`);
  }
  if (releaseVersion === undefined) return images[images.length - 1];
  const found = images.find((i) => i.releaseVersion === releaseVersion);
  if (!found) {
    throw new UserError(
      `There is no ${FAMILY_NAMES[family]} release ${releaseVersion} for Kubernetes ${minorVersion}.`,
      `Releases: ${images.map((i) => i.releaseVersion).join(', ')}.`,
    );
  }
  return found;
}

export function toImageRelease(img: CatalogImage): ImageRelease {
  return { version: img.version, releaseVersion: img.releaseVersion, imageId: img.imageId };
}

/** Every release of a family for a version, oldest first, with when each was published; empty for none (custom AMIs). */
export function publishedReleases(family: AmiFamily, version: string): PublishedRelease[] {
  return imagesFor(family, version).map((i) => ({ releaseVersion: i.releaseVersion, publishedAt: i.publishedAt }));
}
