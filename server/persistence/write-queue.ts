/**
 * One serialized, coalescing writer (docs/cli.md#data-folder): at most one write runs at a time, and every change requested
 * while one runs is folded into the single write that follows it. A caller's promise resolves only after a
 * write that began after its request has completed, so "acknowledged" always means "on disk".
 */
export class WriteQueue {
  #running: Promise<void> | undefined;
  #next: Promise<void> | undefined;

  /** `write` must take its snapshot of the state synchronously, before its first await. */
  constructor(private readonly write: () => Promise<void>) {}

  request(): Promise<void> {
    if (this.#next !== undefined) return this.#next;
    const previous = this.#running;
    // Started on a later tick, so `#next` below is set before the write clears it.
    const next = Promise.resolve().then(async () => {
      if (previous !== undefined) await previous.catch(() => undefined);
      // From here on, a new request needs another write: this one's snapshot is about to be taken.
      this.#next = undefined;
      const running = this.write();
      this.#running = running;
      try {
        await running;
      } finally {
        if (this.#running === running) this.#running = undefined;
      }
    });
    this.#next = next;
    return next;
  }

  /** Resolves when nothing is being written or waiting to be. */
  async idle(): Promise<void> {
    while (this.#next !== undefined || this.#running !== undefined) {
      await (this.#next ?? this.#running)?.catch(() => undefined);
    }
  }
}
