// The engine's outcomes in the CLI's words: the same sentences as Slack, naming the CLI's commands
// rather than the slash command.
import { wordsIn } from '../engine/outcome-text.js';
import type { Vocabulary } from '../engine/outcomes.js';

export const CLI_WORDS: Vocabulary = {
  option: (name) => `--${name}`,
  strategy: (strategy) => `--strategy ${strategy}`,
  status: (runId) => (runId ? `mngbot status ${runId}` : 'mngbot status'),
  upgrade: () => 'mngbot upgrade',
};

export const { findingWords, refusalWords, surgeReasonWords, summaryWords, likeEksWords } = wordsIn(CLI_WORDS);
