// The simulator's image catalog as AWS publishes EKS-optimized images: AMI names (EC2 DescribeImages)
// and the public SSM parameters under /aws/service (recommended and per release), so a real client
// resolves exactly the image ids the world boots. The catalog is per family; every architecture and
// variant of a family names the same images here.
import type { AmiFamily } from '../../engine/ports.js';
import { FIRST_MINOR, imagesFor, LAST_MINOR, type CatalogImage } from '../images.js';

export const PUBLIC_PREFIX = '/aws/service';
/** The account that owns the EKS-optimized AMIs in most regions. */
export const EKS_AMI_OWNER = '602401143452';

interface AmiVariant {
  family: Exclude<AmiFamily, 'CUSTOM'>;
  arch: 'x86_64' | 'arm64';
  /** Amazon Linux: the AMI name before "<version>-v<date>". */
  alNamePrefix?: string;
  /** Bottlerocket: "", "-nvidia" or "-fips". */
  brFlavor?: string;
}

const AL2023 = (arch: 'x86_64' | 'arm64', variant: string): AmiVariant => ({
  family: 'AL2023',
  arch,
  alNamePrefix: `amazon-eks-node-al2023-${arch}-${variant}-`,
});

/** By EKS amiType. */
const VARIANTS: Record<string, AmiVariant> = {
  AL2_x86_64: { family: 'AL2', arch: 'x86_64', alNamePrefix: 'amazon-eks-node-' },
  AL2_x86_64_GPU: { family: 'AL2', arch: 'x86_64', alNamePrefix: 'amazon-eks-gpu-node-' },
  AL2_ARM_64: { family: 'AL2', arch: 'arm64', alNamePrefix: 'amazon-eks-arm64-node-' },
  AL2023_x86_64_STANDARD: AL2023('x86_64', 'standard'),
  AL2023_ARM_64_STANDARD: AL2023('arm64', 'standard'),
  AL2023_x86_64_NVIDIA: AL2023('x86_64', 'nvidia'),
  BOTTLEROCKET_x86_64: { family: 'BOTTLEROCKET', arch: 'x86_64', brFlavor: '' },
  BOTTLEROCKET_ARM_64: { family: 'BOTTLEROCKET', arch: 'arm64', brFlavor: '' },
};

const FAMILY_DEFAULT: Record<AmiVariant['family'], string> = {
  AL2: 'AL2_x86_64',
  AL2023: 'AL2023_x86_64_STANDARD',
  BOTTLEROCKET: 'BOTTLEROCKET_x86_64',
};

/** Every image of the catalog, family by family, oldest first. */
export function catalogImages(): CatalogImage[] {
  const out: CatalogImage[] = [];
  for (const family of ['AL2', 'AL2023', 'BOTTLEROCKET'] as const) {
    for (let m = FIRST_MINOR; m <= LAST_MINOR; m++) out.push(...imagesFor(family, `1.${m}`));
  }
  return out;
}

/** Amazon Linux per-release names carry the build date: 1.29.3-20240531 → 20240531. */
const buildDate = (img: CatalogImage) => img.releaseVersion.split('-')[1];

function amiName(img: CatalogImage, v: AmiVariant): string {
  if (v.family === 'BOTTLEROCKET') return `bottlerocket-aws-k8s-${img.version}${v.brFlavor ?? ''}-${v.arch}-v${img.releaseVersion}`;
  return `${v.alNamePrefix}${img.version}-v${buildDate(img)}`;
}

export interface PublishedImage {
  name: string;
  description: string;
  architecture: 'x86_64' | 'arm64';
}

/**
 * How EC2 describes a catalog image: named as the world's amiType names its family's images (the
 * family's x86_64 standard variant for other families).
 */
export function publishedImage(img: CatalogImage, worldAmiType: string): PublishedImage {
  const own = VARIANTS[worldAmiType];
  const v = own && own.family === img.family ? own : VARIANTS[FAMILY_DEFAULT[img.family as AmiVariant['family']]];
  const description =
    v.family === 'BOTTLEROCKET'
      ? `Bottlerocket for Kubernetes ${img.version} (${v.arch}, ${img.releaseVersion})`
      : `EKS Kubernetes Worker AMI ${v.family === 'AL2023' ? 'with AmazonLinux2023' : 'with AmazonLinux2'} image, (k8s: ${img.releaseVersion.split('-')[0]})`;
  return { name: amiName(img, v), description, architecture: v.arch };
}

export interface ParameterValue {
  value: string;
  dataType: 'aws:ec2:image' | 'text';
  /** The parameter's LastModifiedDate: when the release it names was published. */
  publishedAt: number;
}

