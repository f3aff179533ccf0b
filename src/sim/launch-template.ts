// An EC2 launch template with numbered versions, each naming the image instances boot.
import { UserError } from '../engine/errors.js';
import { imageById } from './images.js';

export interface LtVersion {
  number: number;
  imageId: string;
  description: string;
  createdAt: number;
  /** EC2's ClientToken of the CreateLaunchTemplateVersion call that made it, if one was given. */
  clientToken?: string;
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
    const tagged = token === undefined ? undefined : this.versions.find((x) => x.description.includes(`token=${token}`));
    if (tagged) {
      checkImage(imageId);
      return String(tagged.number);
    }
    const made = this.createVersion({ imageId, description: token === undefined ? description : `${description} token=${token}`, createdAt: now });
    return String(made.number);
  }

  /**
   * CreateLaunchTemplateVersion: always a new version, except that a repeated clientToken gets the
   * version its first call made (and a different request under the same token is refused, as EC2 does).
   */
  createVersion(req: { imageId: string; description: string; createdAt: number; clientToken?: string }): LtVersion {
    checkImage(req.imageId);
    if (req.clientToken !== undefined) {
      const earlier = this.versions.find((x) => x.clientToken === req.clientToken);
      if (earlier) {
        if (earlier.imageId !== req.imageId || earlier.description !== req.description) {
          throw new UserError(`IdempotentParameterMismatch: Client token ${req.clientToken} was used by a different request`);
        }
        return earlier;
      }
    }
    const made: LtVersion = {
      number: this.versions.length + 1,
      imageId: req.imageId,
      description: req.description,
      createdAt: req.createdAt,
      ...(req.clientToken !== undefined ? { clientToken: req.clientToken } : {}),
    };
    this.versions.push(made);
    return made;
  }
}

/** Only images of the catalog: an instance must know which kubelet it boots. */
function checkImage(imageId: string): void {
  if (!/^ami-[0-9a-f]{8,17}$/.test(imageId)) throw new UserError(`InvalidAMIID.Malformed: Invalid id: "${imageId}"`);
  if (!imageById(imageId)) throw new UserError(`InvalidAMIID.NotFound: The image id '[${imageId}]' does not exist`);
}
