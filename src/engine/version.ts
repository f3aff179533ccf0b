// Kubernetes version parsing and the rules EKS and Kubernetes put on node-group versions. Pure.
import { FatalError, UserError } from './errors.js';
import type { AmiFamily } from './ports.js';

export interface KubeVersion {
  major: number;
  minor: number;
  patch?: number;
  /** Normalised "major.minor". */
  text: string;
}

/** Kubernetes versions EKS has offered (standard and extended support), oldest first. */
export const KNOWN_EKS_VERSIONS: readonly string[] = Array.from({ length: 34 - 23 + 1 }, (_, i) => `1.${23 + i}`);

const ACCEPTED_FORMS = 'use 1.30, v1.30 or 1.30.4';
const VERSION_RE = /^\s*[vV]?(0|[1-9]\d{0,3})\.(0|[1-9]\d{0,3})(?:\.(0|[1-9]\d{0,3}))?\s*$/;

function parse(text: string): KubeVersion | undefined {
  const m = VERSION_RE.exec(text);
  if (!m) return undefined;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const v: KubeVersion = { major, minor, text: `${major}.${minor}` };
  if (m[3] !== undefined) v.patch = Number(m[3]);
  return v;
}

/** Parses what a person typed: 1.30, v1.30, V1.30 or 1.30.4 (spaces around are fine). */
export function parseVersion(text: string): KubeVersion {
  const v = parse(String(text));
  if (!v) {
    throw new UserError(`"${String(text).trim()}" is not a Kubernetes version: ${ACCEPTED_FORMS}`, ACCEPTED_FORMS);
  }
  return v;
}

/**
 * A version AWS or the cluster reported. Garbage here is not the user's fault, so it is not a UserError.
 */
function reported(text: string, what: string): KubeVersion {
  const v = parse(String(text));
  if (!v) throw new FatalError(`${what} reported an unreadable Kubernetes version "${text}"`);
  return v;
}

/** "major.minor" of a kubelet version such as v1.29.3-eks-ae9a62a; throws FatalError when unreadable. */
export function kubeletMinor(kubeletVersion: string): string {
  const m = /^\s*[vV]?(\d+)\.(\d+)/.exec(String(kubeletVersion));
  if (!m) throw new FatalError(`unreadable kubelet version "${kubeletVersion}"`);
  return `${Number(m[1])}.${Number(m[2])}`;
}

const asVersion = (v: string | KubeVersion): KubeVersion => (typeof v === 'string' ? parseVersion(v) : v);

/** Negative, zero or positive, like a sort comparator. A missing patch counts as 0. */
export function compareVersions(a: string | KubeVersion, b: string | KubeVersion): number {
  const x = asVersion(a);
  const y = asVersion(b);
  return x.major - y.major || x.minor - y.minor || (x.patch ?? 0) - (y.patch ?? 0);
}

/** Compares major.minor only. */
function compareMinor(x: KubeVersion, y: KubeVersion): number {
  return x.major - y.major || x.minor - y.minor;
}

/** How many minors `older` is behind `newer` (negative when it is ahead). Majors other than 1 count 100 minors. */
export function minorsBehind(older: string | KubeVersion, newer: string | KubeVersion): number {
  const o = asVersion(older);
  const n = asVersion(newer);
  return (n.major - o.major) * 100 + (n.minor - o.minor);
}

/**
 * How many minors a kubelet may be older than the API server: 3 from Kubernetes 1.28 on, 2 before
 * (https://kubernetes.io/releases/version-skew-policy/). A kubelet may never be newer.
 */
export function maxKubeletSkew(controlPlane: string | KubeVersion): number {
  const cp = asVersion(controlPlane);
  return cp.major > 1 || (cp.major === 1 && cp.minor >= 28) ? 3 : 2;
}

export interface SkewReport {
  controlPlane: string;
  kubelet: string;
  /** Minors the kubelet is behind the control plane; negative when ahead. */
  behind: number;
  allowed: number;
  supported: boolean;
}