/** Amazon Linux paths (after the version) and the variant each names. */
const AL_PATHS: Record<string, AmiVariant> = {
  'amazon-linux-2': VARIANTS.AL2_x86_64,
  'amazon-linux-2-gpu': VARIANTS.AL2_x86_64_GPU,
  'amazon-linux-2-arm64': VARIANTS.AL2_ARM_64,
  'amazon-linux-2023/x86_64/standard': VARIANTS.AL2023_x86_64_STANDARD,
  'amazon-linux-2023/arm64/standard': VARIANTS.AL2023_ARM_64_STANDARD,
  'amazon-linux-2023/x86_64/nvidia': VARIANTS.AL2023_x86_64_NVIDIA,
  'amazon-linux-2023/arm64/nvidia': AL2023('arm64', 'nvidia'),
  'amazon-linux-2023/x86_64/neuron': AL2023('x86_64', 'neuron'),
};

const AL_PARAMETER = /^\/aws\/service\/eks\/optimized-ami\/(1\.\d+)\/(.+)\/([^/]+)\/(image_id|release_version|image_name)$/;
const BR_PARAMETER = /^\/aws\/service\/bottlerocket\/aws-k8s-(1\.\d+)(|-nvidia|-fips)\/(x86_64|arm64)\/(latest|\d+\.\d+\.\d+)\/(image_id|image_version)$/;

/** A public image parameter's value, or undefined when AWS publishes no such parameter. */
export function imageParameter(name: string): ParameterValue | undefined {
  const al = AL_PARAMETER.exec(name);
  if (al) {
    const [, version, path, selector, leaf] = al;
    const variant = AL_PATHS[path];
    if (!variant) return undefined;
    const images = imagesFor(variant.family, version);
    const img =
      selector === 'recommended'
        ? images[images.length - 1]
        : images.find((i) => amiName(i, variant) === selector);
    if (!img) return undefined;
    const publishedAt = img.publishedAt;
    if (leaf === 'image_id') return { value: img.imageId, dataType: 'aws:ec2:image', publishedAt };
    if (leaf === 'image_name') return { value: amiName(img, variant), dataType: 'text', publishedAt };
    return { value: img.releaseVersion, dataType: 'text', publishedAt };
  }
  const br = BR_PARAMETER.exec(name);
  if (br) {
    const [, version, , , selector, leaf] = br;
    const images = imagesFor('BOTTLEROCKET', version);
    // Bottlerocket's per-release parameters are named by the release without its build suffix.
    const img = selector === 'latest' ? images[images.length - 1] : images.find((i) => i.releaseVersion.split('-')[0] === selector);
    if (!img) return undefined;
    const publishedAt = img.publishedAt;
    return leaf === 'image_id' ? { value: img.imageId, dataType: 'aws:ec2:image', publishedAt } : { value: img.releaseVersion, dataType: 'text', publishedAt };
  }
  return undefined;
}

/** The name of every public image parameter the catalog publishes, sorted (for GetParametersByPath). */
let allNames: string[] | undefined;

function parameterNames(): string[] {
  if (allNames) return allNames;
  const names: string[] = [];
  for (let m = FIRST_MINOR; m <= LAST_MINOR; m++) {
    const version = `1.${m}`;
    for (const [path, variant] of Object.entries(AL_PATHS)) {
      const base = `${PUBLIC_PREFIX}/eks/optimized-ami/${version}/${path}`;
      const images = imagesFor(variant.family, version);
      if (images.length === 0) continue;
      for (const selector of ['recommended', ...images.map((i) => amiName(i, variant))]) {
        for (const leaf of ['image_id', 'image_name', 'release_version']) names.push(`${base}/${selector}/${leaf}`);
      }
    }
    const bottlerocket = imagesFor('BOTTLEROCKET', version);
    for (const flavor of ['', '-nvidia', '-fips']) {
      for (const arch of ['x86_64', 'arm64']) {
        const base = `${PUBLIC_PREFIX}/bottlerocket/aws-k8s-${version}${flavor}/${arch}`;
        for (const selector of bottlerocket.length ? ['latest', ...bottlerocket.map((i) => i.releaseVersion.split('-')[0])] : []) {
          for (const leaf of ['image_id', 'image_version']) names.push(`${base}/${selector}/${leaf}`);
        }
      }
    }
  }
  allNames = names.sort();
  return allNames;
}

/** The parameters under a path (recursively or one level down), sorted by name, as GetParametersByPath lists them. */
export function imageParametersUnder(path: string, recursive: boolean): { name: string; parameter: ParameterValue }[] {
  const prefix = path.endsWith('/') ? path : `${path}/`;
  return parameterNames()
    .filter((n) => n.startsWith(prefix) && (recursive || !n.slice(prefix.length).includes('/')))
    .flatMap((name) => {
      const parameter = imageParameter(name);
      return parameter ? [{ name, parameter }] : [];
    });
}
