/** A data file (or the data directory) is unusable: start-up stops and the file is left exactly as it was. */
export class DataFileError extends Error {
  override name = 'DataFileError';
  constructor(
    readonly file: string,
    readonly problem: string,
    advice = 'fix or move the file; mngbot never overwrites it',
  ) {
    super(`${file}: ${problem} — ${advice}`);
  }
}
