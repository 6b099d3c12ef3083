import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
  type JSONWebKeySet,
} from 'jose';
import { createPrivateKey, type KeyObject, type webcrypto } from 'node:crypto';
import type { SigningAlg } from '../config/schema.js';

export interface SigningKey {
  readonly kid: string;
  readonly alg: SigningAlg;
  readonly privateKey: CryptoKey;
  /** The same private key as node:crypto takes it: the signing workers (signing-pool.ts) sign with it. */
  readonly keyObject: KeyObject;
  readonly publicJwk: JWK;
}

/** One key as keys.json keeps it. The times are milliseconds since the epoch, on the sandbox clock. */
export interface StoredKey {
  readonly alg: SigningAlg;
  readonly jwk: JWK;
  /** Absent in a keys.json written before rollover existed (version 1): the time is not known. */
  readonly createdAt?: number;
  /** When a rotation replaced it: published (verifying, not signing) until this time, then retired. */
  readonly publishedUntil?: number;
  /** When it was retired at once (admin "retire now", or a rotation with no grace). */
  readonly retiredAt?: number;
}

/**
 * What is persisted in the data folder: private JWKs, so tokens stay valid across restarts. Version 1 (no
 * `version` member, keys without times) is what earlier releases wrote; it loads as it is, every key live.
 */
export interface StoredKeys {
  readonly version?: typeof KEYS_FILE_VERSION;
  readonly keys: readonly StoredKey[];
}

export const KEYS_FILE_VERSION = 2;

/**
 * How many keys the ring keeps. Retired keys beyond it are dropped, oldest first (tokens they signed then read
 * as "not issued here"); a rotation that would need more live keys than this is refused.
 */
export const MAX_KEYS = 20;

/** Grace period of a rotation when none is given: long enough for any client's JWKS cache to refresh. */
export const DEFAULT_GRACE_SECONDS = 3600;

/**
 * Where a key is in its life: `current` signs (one per algorithm), `published` is in the JWKS and verifies but
 * no longer signs (the grace period after a rotation), `retired` is out of the JWKS and verifies nowhere.
 */
export type KeyState = 'current' | 'published' | 'retired';

/** A key as the admin API and the token inspector see it: never any private member. */
export interface KeyStatus {
  readonly kid: string;
  readonly alg: SigningAlg;
  readonly state: KeyState;
  readonly createdAt: number | undefined;
  readonly publishedUntil: number | undefined;
  /** When it stopped verifying: set for a retired key only. */
  readonly retiredAt: number | undefined;
}

/** Why a rotation or retirement cannot be done; the admin API answers 409 with the message. */
export class KeyRingConflict extends Error {
  override readonly name = 'KeyRingConflict';
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'] as const;

function publicPart(jwk: JWK, alg: SigningAlg, kid: string): JWK {
  const entries = Object.entries(jwk).filter(
    ([name]) => !(PRIVATE_MEMBERS as readonly string[]).includes(name),
  );
  return { ...(Object.fromEntries(entries) as JWK), kid, alg, use: 'sig' };
}

async function fromJwk(jwk: JWK, alg: SigningAlg): Promise<SigningKey> {
  const kid = jwk.kid ?? (await calculateJwkThumbprint(jwk));
  const privateKey = (await importJWK({ ...jwk, alg }, alg)) as CryptoKey;
  return {
    kid,
    alg,
    privateKey,
    // From the JWK, not KeyObject.from(privateKey): Node 26 deprecates that for non-extractable keys (DEP0204).
    keyObject: createPrivateKey({ key: jwk, format: 'jwk' }),
    publicJwk: publicPart(jwk, alg, kid),
  };
}

interface Entry {
  readonly key: SigningKey;
  stored: StoredKey;
}

/**
 * The server's signing keys and their rollover (RFC 7517 §5: a JWKS may hold several keys; OIDC Core §10.1.1:
 * a signer rotates by publishing the new key and keeping the old one until tokens it signed are gone). One key
 * per algorithm is current; a rotation makes a new one current and keeps the old one published for a grace
 * period, after which it is retired. States follow from the stored times and the sandbox clock, so moving the
 * clock past a grace period retires the key with no timer.
 */
export class KeyRing {
  /** Keys being generated, per algorithm, so concurrent first uses share one generation. */
  readonly #generating = new Map<SigningAlg, Promise<SigningKey>>();

