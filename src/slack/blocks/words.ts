// The engine's outcomes in Slack's words: the same sentences as every front end, naming what a
// person types in Slack (the slash command, its options). Plain text: renderers escape it where they place it.
import { wordsIn } from '../../engine/outcome-text.js';
import type { Vocabulary } from '../../engine/outcomes.js';

export const SLACK_WORDS: Vocabulary = {
  option: (name) => `--${name}`,
  strategy: (strategy) => `--strategy ${strategy}`,
  // Without a run, /mng status shows the fleet; the runs there are, /mng history.
  status: (runId) => (runId ? `/mng status ${runId}` : '/mng history'),
  upgrade: () => '/mng upgrade',
};

export const { findingWords, refusalWords, surgeReasonWords, summaryWords, likeEksWords } = wordsIn(SLACK_WORDS);
