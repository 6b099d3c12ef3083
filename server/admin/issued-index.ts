import { createHash } from 'node:crypto';
import type { EventBus } from '../events.js';
import { shorten } from '../exchanges/mask.js';
import type { ArtefactStore } from '../store/artefacts.js';
import type { ArtefactKind, ArtefactState, IssuedArtefact } from './shapes.js';

export type { ArtefactKind, ArtefactState, IssuedArtefact };

interface Entry {
  readonly id: string;
  readonly kind: ArtefactKind;
  readonly clientId: string;
  readonly grantId: string | undefined;
  /** The code or refresh token value, or the jti of an access or id token. */
  readonly value: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

/** How many recently issued artefacts the grants view remembers; older ones drop off the list. */
export const ISSUED_INDEX_CAPACITY = 2_000;

/** The id shown for a code or refresh token: a digest, so the admin API never repeats a usable secret. */
export function artefactId(kind: ArtefactKind, value: string): string {
  if (kind === 'access_token' || kind === 'id_token') return value;
  return `${kind === 'code' ? 'c' : 'r'}-${createHash('sha256').update(value).digest('base64url').slice(0, 16)}`;
}

/**
 * The recently issued artefacts, for display and for "expire now" and "revoke". It listens to the domain
 * events; what an artefact's state is comes from the store at the moment it is asked.
 */
export class IssuedIndex {
  readonly #entries = new Map<string, Entry>();
  /**
   * The signed access and id tokens of listed entries, for the workbench's Decode and Introspect behind the
   * admin token (`GET /grants/:id/token`). Never in `list()`, events or the state file; dropped with the entry.
   */
  readonly #tokens = new Map<string, string>();

  constructor(
    events: EventBus,
    private readonly store: ArtefactStore,
    private readonly now: () => number,
  ) {
    events.on('code.issued', (e) => {
      this.#add('code', e.code, e.clientId, undefined, e.expiresAt);
    });
    events.on('token.issued', (e) => {
      this.#add(e.kind, e.id, e.clientId, e.grantId, e.expiresAt);
    });
  }

  /** Lists what a restored store still holds (after a restart), oldest first. */
  seedFrom(store: ArtefactStore): void {
    for (const a of store.held()) this.#add(a.kind, a.value, a.clientId, a.grantId, a.expiresAt, a.issuedAt);
  }

  #add(
    kind: ArtefactKind,
    value: string,
    clientId: string,
    grantId: string | undefined,
    expiresAt: number,
    issuedAt: number = this.now(),
  ): void {
    const id = artefactId(kind, value);
    this.#entries.set(id, {
      id,
      kind,
      clientId,
      grantId,
      value,
      issuedAt,
      expiresAt,
    });
    if (this.#entries.size > ISSUED_INDEX_CAPACITY) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) {
        this.#entries.delete(oldest);
        this.#tokens.delete(oldest);
      }
    }
  }

  /** Newest first. */
  list(): IssuedArtefact[] {
    return [...this.#entries.values()].reverse().map((e) => this.#view(e));
  }

  /** Keeps the signed JWT of a listed access or id token (by its jti), so an admin can ask for it. */
  keepToken(jti: string, token: string): void {
    const entry = this.#entries.get(jti);
    if (entry?.kind === 'access_token' || entry?.kind === 'id_token') this.#tokens.set(jti, token);
  }

  /** The signed JWT of a listed access or id token issued since this process started, if kept. */
  tokenOf(id: string): string | undefined {
    return this.#tokens.get(id);
  }

  find(id: string): Entry | undefined {
    return this.#entries.get(id);
  }

  view(id: string): IssuedArtefact | undefined {
    const entry = this.#entries.get(id);
    return entry === undefined ? undefined : this.#view(entry);
  }

  /** An entry's state, as the store computes it; a code or refresh token it forgot had expired long ago. */
  #stateOf(entry: Entry): { state: ArtefactState; expiresAt: number; grantId: string | undefined } {
    const status = this.store.stateOf(entry);
    return {
      state: status.state,
      expiresAt: status.expiresAt ?? entry.expiresAt,
      grantId: status.grantId ?? entry.grantId,
    };
  }

  #view(entry: Entry): IssuedArtefact {
    const { state, expiresAt, grantId } = this.#stateOf(entry);
    return {
      id: entry.id,
      kind: entry.kind,
      clientId: entry.clientId,
      ...(grantId === undefined ? {} : { grantId }),
      preview: shorten(entry.value),
      state,
      issuedAt: new Date(entry.issuedAt).toISOString(),
      expiresAt: new Date(expiresAt).toISOString(),
    };
  }
}