  /** An RS256 key pair whose generation began before the server loaded; used by the first RS256 key. */
  #earlyRs256: Promise<webcrypto.CryptoKeyPair> | undefined;

  #entries: Entry[];

  private constructor(
    entries: Entry[],
    private readonly now: () => number,
    earlyRs256: Promise<webcrypto.CryptoKeyPair> | undefined,
  ) {
    this.#entries = entries;
    this.#earlyRs256 = earlyRs256;
  }

  /**
   * @param earlyRs256 a key pair already being generated (see early-key.ts); used only if an RS256 key has
   *   to be generated.
   * @param now the sandbox clock, which decides when a grace period has run out.
   */
  static async load(
    stored: StoredKeys | undefined,
    earlyRs256?: Promise<webcrypto.CryptoKeyPair>,
    now: () => number = Date.now,
  ): Promise<KeyRing> {
    const entries = await Promise.all(
      (stored?.keys ?? []).map(async (s) => ({ key: await fromJwk(s.jwk, s.alg), stored: { ...s } })),
    );
    return new KeyRing(entries, now, earlyRs256);
  }

  #stateOf(entry: Entry, at: number): { state: KeyState; retiredAt?: number } {
    const { retiredAt, publishedUntil } = entry.stored;
    if (retiredAt !== undefined && retiredAt <= at) return { state: 'retired', retiredAt };
    if (publishedUntil !== undefined) {
      return publishedUntil <= at ? { state: 'retired', retiredAt: publishedUntil } : { state: 'published' };
    }
    // Several never-rotated keys of one algorithm (a version 1 keys.json): the newest signs, all verify.
    const newest = this.#entries.findLast(
      (e) =>
        e.key.alg === entry.key.alg &&
        e.stored.publishedUntil === undefined &&
        (e.stored.retiredAt === undefined || e.stored.retiredAt > at),
    );
    return { state: newest === entry ? 'current' : 'published' };
  }

  #current(alg: SigningAlg, at: number): Entry | undefined {
    return this.#entries.findLast((e) => e.key.alg === alg && this.#stateOf(e, at).state === 'current');
  }

  /**
   * The current key for an algorithm, generated on first use. RSA-2048 generation takes 50 to 300 ms, off the
   * event loop (WebCrypto runs it in libuv's threadpool); callers that ask meanwhile share that one key.
   */
  signingKey(alg: SigningAlg): Promise<SigningKey> {
    const existing = this.#current(alg, this.now());
    if (existing) return Promise.resolve(existing.key);
    let generating = this.#generating.get(alg);
    if (generating === undefined) {
      generating = this.#generate(alg)
        .then((entry) => {
          this.#entries.push(entry);
          return entry.key;
        })
        .finally(() => this.#generating.delete(alg));
      this.#generating.set(alg, generating);
    }
    return generating;
  }

  async #generate(alg: SigningAlg): Promise<Entry> {
    const early = alg === 'RS256' ? this.#earlyRs256 : undefined;
    if (early !== undefined) this.#earlyRs256 = undefined;
    const { privateKey } =
      (await early?.catch(() => undefined)) ??
      (await generateKeyPair(alg, { extractable: true, modulusLength: 2048 }));
    const jwk = await exportJWK(privateKey);
    jwk.kid = await calculateJwkThumbprint(jwk);
    return { key: await fromJwk(jwk, alg), stored: { alg, jwk, createdAt: this.now() } };
  }

  /**
   * Makes a new key current for every algorithm that has a current key (and for `alg`, the one the server
   * signs with now); each one it replaces stays published for `graceMs`, then is retired (at once for 0).
   * Returns the new keys and the replaced ones. Refused when the ring would hold more than MAX_KEYS live keys.
   */
  async rotate(alg: SigningAlg, graceMs: number): Promise<{ added: KeyStatus[]; replaced: KeyStatus[] }> {
    const at = this.now();
    const algs = new Set<SigningAlg>([alg]);
    for (const e of this.#entries) if (this.#stateOf(e, at).state === 'current') algs.add(e.key.alg);
    const live = this.#entries.filter((e) => this.#stateOf(e, at).state !== 'retired').length;
    if (live + algs.size > MAX_KEYS) {
      throw new KeyRingConflict(
        `the key ring keeps at most ${MAX_KEYS} keys and ${live} are still current or published; retire a ` +
          'published key first (POST /_sandbox/api/keys/{kid}/retire), or rotate with a shorter graceSeconds',
      );
    }
    const fresh = await Promise.all([...algs].map((a) => this.#generate(a)));
    // Read the clock again: generation took time, and the new keys must be current from now on.
    const now = this.now();
    const replaced: Entry[] = [];
    for (const a of algs) {
      const old = this.#current(a, now);
      if (old === undefined) continue;
      old.stored =
        graceMs > 0 ? { ...old.stored, publishedUntil: now + graceMs } : { ...old.stored, retiredAt: now };
      replaced.push(old);
    }
    this.#entries.push(...fresh);
    this.#dropOldRetired(now);
    return {
      added: fresh.map((e) => this.#status(e, now)),
      replaced: replaced.map((e) => this.#status(e, now)),
    };
  }

  /**
   * Retires a published key at once: it leaves the JWKS and tokens it signed stop verifying. The current key
   * is refused (rotate first, so something still signs); an already retired key is left as it is.
   * @returns undefined when no key has that kid.
   */
  retire(kid: string): KeyStatus | undefined {
    const at = this.now();
    const entry = this.#entries.find((e) => e.key.kid === kid);
    if (entry === undefined) return undefined;
    const { state } = this.#stateOf(entry, at);
    if (state === 'current') {
      throw new KeyRingConflict(
        `key ${kid} is the current ${entry.key.alg} key and still signs; rotate first ` +
          '(POST /_sandbox/api/keys/rotate, graceSeconds 0 retires it in the same step)',
      );
    }
    if (state === 'published') entry.stored = { ...entry.stored, retiredAt: at };
    return this.#status(entry, at);
  }

  #dropOldRetired(at: number): void {
    let excess = this.#entries.length - MAX_KEYS;
    if (excess <= 0) return;
    // Entries are kept oldest first, so the first retired ones are the oldest.
    this.#entries = this.#entries.filter((e) => {
      if (excess > 0 && this.#stateOf(e, at).state === 'retired') {
        excess -= 1;
        return false;
      }
      return true;
    });
  }

  #status(entry: Entry, at: number): KeyStatus {
    const { state, retiredAt } = this.#stateOf(entry, at);
    return {
      kid: entry.key.kid,
      alg: entry.key.alg,
      state,
      createdAt: entry.stored.createdAt,
      publishedUntil: entry.stored.publishedUntil,
      retiredAt,
    };
  }

  /** Every key, oldest first, with its state now. */
  list(): KeyStatus[] {
    const at = this.now();
    return this.#entries.map((e) => this.#status(e, at));
  }

  /**
   * A key's state by kid, for whoever must say why a token does not verify (the token inspector, the bearer
   * check): undefined when the ring has no such key (never issued here, or dropped past MAX_KEYS).
   */
  keyStatus(kid: string): KeyStatus | undefined {
    const entry = this.#entries.find((e) => e.key.kid === kid);
    return entry === undefined ? undefined : this.#status(entry, this.now());
  }

  /** The JWKS: current and published keys, public members only, never `d`, `p`, `q` or any other private part. */
  publicJwks(): JSONWebKeySet {
    const at = this.now();
    return {
      keys: this.#entries.filter((e) => this.#stateOf(e, at).state !== 'retired').map((e) => e.key.publicJwk),
    };
  }

  /**
   * Every key the ring still holds, retired ones included: to check a signature first and only then say the
   * key is retired, so a forged token is never told it was signed by a retired key.
   */
  allPublicKeys(): JSONWebKeySet {
    return { keys: this.#entries.map((e) => e.key.publicJwk) };
  }

  /**
   * A way back to the ring as it is now, for a change whose write to keys.json failed (the admin API then
   * answers an error and nothing changed). Entries' stored records are replaced, never mutated, so copies of
   * the references suffice.
   */
  checkpoint(): () => void {
    const saved = this.#entries.map((e) => ({ key: e.key, stored: e.stored }));
    return () => {
      this.#entries = saved.map((e) => ({ ...e }));
    };
  }

  toStored(): StoredKeys {
    return { version: KEYS_FILE_VERSION, keys: this.#entries.map((e) => e.stored) };
  }
}
