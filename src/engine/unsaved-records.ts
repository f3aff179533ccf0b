// The node records of a run changed in place since its last save. A step names what it changes; a
// change that need not be saved at once (a count that a restarted bot works out again) rides along
// with a later step's save, so the names outlive the step and are forgotten only once saved.
import type { ChangedRecords } from './ports.js';

export class UnsavedRecords {
  private records = new Set<object>();

  add(rec: object): void {
    this.records.add(rec);
  }

  /** What to tell the store changed. */
  get changed(): ChangedRecords {
    return this.records;
  }

  saved(): void {
    this.records = new Set();
  }
}
