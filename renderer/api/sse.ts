/**
 * Server-Sent Events over `fetch`. `EventSource` cannot send an `Authorization` header, and the admin token
 * must not travel in a URL, so the workbench reads the stream itself: an incremental parser of the
 * `text/event-stream` format (WHATWG HTML §9.2.6) and a reconnecting reader that resumes with `Last-Event-ID`.
 */

/** One dispatched event. */
export interface SseMessage {
  /** The last event id seen so far (it carries over to later events, as the spec says). */
  readonly id: string | undefined;
  /** The `event:` field, `message` when absent. */
  readonly event: string;
  readonly data: string;
}

/** Parses a stream fed in arbitrary chunks; lines may end in CRLF, LF or CR, and split anywhere. */
export class SseParser {
  #pending = '';
  #data: string[] = [];
  #event = '';
  #first = true;
  #afterCr = false;
  /** The last event id buffer (HTML §9.2.6: set by `id:`, kept across events). */
  lastEventId: string | undefined;
  /** The reconnection time the server asked for with `retry:`, in ms. */
  retryMs: number | undefined;

  /** Feeds decoded text; returns the events completed by it. */
  feed(chunk: string): SseMessage[] {
    let text = this.#pending + chunk;
    if (this.#first && text.length > 0) {
      this.#first = false;
      if (text.startsWith('\uFEFF')) text = text.slice(1);
    }
    // A CR ends a line at once; an LF right after it (perhaps in the next chunk) belongs to the same CRLF.
    if (this.#afterCr && text.startsWith('\n')) text = text.slice(1);
    this.#afterCr = false;
    const out: SseMessage[] = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c !== '\n' && c !== '\r') continue;
      this.#line(text.slice(start, i), out);
      if (c === '\r') {
        if (i === text.length - 1) this.#afterCr = true;
        else if (text[i + 1] === '\n') i++;
      }
      start = i + 1;
    }
    this.#pending = text.slice(start);
    return out;
  }

  #line(line: string, out: SseMessage[]): void {
    if (line === '') {
      this.#dispatch(out);
      return;
    }
    if (line.startsWith(':')) return; // a comment (often a keep-alive)
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.#data.push(value);
        break;
      case 'event':
        this.#event = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break; // unknown fields are ignored
    }
  }

  #dispatch(out: SseMessage[]): void {
    const event = this.#event === '' ? 'message' : this.#event;
    const data = this.#data;
    this.#data = [];
    this.#event = '';
    if (data.length === 0) return;
    out.push({ id: this.lastEventId, event, data: data.join('\n') });
  }
}

/** The state of the live connection, for the status indicator. */
export type StreamStatus =
  | { readonly state: 'connecting'; readonly attempt: number }
  | { readonly state: 'open' }
  | {
      readonly state: 'retrying';
      readonly attempt: number;
      readonly delayMs: number;
      readonly reason: string;
    }
  | { readonly state: 'stopped'; readonly reason: string; readonly status?: number };

/** Exponential backoff with a ceiling: 0.5 s, 1 s, 2 s … 15 s, or the server's `retry:` when it gave one. */
export function backoffDelay(attempt: number, serverRetryMs?: number, maxMs = 15_000): number {
  const exponential = Math.min(maxMs, 500 * 2 ** Math.max(0, attempt - 1));
  return serverRetryMs === undefined ? exponential : Math.max(serverRetryMs, exponential);
}

export interface EventStreamOptions {
  readonly url: string;
  /** Headers for each (re)connection; called every time, so a new token is picked up. */
  readonly headers: () => Readonly<Record<string, string>>;
  readonly onMessage: (message: SseMessage) => void;
  readonly onStatus: (status: StreamStatus) => void;
  readonly signal: AbortSignal;
  readonly fetch?: typeof fetch;
  /** Waits `ms` or until aborted; injectable so tests need no real time. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Reads the event stream until `signal` aborts, reconnecting with backoff and `Last-Event-ID` after every
 * drop. A 401 or 403 stops it for good: retrying with a rejected token would only hammer the server.
 */
export async function runEventStream(options: EventStreamOptions): Promise<void> {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const sleep = options.sleep ?? abortableSleep;
  const { signal } = options;
  // A function, not the property: the signal may abort during any await below.
  const aborted = () => signal.aborted;
  let lastEventId: string | undefined;
  let retryMs: number | undefined;
  let attempt = 0;
  while (!aborted()) {
    attempt++;
    options.onStatus({ state: 'connecting', attempt });
    let reason: string;
    try {
      const headers: Record<string, string> = { ...options.headers(), Accept: 'text/event-stream' };
      if (lastEventId !== undefined) headers['Last-Event-ID'] = lastEventId;
      const response = await doFetch(options.url, { headers, signal, cache: 'no-store' });
      if (response.status === 401 || response.status === 403) {
        options.onStatus({
          state: 'stopped',
          status: response.status,
          reason: `the server refused the live stream (${response.status}); sign in again`,
        });
        return;
      }
      if (!response.ok || response.body === null) {
        reason = `the live stream answered ${response.status}`;
      } else {
        options.onStatus({ state: 'open' });
        const parser = new SseParser();
        parser.lastEventId = lastEventId;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          // Data is flowing: a later drop starts the backoff afresh.
          attempt = 0;
          for (const message of parser.feed(value)) options.onMessage(message);
          lastEventId = parser.lastEventId;
          retryMs = parser.retryMs ?? retryMs;
        }
        reason = 'the server closed the live stream';
      }
    } catch (err) {
      if (aborted()) return;
      reason = `cannot reach the server (${err instanceof Error ? err.message : String(err)})`;
    }
    if (aborted()) return;
    const delayMs = backoffDelay(Math.max(1, attempt), retryMs);
    options.onStatus({ state: 'retrying', attempt, delayMs, reason });
    await sleep(delayMs, signal);
  }
}
