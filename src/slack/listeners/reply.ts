// Replies only the person who asked sees, and what a failure turns into: a UserError is shown as it
// is (with its hint); anything else is logged with a short reference the person is given.
import { randomUUID } from 'node:crypto';
import { errorMessage, UserError } from '../../engine/errors.js';
import type { Logger, LogFields } from '../../log.js';
import { internalErrorMessage, refusalMessage } from '../blocks/errors.js';
import type { Message } from '../blocks/kit.js';
import { slackErrorCode } from '../slack-errors.js';
import type { Respond } from './deps.js';

export async function ephemeral(respond: Respond, msg: Message, log?: Logger): Promise<void> {
  try {
    await respond({ response_type: 'ephemeral', replace_original: false, text: msg.text, blocks: msg.blocks });
  } catch (err) {
    log?.warn('could not reply', { error: errorMessage(err) });
  }
}

/** A reply everyone in the channel sees (through the command's response_url: no channel membership needed). */
export async function inChannel(respond: Respond, msg: Message, log?: Logger): Promise<void> {
  try {
    await respond({ response_type: 'in_channel', replace_original: false, text: msg.text, blocks: msg.blocks });
  } catch (err) {
    log?.warn('could not reply', { error: errorMessage(err) });
  }
}

/** A refusal already worded for Slack (mentions, links, dates): shown as it is. */
export class WordedRefusal extends Error {
  override name = 'WordedRefusal';
  constructor(readonly reply: Message) {
    super(reply.text);
  }
}

/** Slack errors a person can fix, as UserErrors. */
export function asUserError(err: unknown): UserError | undefined {
  if (err instanceof UserError) return err;
  const code = slackErrorCode(err);
  if (code === 'not_in_channel' || code === 'channel_not_found') {
    return new UserError('mngbot cannot post in this channel', 'invite it first: /invite @mngbot');
  }
  if (code === 'is_archived') return new UserError('this channel is archived');
  return undefined;
}

export async function replyError(log: Logger, respond: Respond, err: unknown, fields: LogFields = {}): Promise<void> {
  if (err instanceof WordedRefusal) {
    log.info('refused', { ...fields, reason: err.message });
    await ephemeral(respond, err.reply, log);
    return;
  }
  const user = asUserError(err);
  if (user) {
    log.info('refused', { ...fields, reason: user.message });
    await ephemeral(respond, refusalMessage(user), log);
    return;
  }
  const ref = randomUUID().slice(0, 8);
  log.error('request failed', { ...fields, ref, error: err instanceof Error ? err : String(err) });
  await ephemeral(respond, internalErrorMessage(ref), log);
}
