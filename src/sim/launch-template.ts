// An EC2 launch template with numbered versions, each naming the image instances boot.
import { UserError } from '../engine/errors.js';
import { imageById } from './images.js';

export interface LtVersion {
  number: number;
  imageId: string;
  description: string;
  createdAt: number;
}

export class LaunchTemplate {
  readonly versions: LtVersion[] = [];

  constructor(
    readonly id: string,
    readonly name: string,
    imageId: string,
    description: string,
    createdAt: number,
  ) {
    this.versions.push({ number: 1, imageId, description, createdAt });
  }

  version(v: string): LtVersion | undefined {
    if (v === '$Latest') return this.versions[this.versions.length - 1];
    if (v === '$Default') return this.versions[0];
    return this.versions.find((x) => String(x.number) === v);
  }

  /** A new version with the image; with a token, the version a previous call with that token made. */
  ensureVersion(imageId: string, description: string, now: number, token?: string): string {
    if (!/^ami-[0-9a-f]{8,17}$/.test(imageId)) throw new UserError(`InvalidAMIID.Malformed: Invalid id: "${imageId}"`);
    if (!imageById(imageId)) throw new UserError(`InvalidAMIID.NotFound: The image id '[${imageId}]' does not exist`);
    const tagged = token === undefined ? undefined : this.versions.find((x) => x.description.includes(`token=${token}`));
    if (tagged) return String(tagged.number);
    const number = this.versions.length + 1;
    this.versions.push({ number, imageId, description: token === undefined ? description : `${description} token=${token}`, createdAt: now });
    return String(number);
  }
}
