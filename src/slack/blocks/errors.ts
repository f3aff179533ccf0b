// Ephemeral replies for what went wrong: a usage error that quotes the input, a UserError with its
// hint, or a reference to the log for anything else.
import { code, esc } from './format.js';
import { context, section, type Message } from './kit.js';
import { assertWithinLimits, clip, LIMITS } from './limits.js';

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
    blocks: [section(clip(`:warning: ${esc(message)}${hint ? `\n_${esc(hint)}_` : ''}`, LIMITS.sectionText))],
  });
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
