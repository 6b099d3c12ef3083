/**
 * A fixed-capacity ring buffer: pushing past capacity drops the oldest item, so memory stays flat however
 * long the server runs (docs/admin-api.md#exchanges).
 */
export class RingBuffer<T> {
  #items: (T | undefined)[];
  #start = 0;
  #size = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
    this.#items = new Array<T | undefined>(capacity);
  }

  get capacity(): number {
    return this.#items.length;
  }

  get size(): number {
    return this.#size;
  }

  /** Adds an item; returns the oldest one it pushed out when the buffer was full. */
  push(item: T): T | undefined {
    const capacity = this.#items.length;
    if (this.#size < capacity) {
      this.#items[(this.#start + this.#size) % capacity] = item;
      this.#size += 1;
      return undefined;
    }
    const dropped = this.#items[this.#start];
    this.#items[this.#start] = item;
    this.#start = (this.#start + 1) % capacity;
    return dropped;
  }

  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const oldest = this.#items[this.#start];
    this.#items[this.#start] = undefined;
    this.#start = (this.#start + 1) % this.#items.length;
    this.#size -= 1;
    return oldest;
  }

  /** Oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.#size; i++) {
      out.push(this.#items[(this.#start + i) % this.#items.length] as T);
    }
    return out;
  }

  /** The item at an index counted from the oldest. */
  at(index: number): T | undefined {
    if (index < 0 || index >= this.#size) return undefined;
    return this.#items[(this.#start + index) % this.#items.length];
  }

  /** The newest item, or undefined when empty. */
  last(): T | undefined {
    return this.#size === 0 ? undefined : this.#items[(this.#start + this.#size - 1) % this.#items.length];
  }

  /** The oldest item, or undefined when empty. */
  first(): T | undefined {
    return this.#size === 0 ? undefined : this.#items[this.#start];
  }

  clear(): void {
    this.#items = new Array<T | undefined>(this.#items.length);
    this.#start = 0;
    this.#size = 0;
  }

  /** Changes the capacity, keeping the newest items that fit. */
  resize(capacity: number): void {
    if (capacity === this.#items.length) return;
    const kept = this.toArray().slice(-capacity);
    this.#items = new Array<T | undefined>(capacity);
    this.#start = 0;
    this.#size = 0;
    for (const item of kept) this.push(item);
  }
}