export function kubeletSkew(controlPlane: string | KubeVersion, kubelet: string | KubeVersion): SkewReport {
  const cp = asVersion(controlPlane);
  const kl = asVersion(kubelet);
  const behind = minorsBehind(kl, cp);
  const allowed = maxKubeletSkew(cp);
  return { controlPlane: cp.text, kubelet: kl.text, behind, allowed, supported: behind >= 0 && behind <= allowed };
}

/** The last Kubernetes version an AMI family has images for; undefined when it has no known end. */
export function amiFamilyMaxVersion(family: AmiFamily): string | undefined {
  return family === 'AL2' ? '1.32' : undefined;
}

export interface TargetCheckInput {
  /** As typed. */
  target: string;
  /** Control-plane "major.minor", as EKS reports it. */
  controlPlane: string;
  /** The node group's current "major.minor". */
  nodegroup: string;
  /** When given, the target must be one of these. */
  known?: readonly string[];
  /** Names for the messages. */
  names?: { cluster?: string; nodegroup?: string };
  /**
   * A self-managed group rolled back to the version it ran before: new nodes boot the older kubelet,
   * which the skew policy allows; EKS has no such way back for a managed group.
   */
  allowOlder?: boolean;
}

export interface TargetCheck {
  /** The normalised target, "major.minor". */
  version: string;
  /** The patch the user typed, if any (EKS picks patches through AMI releases). */
  patch?: number;
  /** Same minor as the node group now: the upgrade moves it to the latest (or named) AMI release. */
  sameVersion: boolean;
  /** The node group's skew against the control plane now and after the upgrade (data, never an error). */
  currentSkew: SkewReport;
  afterSkew: SkewReport;
}

/** Checks an upgrade target against the control plane and the node group; throws UserError saying why and what to do. */
export function checkTarget(input: TargetCheckInput): TargetCheck {
  const t = parseVersion(input.target);
  const cluster = input.names?.cluster;
  const ng = input.names?.nodegroup ? `node group ${input.names.nodegroup}` : 'the node group';
  if (t.major !== 1) {
    throw new UserError(
      `${t.text} is not a Kubernetes version EKS offers: EKS versions are 1.x; ${ACCEPTED_FORMS}`,
      ACCEPTED_FORMS,
    );
  }
  if (input.known && input.known.length > 0 && !input.known.includes(t.text)) {
    const range = knownRange(input.known);
    throw new UserError(
      `${t.text} is not a Kubernetes version EKS supports (known: ${range}): choose one of those`,
      `choose one of ${range}`,
    );
  }
  const cp = reported(input.controlPlane, cluster ? `cluster ${cluster}` : 'the cluster');
  const now = reported(input.nodegroup, ng);
  if (compareMinor(t, cp) > 0) {
    const name = cluster ?? '<cluster>';
    const todo =
      `upgrade the control plane first: eksctl upgrade cluster --name ${name} --version ${t.text}` +
      ` or aws eks update-cluster-version --name ${name} --kubernetes-version ${t.text}`;
    throw new UserError(
      `${t.text} is newer than the control plane${cluster ? ` of ${cluster}` : ''} (${cp.text}):` +
        ` nodes may not run a newer Kubernetes than their control plane; ${todo}`,
      todo,
    );
  }
  if (compareMinor(t, now) < 0 && !input.allowOlder) {
    const todo = `create a new node group at ${t.text} instead and move the workloads to it`;
    throw new UserError(
      `${t.text} is older than ${ng}'s ${now.text}: node groups cannot be downgraded; ${todo}`,
      todo,
    );
  }
  const result: TargetCheck = {
    version: t.text,
    sameVersion: compareMinor(t, now) === 0,
    currentSkew: kubeletSkew(cp, now),
    afterSkew: kubeletSkew(cp, t),
  };
  if (t.patch !== undefined) result.patch = t.patch;
  return result;
}

function knownRange(known: readonly string[]): string {
  const sorted = [...new Set(known)].map(parse).filter((v): v is KubeVersion => !!v).sort(compareVersions);
  if (sorted.length === 0) return 'none';
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  const contiguous = sorted.every((v, i) => i === 0 || minorsBehind(sorted[i - 1], v) === 1);
  return contiguous && sorted.length > 1 ? `${first.text}–${last.text}` : sorted.map((v) => v.text).join(', ');
}
