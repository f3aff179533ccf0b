/** A problem the person who asked can fix; its message is safe to show them as it is. */
export class UserError extends Error {
  override name = 'UserError';
  constructor(message: string, readonly hint?: string) {
    super(message);
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
export class StoreUnavailableError extends UserError {
  override name = 'StoreUnavailableError';
  constructor(override readonly cause: unknown) {
    super(
      `mngbot cannot save its state right now (${errorMessage(cause)}); nothing was changed`,
      'upgrades in flight are paused and retry on their own; free the data volume or fix the store, then try again',
    );
  }
}
