import type { Exchange, ExchangeSummary } from '../api/types.js';
import { messageOf } from './errors.js';
import type { Remote, SliceCreator } from './types.js';

/** How many exchanges the page keeps; older ones fall off the front (the server keeps its own log). */
export const EXCHANGE_BUFFER = 50_000;

export interface ExchangeLog {
  /** Oldest first, at most EXCHANGE_BUFFER. */
  readonly items: readonly ExchangeSummary[];
  /** How many fell off the front since the page opened. */
  readonly dropped: number;
  /** The highest seq held, so a replayed or overlapping event is never listed twice. */
  readonly lastSeq: number;
}

export interface ExchangesSlice {
  readonly exchanges: ExchangeLog;
  readonly exchangesLoad: Remote<true>;
  readonly selectedSeq: number | undefined;
  readonly exchangeDetail: Remote<Exchange>;
  readonly loadExchanges: () => Promise<void>;
  /** Appends newer exchanges (a batch per animation frame from the live stream). */
  readonly appendExchanges: (batch: readonly ExchangeSummary[]) => void;
  readonly selectExchange: (seq: number | undefined) => Promise<void>;
  readonly clearExchanges: () => void;
}

export const EMPTY_LOG: ExchangeLog = { items: [], dropped: 0, lastSeq: 0 };

/** The log with `batch` appended: seq order kept, duplicates skipped, bounded to `limit`. */
export function appendToLog(
  log: ExchangeLog,
  batch: readonly ExchangeSummary[],
  limit = EXCHANGE_BUFFER,
): ExchangeLog {
  let lastSeq = log.lastSeq;
  const fresh: ExchangeSummary[] = [];
  for (const e of batch) {
    if (e.seq <= lastSeq) continue;
    fresh.push(e);
    lastSeq = e.seq;
  }
  if (fresh.length === 0) return log;
  const total = log.items.length + fresh.length;
  const overflow = Math.max(0, total - limit);
  const items =
    overflow === 0
      ? log.items.concat(fresh)
      : overflow >= log.items.length
        ? fresh.slice(overflow - log.items.length)
        : log.items.slice(overflow).concat(fresh);
  return { items, dropped: log.dropped + overflow, lastSeq };
}

function summaryOf(e: Exchange): ExchangeSummary {
  return {
    seq: e.seq,
    time: e.time,
    durationMs: e.durationMs,
    method: e.method,
    path: e.path,
    status: e.status,
    verdict: e.verdict,
    ...(e.clientId === undefined ? {} : { clientId: e.clientId }),
    ...(e.failure === undefined ? {} : { failure: e.failure }),
  };
}

export const createExchangesSlice: SliceCreator<ExchangesSlice> = (deps) => (set, get) => ({
  exchanges: EMPTY_LOG,
  exchangesLoad: { status: 'idle' },
  selectedSeq: undefined,
  exchangeDetail: { status: 'idle' },
  loadExchanges: async () => {
    set({ exchangesLoad: { status: 'loading' } });
    try {
      const list = await deps.api.listExchanges();
      const ordered = list.map(summaryOf).sort((a, b) => a.seq - b.seq);
      // Events that arrived while the list was on its way are newer: merge, never replace them.
      const current = get().exchanges;
      const older = ordered.filter((e) => current.items.length === 0 || e.seq < (current.items[0]?.seq ?? 0));
      const merged = appendToLog(EMPTY_LOG, [...older, ...current.items]);
      set({
        exchanges: { ...merged, dropped: current.dropped },
        exchangesLoad: { status: 'ready', data: true },
      });
    } catch (err) {
      set({ exchangesLoad: { status: 'error', message: messageOf(err) } });
    }
  },
  appendExchanges: (batch) => {
    const next = appendToLog(get().exchanges, batch);
    if (next !== get().exchanges) set({ exchanges: next });
  },
  selectExchange: async (seq) => {
    if (seq === undefined) {
      set({ selectedSeq: undefined, exchangeDetail: { status: 'idle' } });
      return;
    }
    set({ selectedSeq: seq, exchangeDetail: { status: 'loading' } });
    try {
      const detail = await deps.api.getExchange(seq);
      if (get().selectedSeq === seq) set({ exchangeDetail: { status: 'ready', data: detail } });
    } catch (err) {
      if (get().selectedSeq === seq) set({ exchangeDetail: { status: 'error', message: messageOf(err) } });
    }
  },
  clearExchanges: () => {
    set({ exchanges: EMPTY_LOG, selectedSeq: undefined, exchangeDetail: { status: 'idle' } });
  },
});
