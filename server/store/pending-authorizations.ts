import type { Clock } from '../clock.js';
import type { LaunchContext } from './artefacts.js';
import { randomToken } from './random.js';

/** How long a consent page stays answerable. */
export const PENDING_LIFETIME_MS = 10 * 60_000;

/**
 * Authorization requests waiting for a person's decision (interactive mode). Each id is 256 random bits
 * and single-use: taking it removes it, so a decision can be posted once, and only by the page that was
 * shown (an attacker's page cannot guess the id, which is what makes the decision form CSRF-safe).
 */
export class PendingAuthorizations<T> {
  readonly #pending = new Map<string, { readonly value: T; readonly expiresAt: number }>();

  constructor(
    private readonly clock: Clock,
    /** How many requests may wait at once (`limits.pendingAuthorizations`). */
    private readonly max: () => number = () => Number.POSITIVE_INFINITY,
  ) {}

  /** Adds a request; past the limit the oldest waiting one is forgotten, so a flood cannot grow memory. */
  put(value: T): string {
    const max = this.max();
    for (const oldest of this.#pending.keys()) {
      if (this.#pending.size < max) break;
      this.#pending.delete(oldest);
    }
    const id = randomToken();
    this.#pending.set(id, { value, expiresAt: this.clock.now() + PENDING_LIFETIME_MS });
    return id;
  }

  /** The pending request, removed; undefined when unknown, already decided or expired. */
  take(id: string): T | undefined {
    const entry = this.#pending.get(id);
    if (!entry) return undefined;
    this.#pending.delete(id);
    return this.clock.now() < entry.expiresAt ? entry.value : undefined;
  }

  get size(): number {
    return this.#pending.size;
  }

  prune(): void {
    const now = this.clock.now();
    for (const [id, entry] of this.#pending) if (now >= entry.expiresAt) this.#pending.delete(id);
  }
}

/** An authorization request that passed validation and waits on the consent page. */
export interface PendingAuthorization {
  readonly clientId: string;
  /** The redirect_uri as sent, or undefined when omitted (RFC 6749 §4.1.3). */
  readonly redirectUri: string | undefined;
  readonly deliveredTo: string;
  readonly scope: readonly string[];
  readonly codeChallenge: string | undefined;
  readonly nonce: string | undefined;
  readonly state: string | undefined;
  /** The context bound by an EHR launch, when the request carried `launch`. */
  readonly ehrContext: LaunchContext | undefined;
  /** Who signed in, once the sign-in step (or a remembered choice) said so. */
  readonly signedIn?: SignedIn;
  /** The page shown is the sign-in step: only its form may answer this id, never the consent page's. */
  readonly awaitingSignIn?: boolean;
}

/** The persona a request is made as, and how the sandbox came to it (the exchange log's verdict shows both). */
export interface SignedIn {
  readonly persona: string;
  /**
   * `signed-in`: picked on the sign-in step; `remembered`: a choice remembered for the client; `default`: the
   * client's or config's default persona (auto mode, or scopes that ask nothing about the user); `ehr-launch`:
   * the EHR launch's fhirUser.
   */
  readonly via: 'signed-in' | 'remembered' | 'default' | 'ehr-launch';
}
