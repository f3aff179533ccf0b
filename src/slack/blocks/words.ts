// The engine's outcomes in Slack's words: the same sentences as every front end, naming what a
// person types in Slack (/mng status, --force). Plain text: renderers escape it where they place it.
import type { UserError } from '../../engine/errors.js';
import { findingText, summaryText, surgeReasonText, type RefusalWords } from '../../engine/outcome-text.js';
import type { Finding, Vocabulary } from '../../engine/outcomes.js';
import type { RunOutcome } from '../../engine/run.js';

export const SLACK_WORDS: Vocabulary = {
  option: (name) => `--${name}`,
  strategy: (strategy) => `--strategy ${strategy}`,
  status: (runId) => (runId ? `/mng status ${runId}` : '/mng status'),
  upgrade: () => '/mng upgrade',
};

export function findingWords(f: Finding): string {
  return findingText(f, SLACK_WORDS);
}

/** What to tell the person a UserError refuses; an engine Refusal is worded from its code and fields. */
export function refusalWords(err: UserError): RefusalWords {
  return err.worded(SLACK_WORDS);
}

export function surgeReasonWords(surgeReason: string): string {
  return surgeReasonText(surgeReason, SLACK_WORDS);
}

/** How a run ended, with its next step in Slack's words. */
export function summaryWords(outcome: RunOutcome): string {
  return summaryText(outcome, SLACK_WORDS);
}
