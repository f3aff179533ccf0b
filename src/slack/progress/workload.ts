// Work in progress, counted, so that a caller can wait for it to be done without polling: "every
// event handled", "this run's messages show their latest state", "everything flushed" are each a
// promise that resolves on the end() that brings the count to zero.

export class Workload {
  private count = 0;
  private waiters: (() => void)[] = [];

  /** A parent counts this workload as one piece of its own while this one has anything in progress. */
  constructor(private readonly parent?: Workload) {}

  get busy(): boolean {
    return this.count > 0;
  }

  begin(): void {
    if (this.count++ === 0) this.parent?.begin();
  }

  end(): void {
    if (this.count === 0) throw new Error('Workload.end() without a begin()');
    if (--this.count > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
    this.parent?.end();
  }

  /** Counts the promise as work until it settles. */
  track<T>(work: Promise<T>): Promise<T> {
    this.begin();
    return work.finally(() => this.end());
  }

  /** Resolves once nothing is in progress: at once when nothing is. */
  drained(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** drained(), or a rejection with `message` after timeoutMs. */
  async drainedWithin(timeoutMs: number, message: string): Promise<void> {
    if (!this.busy) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), timeoutMs);
    });
    try {
      await Promise.race([this.drained(), late]);
    } finally {
      clearTimeout(timer);
    }
  }
}
