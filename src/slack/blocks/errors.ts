// Ephemeral replies for what went wrong: a usage error that quotes the input, a UserError with its
// hint, or a reference to the log for anything else.
import type { PendingRequest } from '../../engine/commands.js';
import type { UserError } from '../../engine/errors.js';
import { code, esc, mrkdwn, shownDate, who } from './format.js';
import { context, section, type Message } from './kit.js';
import { assertWithinLimits, clip, LIMITS } from './limits.js';
import { refusalWords } from './words.js';

export function usageMessage(input: string, error: string, usage: string): Message {
  const quoted = input ? `> /mng ${esc(clip(input, 500))}` : '> /mng';
  return assertWithinLimits({
    text: `Not understood: ${clip(error, 300)}`,
    blocks: [
      section(clip(`${quoted}\n:warning: ${esc(error)}`, LIMITS.sectionText)),
      section(clip(`*Usage*\n\`\`\`${esc(usage)}\`\`\``, LIMITS.sectionText)),
      context('Nothing was started.'),
    ],
  });
}

export function userErrorMessage(message: string, hint?: string): Message {
  return assertWithinLimits({
    text: clip(message, 3000),
    blocks: [section(clip(`:warning: ${mrkdwn(message)}${hint ? `\n_${mrkdwn(hint)}_` : ''}`, LIMITS.sectionText))],
  });
}

/** A refusal as the person reads it in Slack: an engine Refusal is worded from its code and fields. */
export function refusalMessage(err: UserError): Message {
  const { message, hint } = refusalWords(err);
  return userErrorMessage(message, hint);
}

export function internalErrorMessage(ref: string): Message {
  return assertWithinLimits({
    text: `Something went wrong (reference ${ref})`,
    blocks: [section(`:boom: Something went wrong on mngbot's side. Reference ${code(ref)}: the operators can find it in the logs.`)],
  });
}

export function infoMessage(text: string): Message {
  return assertWithinLimits({ text: clip(text, 3000), blocks: [section(clip(text, LIMITS.sectionText))] });
}

/** A second request for a node group whose first still waits: which one, who asked, when, and where it waits. */
export function pendingRequestMessage(p: PendingRequest, permalink?: string, pace?: number): Message {
  const group = `${p.ref.cluster}/${p.ref.nodegroup}`;
  const channel = p.notify?.channel;
  const where = channel
    ? ` in <#${channel}>${permalink ? ` (<${permalink}|its plan, with its thread>)` : p.notify?.planTs ? ' (in the thread of its plan message)' : ''}`
    : '';
  // A paced world's times are its own: shown as such (shownDate), not as the reader's.
  const expires = p.expiresAt !== undefined ? ` It expires ${shownDate(p.expiresAt, pace)}.` : '';
  return assertWithinLimits({
    text: `${group} already has a request awaiting approval: run ${p.runId}, asked by ${p.requestedBy.user}`,
    blocks: [
      section(
        clip(
          `:hourglass: ${code(group)} already has a request waiting for approval: run ${code(p.runId)}, asked by ${who(p.requestedBy.user)} ${shownDate(p.createdAt, pace)}${where}.${expires}\n` +
            `_One request per node group at a time: approve or reject that one, or cancel it with \`/mng cancel ${p.runId}\`, before asking again._`,
          LIMITS.sectionText,
        ),
      ),
    ],
  });
}
