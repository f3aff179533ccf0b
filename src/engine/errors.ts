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
