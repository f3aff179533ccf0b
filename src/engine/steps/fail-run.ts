import type { NextStepFacts } from '../outcomes.js';
import type { StepContext, StepResult } from '../step-context.js';

/** Stops the run: cleanup puts back what the run changed and reports what it could not. */
export function failRun(ctx: StepContext, message: string, status: 'failed' | 'cancelled' | 'aborted' = 'failed', next?: NextStepFacts): StepResult {
  if (!ctx.run.cleanupReason) ctx.run.cleanupReason = { status, message, ...(next ? { next } : {}) };
  ctx.run.decision = undefined;
  if (ctx.run.status === 'needs-decision' || ctx.run.status === 'paused') {
    ctx.run.status = 'running';
    ctx.emit({ kind: 'status', status: 'running', detail: 'cleaning up' });
  }
  if (status === 'failed') ctx.emit({ kind: 'warning', detail: message });
  ctx.setPhase('cleanup', `cleaning up: ${message}`);
  return { next: true };
}
