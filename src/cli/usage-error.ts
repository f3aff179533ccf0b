/** A mistake on the command line: exit 2 with the message and the command's usage. */
export class UsageError extends Error {
  override name = 'UsageError';
}
