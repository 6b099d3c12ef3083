import type { EventBus } from '../events.js';
import type { Exchange, ExchangeSummary } from './exchange.js';
import { RingBuffer } from './ring-buffer.js';

/** How many exchanges are kept unless the config's `exchangeLog.capacity` says otherwise. */
export const DEFAULT_EXCHANGE_LOG_CAPACITY = 5_000;

export interface ExchangeQuery {
  /** Only exchanges after this seq (paging forward); without it, the newest ones. */
  readonly since?: number;
  readonly limit?: number;
  readonly clientId?: string;
  /** Only exchanges shaped by this failure id, or by any failure with `*`. */
  readonly failure?: string;
  /** Only exchanges whose path starts with this. */
  readonly path?: string;
}

export function summaryOf(exchange: Exchange): ExchangeSummary {
  return {
    seq: exchange.seq,
    time: exchange.time,
    durationMs: exchange.durationMs,
    method: exchange.method,
    path: exchange.path,
    status: exchange.status,
    ...(exchange.clientId === undefined ? {} : { clientId: exchange.clientId }),
    ...(exchange.failure === undefined ? {} : { failure: exchange.failure }),
    verdict: exchange.verdict,
  };
}

/**
 * Every HTTP exchange with the sandbox, newest kept, in a bounded ring buffer; each one recorded is
 * announced as `exchange.recorded` for the live view.
 */
export class ExchangeLog {
  readonly #buffer: RingBuffer<Exchange>;
  #seq = 0;

  constructor(
    capacity: number,
    private readonly events: EventBus,
  ) {
    this.#buffer = new RingBuffer(capacity);
  }

  get capacity(): number {
    return this.#buffer.capacity;
  }

  get size(): number {
    return this.#buffer.size;
  }

  /** The seq of the newest exchange (0 before any). */
  get latestSeq(): number {
    return this.#seq;
  }

  /**
   * Records the exchange `build` makes for the next seq. A builder rather than an object to copy, so an
   * entry's lazily masked parts (record-hooks.ts) stay lazy.
   */
  record(build: (seq: number) => Exchange): Exchange {
    this.#seq += 1;
    const exchange = build(this.#seq);
    this.#buffer.push(exchange);
    this.events.emit('exchange.recorded', summaryOf(exchange));
    return exchange;
  }

  get(seq: number): Exchange | undefined {
    const first = this.#buffer.first();
    if (first === undefined || seq < first.seq || seq > this.#seq) return undefined;
    return this.#buffer.at(seq - first.seq);
  }

  query(q: ExchangeQuery = {}): Exchange[] {
    const limit = q.limit ?? 100;
    const matches = this.#buffer
      .toArray()
      .filter(
        (e) =>
          (q.since === undefined || e.seq > q.since) &&
          (q.clientId === undefined || e.clientId === q.clientId) &&
          (q.failure === undefined ||
            (q.failure === '*' ? e.failure !== undefined : e.failure === q.failure)) &&
          (q.path === undefined || e.path.startsWith(q.path)),
      );
    return q.since === undefined ? matches.slice(-limit) : matches.slice(0, limit);
  }

  clear(): void {
    this.#buffer.clear();
  }

  resize(capacity: number): void {
    this.#buffer.resize(capacity);
  }
}
