// Strategy `eks`: EKS drives the update (UpdateNodegroupVersion); mngbot follows it node by node.
import { FatalError } from '../errors.js';
import type { StepContext, StepResult } from '../step-context.js';

export async function eksStep(_ctx: StepContext): Promise<StepResult> {
  throw new FatalError('the eks strategy is not available in this build: use --strategy rolling');
}
