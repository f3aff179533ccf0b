// The node records of a run changed in place since its last save. A step names what it changes; a
// change that need not be saved at once (a count that a restarted bot works out again) rides along
// with a later step's save, so the names outlive the step and are forgotten only once saved.
import type { ChangedRecords } from './ports.js';

export class UnsavedRecords {
  private records: Set<object> | 'all' = new Set();

  /** `rec` changed; without one, the run changed where the caller did not say. */
  add(rec?: object): void {
    if (!rec) this.records = 'all';
    else if (this.records !== 'all') this.records.add(rec);
  }

  /** What to tell the store: undefined when any record may have changed. */
  get changed(): ChangedRecords | undefined {
    return this.records === 'all' ? undefined : this.records;
  }

  saved(): void {
    this.records = new Set();
  }
}
