// Strategy `rolling`: mngbot drives every step itself (self-managed node groups).
import type { StepContext, StepResult } from '../step-context.js';
import { awaitNewNodes } from '../steps/await-new-nodes.js';
import { cleanup } from '../steps/cleanup.js';
import { finish } from '../steps/finish.js';
import { handleRequests } from '../steps/handle-requests.js';
import { pointAtTargetImage, recordOriginal, surge } from '../steps/prepare.js';
import { replaceNodes } from '../steps/replace-nodes.js';
import { scaleBack } from '../steps/scale-back.js';
import { taintNodes } from '../steps/taint-nodes.js';

export async function rollingStep(ctx: StepContext): Promise<StepResult> {
  const { run } = ctx;
  if (run.phase !== 'cleanup' && run.phase !== 'done' && run.phase !== 'replace') {
    const changed = await handleRequests(ctx);
    if (changed) return changed;
  }
  switch (run.phase) {
    case 'pending':
      return recordOriginal(ctx);
    case 'prepare':
      return pointAtTargetImage(ctx);
    case 'surge':
      return surge(ctx);
    case 'await-new-nodes':
      return awaitNewNodes(ctx);
    case 'taint':
      return taintNodes(ctx);
    case 'replace':
      return replaceNodes(ctx);
    case 'scale-back':
      return scaleBack(ctx);
    case 'finish':
      return finish(ctx);
    case 'cleanup':
      return cleanup(ctx);
    case 'done':
      return { done: true };
  }
}
