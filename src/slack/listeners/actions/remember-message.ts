// A click comes from the run's plan message: after a restart that is how the reporter finds it again.
import { UserError } from '../../../engine/errors.js';
import type { ActionBody, HandlerDeps } from '../deps.js';
import { RUN_ID } from '../../../app/names.js';


export function rememberMessage(deps: HandlerDeps, runId: string, body: ActionBody): void {
  if (!RUN_ID.test(runId)) throw new UserError('this button does not name a run');
  const channel = body.channel?.id ?? body.container?.channel_id;
  const ts = body.message?.ts ?? body.container?.message_ts;
  if (channel && ts && !body.message?.thread_ts) deps.reporter.setCoords(runId, { channel, planTs: ts, threadTs: ts });
}
