// The engine's outcomes in the CLI's words: the same sentences as Slack, naming the CLI's commands
// (mngbot status, --force) rather than the slash command.
import type { UserError } from '../engine/errors.js';
import { findingText, refusalText, surgeReasonText, type RefusalWords } from '../engine/outcome-text.js';
import type { Finding, Vocabulary } from '../engine/outcomes.js';

export const CLI_WORDS: Vocabulary = {
  option: (name) => `--${name}`,
  strategy: (strategy) => `--strategy ${strategy}`,
  status: (runId) => (runId ? `mngbot status ${runId}` : 'mngbot status'),
  upgrade: () => 'mngbot upgrade',
};

export function findingWords(f: Finding): string {
  return findingText(f, CLI_WORDS);
}

/** What to tell the person a UserError refuses; an engine Refusal is worded from its code and fields. */
export function refusalWords(err: UserError): RefusalWords {
  return err.worded(CLI_WORDS);
}

export function surgeReasonWords(surgeReason: string): string {
  return surgeReasonText(surgeReason, CLI_WORDS);
}
