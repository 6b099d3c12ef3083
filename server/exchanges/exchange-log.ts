import { createHmac, randomBytes } from 'node:crypto';
import { DEFAULTS } from '../config/defaults.js';
import type { EventBus } from '../events.js';
import type { Exchange, ExchangeSummary } from './exchange.js';
import { RingBuffer } from './ring-buffer.js';

/** How many exchanges are kept unless the config's `exchangeLog.capacity` says otherwise. */
export const DEFAULT_EXCHANGE_LOG_CAPACITY = DEFAULTS.exchangeLog.capacity;

/**
 * How many exchanges one `GET /exchanges` page holds: `default` when the query names no `limit`, `max` at most
 * (docs/admin-api.md#exchanges). The route's schema and `query` both read these.
 */
export const EXCHANGE_PAGE = { default: 100, max: 1000 } as const;

interface Entry {
  readonly exchange: Exchange;
  /** What the entry's kept messages weigh (URL, headers, cut bodies, digests), in UTF-16 code units. */
  readonly bytes: number;
  /** Keyed digests of the tokens its messages carried (`tokenDigest`): an index, never shown or exported. */
  readonly digests: readonly string[];
}

/** The most distinct tokens indexed per exchange: a body stuffed with `code=` pairs cannot grow the index. */
export const MAX_DIGESTS_PER_EXCHANGE = 16;
/** 16 bytes of HMAC-SHA-256: 128 bits, far beyond any collision among a log's tokens. */
const DIGEST_BYTES = 16;
/** What one digest weighs in the byte budget: its 22 characters, the string's header and its slot. */
const DIGEST_WEIGHT = 48;

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
  readonly #buffer: RingBuffer<Entry>;
  #seq = 0;
  #bytes = 0;
  #maxBytes: number;
  /**
   * The key of the token index, random per sandbox and never stored or sent: without it a digest cannot be
   * reversed, nor matched offline against a guessed token, so even if one leaked it would give nothing away.
   */
  readonly #digestKey = randomBytes(32);

  constructor(
    capacity: number,
    private readonly events: EventBus,
    /** The config's `exchangeLog.maxBytes`, resolved (config/defaults.ts). */
    maxBytes: number,
  ) {
    this.#buffer = new RingBuffer(capacity);
    this.#maxBytes = maxBytes;
  }

  get capacity(): number {
    return this.#buffer.capacity;
  }

  /** The most the kept messages may weigh; the oldest entries go first to stay under it. */
  get maxBytes(): number {
    return this.#maxBytes;
  }

  /** What the kept messages weigh now. */
  get bytes(): number {
    return this.#bytes;
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
  record(build: (seq: number) => Exchange, bytes: number, tokens: readonly string[] = []): Exchange {
    this.#seq += 1;
    const exchange = build(this.#seq);
    const digests = [...new Set(tokens.map((token) => this.digestOf(token)))].slice(
      0,
      MAX_DIGESTS_PER_EXCHANGE,
    );
    const weight = bytes + digests.length * DIGEST_WEIGHT;
    const dropped = this.#buffer.push({ exchange, bytes: weight, digests });
    this.#bytes += weight - (dropped?.bytes ?? 0);
    this.#trim();
    this.events.emit('exchange.recorded', summaryOf(exchange));
    return exchange;
  }

  /** Drops the oldest entries until the kept messages fit `maxBytes` (the newest entry always stays). */
  #trim(): void {
    while (this.#bytes > this.#maxBytes && this.#buffer.size > 1) {
      this.#bytes -= this.#buffer.shift()?.bytes ?? 0;
    }
  }

  /**
   * A token's entry in the index: HMAC-SHA-256 under the per-sandbox key, cut to 16 bytes, base64url. For the
   * server's own use (and tests that check no digest leaks); no route answers with one.
   */
  digestOf(token: string): string {
    return createHmac('sha256', this.#digestKey)
      .update(token)
      .digest()
      .subarray(0, DIGEST_BYTES)
      .toString('base64url');
  }

  /**
   * The seqs of the exchanges still kept that carried this exact token (request or response), newest first,
   * at most `limit`: the inspector's links (docs/admin-api.md#inspect).
   */
  exchangesWith(token: string, limit: number): number[] {
    const digest = this.digestOf(token);
    const seqs: number[] = [];
    for (let i = this.#buffer.size - 1; i >= 0 && seqs.length < limit; i--) {
      const entry = this.#buffer.at(i);
      if (entry?.digests.includes(digest) === true) seqs.push(entry.exchange.seq);
    }
    return seqs;
  }

  get(seq: number): Exchange | undefined {
    const first = this.#buffer.first();
    if (first === undefined || seq < first.exchange.seq || seq > this.#seq) return undefined;
    return this.#buffer.at(seq - first.exchange.seq)?.exchange;
  }

  query(q: ExchangeQuery = {}): Exchange[] {
    const limit = q.limit ?? EXCHANGE_PAGE.default;
    const matches = this.#buffer
      .toArray()
      .map((entry) => entry.exchange)
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
    this.#bytes = 0;
  }

  resize(capacity: number, maxBytes = this.#maxBytes): void {
    this.#buffer.resize(capacity);
    this.#bytes = this.#buffer.toArray().reduce((sum, entry) => sum + entry.bytes, 0);
    this.#maxBytes = maxBytes;
    this.#trim();
  }
}
