import type { Clock } from '../clock.js';
import { SANDBOX_EVENT_NAMES, type EventBus, type SandboxEventName, type SandboxEvents } from '../events.js';
import { shorten } from '../exchanges/mask.js';
import { RingBuffer } from '../exchanges/ring-buffer.js';
import { artefactId } from './issued-index.js';

/** One event of the live stream, with the id a reconnecting client sends back as `Last-Event-ID`. */
export interface JournalEntry {
  readonly id: number;
  readonly event: SandboxEventName;
  readonly time: string;
  readonly data: unknown;
}

/** How many recent events a reconnecting client can catch up on. */
export const EVENT_JOURNAL_CAPACITY = 1_000;

/**
 * The payload as the admin stream shows it: codes and refresh tokens are secrets, so they appear shortened,
 * with the id the grants view uses for them.
 */
export function publicPayload<K extends SandboxEventName>(name: K, payload: SandboxEvents[K]): unknown {
  const p = payload as Record<string, unknown>;
  const secret = (kind: 'code' | 'refresh_token', value: unknown) =>
    typeof value === 'string' ? { preview: shorten(value), artefact: artefactId(kind, value) } : value;
  switch (name) {
    case 'code.issued':
    case 'code.consumed':
      return { ...p, code: secret('code', p['code']) };
    case 'refresh.rotated':
      return { ...p, from: secret('refresh_token', p['from']), to: secret('refresh_token', p['to']) };
    case 'token.issued':
    case 'token.revoked':
    case 'token.expired':
      return p['kind'] === 'refresh_token' || p['kind'] === 'code'
        ? { ...p, id: secret(p['kind'], p['id']) }
        : p;
    default:
      return p;
  }
}

/** Every domain event in order, the newest kept, for the live stream and for clients that reconnect. */
export class EventJournal {
  readonly #buffer = new RingBuffer<JournalEntry>(EVENT_JOURNAL_CAPACITY);
  readonly #listeners = new Set<(entry: JournalEntry) => void>();
  #seq = 0;

  constructor(events: EventBus, clock: Clock) {
    for (const name of SANDBOX_EVENT_NAMES) {
      events.on(name, (payload) => {
        this.#seq += 1;
        const entry: JournalEntry = {
          id: this.#seq,
          event: name,
          time: new Date(clock.now()).toISOString(),
          data: publicPayload(name, payload),
        };
        this.#buffer.push(entry);
        for (const listener of this.#listeners) listener(entry);
      });
    }
  }

  get latestId(): number {
    return this.#seq;
  }

  /**
   * The events after `id`. `complete` is false when some were already dropped from the journal: the client
   * missed events and should reload what it shows.
   */
  since(id: number): { entries: JournalEntry[]; complete: boolean } {
    const oldest = this.#buffer.first()?.id ?? this.#seq + 1;
    const entries = this.#buffer.toArray().filter((e) => e.id > id);
    // An id from before a restart (above the newest) means the client missed everything since.
    return { entries, complete: id <= this.#seq && id >= oldest - 1 };
  }

  subscribe(listener: (entry: JournalEntry) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
