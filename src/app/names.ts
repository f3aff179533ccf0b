// What a cluster, node group, AMI release, Kubernetes version, run id and schedule id may look like
// when a person types one, for every front end. Stricter than AWS where a looser form is only ever a
// typo, and tight enough that a value is safe to echo into a message or a Slack block.
import { parseVersion } from '../engine/version.js';

/** An EKS cluster or node group: letters, digits, - and _, starting with a letter or digit, 1–100 characters. */
export const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
export const NAME_RULE = 'letters, digits, - and _, starting with a letter or digit, at most 100 characters';

/** An AMI release: AL2/AL2023 "1.30.0-20240625", Bottlerocket "1.20.3-5d4ec6a7". */
export const RELEASE = /^\d+\.\d+\.\d+-[0-9a-z]{6,16}$/;
export const RELEASE_EXAMPLE = '1.30.4-20240917';

export const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const SCHEDULE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

/** The forms a person may type a version in; EKS has only ever had 1.x. */
const VERSION = /^v?1\.\d{1,2}(\.\d{1,3})?$/;
export const VERSION_FORMS = 'use 1.30, v1.30 or 1.30.4';

/** A Kubernetes version as typed (1.30, v1.30, 1.30.4), or false. */
export function isKubeVersion(text: string): boolean {
  if (!VERSION.test(text)) return false;
  try {
    parseVersion(text);
    return true;
  } catch {
    return false;
  }
}
