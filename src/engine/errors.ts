import { NEUTRAL_WORDS, refusalText, type RefusalWords } from './outcome-text.js';
import type { RefusalFacts, Vocabulary } from './outcomes.js';

/** A problem the person who asked can fix; its message is safe to show them as it is. */
export class UserError extends Error {
  override name = 'UserError';
  constructor(message: string, readonly hint?: string) {
    super(message);
  }

  /** The message and hint in a front end's words; a plain UserError has only its own. */
  worded(_words: Vocabulary): RefusalWords {
    return this.hint === undefined ? { message: this.message } : { message: this.message, hint: this.hint };
  }
}

/**
 * A refusal of the engine's, as data: front ends word `outcome` (slack/blocks/words.ts, cli/words.ts);
 * the message and hint are the neutral wording, for logs.
 */
export class Refusal<R extends RefusalFacts = RefusalFacts> extends UserError {
  override name = 'Refusal';
  constructor(readonly outcome: R) {
    const { message, hint } = refusalText(outcome, NEUTRAL_WORDS);
    super(message, hint);
  }

  override worded(words: Vocabulary): RefusalWords {
    return refusalText(this.outcome, words);
  }
}

/** A passing fault (throttling, a dropped connection): the same call may succeed later. */
export class RetryableError extends Error {
  override name = 'RetryableError';
  constructor(message: string, readonly retryAfterMs?: number) {
    super(message);
  }
}

/** Something that will not get better by retrying: the run stops and cleans up. */
export class FatalError extends Error {
  override name = 'FatalError';
}

/** A compare-and-set lost against a concurrent writer. */
export class ConflictError extends Error {
  override name = 'ConflictError';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The store could not read or write (a full disk, an I/O error, a lost lock): nothing that needed
 * saving was changed, and the same request can succeed once the store works again.
 */
export class StoreUnavailableError extends Refusal<Extract<RefusalFacts, { code: 'store-unavailable' }>> {
  override name = 'StoreUnavailableError';
  constructor(override readonly cause: unknown) {
    super({ code: 'store-unavailable', fields: { cause: errorMessage(cause) } });
  }
}
