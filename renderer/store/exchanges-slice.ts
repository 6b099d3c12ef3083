import type { Exchange, ExchangeSummary } from '../api/types.js';
import type { AdminApi } from '../api/admin-client.js';
import { messageOf } from './errors.js';
import { issuerList, MAX_FOLLOWED_ISSUERS } from './issuers-slice.js';
import type { AppState, Remote, SliceCreator } from './types.js';

/** How many exchanges the page keeps; older ones fall off the front (the server keeps its own log). */
export const EXCHANGE_BUFFER = 50_000;

/**
 * An exchange as Activity lists it. With several issuers each log numbers its own exchanges, so every item
 * names the issuer whose log it came from and (issuer, seq) is what tells two apart.
 */
export type ListedExchange = ExchangeSummary & { readonly issuer?: string };

export interface ExchangeLog {
  /** Oldest first, at most EXCHANGE_BUFFER. */
  readonly items: readonly ListedExchange[];
  /** How many fell off the front since the page opened. */
  readonly dropped: number;
  /** The highest seq held per issuer (`''` untagged), so a replayed or overlapping event is never listed twice. */
  readonly lastSeqs: Readonly<Record<string, number>>;
}

export interface ExchangesSlice {
  readonly exchanges: ExchangeLog;
  readonly exchangesLoad: Remote<true>;
  readonly selectedSeq: number | undefined;
  /** The issuer of the selected exchange, when Activity lists several issuers. */
  readonly selectedIssuer: string | undefined;
  readonly exchangeDetail: Remote<Exchange>;
  /** Reads the log: every issuer's, merged by time, when the sandbox has several (README "Many issuers"). */
  readonly loadExchanges: () => Promise<void>;
  /** Appends newer exchanges (a batch per animation frame from the live stream). */
  readonly appendExchanges: (batch: readonly ListedExchange[]) => void;
  /** Shows one exchange; `issuer` names its log (the chosen issuer's when absent). */
  readonly selectExchange: (seq: number | undefined, issuer?: string) => Promise<void>;
  readonly clearExchanges: () => void;
}

export const EMPTY_LOG: ExchangeLog = { items: [], dropped: 0, lastSeqs: {} };

/** The log with `batch` appended: each issuer's seq order kept, duplicates skipped, bounded to `limit`. */
export function appendToLog(
  log: ExchangeLog,
  batch: readonly ListedExchange[],
  limit = EXCHANGE_BUFFER,
): ExchangeLog {
  const lastSeqs: Record<string, number> = { ...log.lastSeqs };
  const fresh: ListedExchange[] = [];
  for (const e of batch) {
    const key = e.issuer ?? '';
    if (e.seq <= (lastSeqs[key] ?? 0)) continue;
    fresh.push(e);
    lastSeqs[key] = e.seq;
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
  return { items, dropped: log.dropped + overflow, lastSeqs };
}

/** Where the log is read from: the chosen issuer alone (untagged), or every issuer (tagged) when there are several. */
function logSources(api: AdminApi, s: AppState): { readonly issuer?: string; readonly api: AdminApi }[] {
  const issuers = issuerList(s);
  if (issuers.length <= 1) return [{ api }];
  return issuers.slice(0, MAX_FOLLOWED_ISSUERS).map((v) => ({ issuer: v.name, api: api.forIssuer(v.admin) }));
}

function bySeq(a: ListedExchange, b: ListedExchange): number {
  return a.seq - b.seq;
}

/** Oldest first across issuers; seq breaks a tie within one. */
function byTime(a: ListedExchange, b: ListedExchange): number {
  return a.time < b.time ? -1 : a.time > b.time ? 1 : a.seq - b.seq;
}

/** A log of `items`, already free of duplicates and in order: the newest EXCHANGE_BUFFER of them. */
function logOf(items: readonly ListedExchange[]): ExchangeLog {
  const kept = items.length > EXCHANGE_BUFFER ? items.slice(items.length - EXCHANGE_BUFFER) : items;
  const lastSeqs: Record<string, number> = {};
  for (const e of kept) {
    const key = e.issuer ?? '';
    lastSeqs[key] = Math.max(lastSeqs[key] ?? 0, e.seq);
  }
  return { items: kept, dropped: 0, lastSeqs };
}

/** What the admin API of the issuer whose log holds an exchange answers to: `issuer` undefined is the chosen one. */
function apiOf(api: AdminApi, s: AppState, issuer: string | undefined): AdminApi {
  const view = issuer === undefined ? undefined : issuerList(s).find((v) => v.name === issuer);
  return view === undefined ? api : api.forIssuer(view.admin);
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
  selectedIssuer: undefined,
  exchangeDetail: { status: 'idle' },
  loadExchanges: async () => {
    set({ exchangesLoad: { status: 'loading' } });
    try {
      const sources = logSources(deps.api, get());
      const lists = await Promise.all(
        sources.map(async (source) =>
          (await source.api.listExchanges()).map((e): ListedExchange =>
            source.issuer === undefined ? summaryOf(e) : { ...summaryOf(e), issuer: source.issuer },
          ),
        ),
      );
      // Events that arrived while the lists were on their way are newer: merge, never replace them.
      const current = get().exchanges;
      const held = new Set(current.items.map((e) => `${e.issuer ?? ''}:${e.seq}`));
      const older = lists.flat().filter((e) => !held.has(`${e.issuer ?? ''}:${e.seq}`));
      const merged = logOf([...older, ...current.items].sort(sources.length > 1 ? byTime : bySeq));
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
  selectExchange: async (seq, issuer) => {
    if (seq === undefined) {
      set({ selectedSeq: undefined, selectedIssuer: undefined, exchangeDetail: { status: 'idle' } });
      return;
    }
    // With several issuers the list's items are tagged; one picked elsewhere (the inspector) is the chosen issuer's.
    const tagged = issuer ?? (issuerList(get()).length > 1 ? get().issuerName : undefined);
    const current = () => get().selectedSeq === seq && get().selectedIssuer === tagged;
    set({ selectedSeq: seq, selectedIssuer: tagged, exchangeDetail: { status: 'loading' } });
    try {
      const detail = await apiOf(deps.api, get(), tagged).getExchange(seq);
      if (current()) set({ exchangeDetail: { status: 'ready', data: detail } });
    } catch (err) {
      if (current()) set({ exchangeDetail: { status: 'error', message: messageOf(err) } });
    }
  },
  clearExchanges: () => {
    set({
      exchanges: EMPTY_LOG,
      selectedSeq: undefined,
      selectedIssuer: undefined,
      exchangeDetail: { status: 'idle' },
    });
  },
});
