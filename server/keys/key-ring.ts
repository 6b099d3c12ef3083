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

/**
 * Where a key stands in the ring, by its `kid` (RFC 7517 §4.5). `current` signs new tokens, `published` is an
 * older key still in the JWKS, `retired` has left the JWKS (tokens it signed stop verifying), `unknown` was
 * never this server's. Signing-key rollover adds `retired` entries; today the ring never retires a key.
 */
export type KeyState =
  | { readonly state: 'current' | 'published'; readonly jwk: JWK }
  | { readonly state: 'retired'; readonly jwk: JWK; readonly retiredAt: number }
  | { readonly state: 'unknown' };

/** What is persisted in the data folder: private JWKs, so tokens stay valid across restarts. */
export interface StoredKeys {
  readonly keys: readonly { alg: SigningAlg; jwk: JWK }[];
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

/**
 * The server's signing keys. One key per algorithm is active; every key stays published in the JWKS,
 * so tokens signed before a rotation keep verifying.
 */
export class KeyRing {
  /** Keys being generated, per algorithm, so concurrent first uses share one generation. */
  readonly #generating = new Map<SigningAlg, Promise<SigningKey>>();

  /** An RS256 key pair whose generation began before the server loaded; used by the first RS256 key. */
  #earlyRs256: Promise<webcrypto.CryptoKeyPair> | undefined;

  private constructor(
    private readonly keys: SigningKey[],
    private readonly stored: { alg: SigningAlg; jwk: JWK }[],
    earlyRs256: Promise<webcrypto.CryptoKeyPair> | undefined,
  ) {
    this.#earlyRs256 = earlyRs256;
  }

  /**
   * @param earlyRs256 a key pair already being generated (see early-key.ts); used only if an RS256 key has
   *   to be generated.
   */
  static async load(
    stored: StoredKeys | undefined,
    earlyRs256?: Promise<webcrypto.CryptoKeyPair>,
  ): Promise<KeyRing> {
    const entries = [...(stored?.keys ?? [])];
    const keys = await Promise.all(entries.map((e) => fromJwk(e.jwk, e.alg)));
    return new KeyRing(keys, entries, earlyRs256);
  }

  /**
   * The active key for an algorithm, generated on first use. RSA-2048 generation takes 50 to 300 ms, off the
   * event loop (WebCrypto runs it in libuv's threadpool); callers that ask meanwhile share that one key.
   */
  signingKey(alg: SigningAlg): Promise<SigningKey> {
    const existing = this.keys.findLast((k) => k.alg === alg);
    if (existing) return Promise.resolve(existing);
    let generating = this.#generating.get(alg);
    if (generating === undefined) {
      generating = this.#generate(alg).finally(() => this.#generating.delete(alg));
      this.#generating.set(alg, generating);
    }
    return generating;
  }

  async #generate(alg: SigningAlg): Promise<SigningKey> {
    const early = alg === 'RS256' ? this.#earlyRs256 : undefined;
    if (early !== undefined) this.#earlyRs256 = undefined;
    const { privateKey } =
      (await early?.catch(() => undefined)) ??
      (await generateKeyPair(alg, { extractable: true, modulusLength: 2048 }));
    const jwk = await exportJWK(privateKey);
    jwk.kid = await calculateJwkThumbprint(jwk);
    const key = await fromJwk(jwk, alg);
    this.keys.push(key);
    this.stored.push({ alg, jwk });
    return key;
  }

  /** The JWKS: public members only, never `d`, `p`, `q` or any other private part. */
  publicJwks(): JSONWebKeySet {
    return { keys: this.keys.map((k) => k.publicJwk) };
  }

  /**
   * The state of the key a token names in its `kid`: the one place the token inspector asks, so a rollover
   * (current → published → retired) changes what it says by changing this alone.
   */
  keyStateOf(kid: string): KeyState {
    const key = this.keys.find((k) => k.kid === kid);
    if (key === undefined) return { state: 'unknown' };
    const current = this.keys.findLast((k) => k.alg === key.alg) === key;
    return { state: current ? 'current' : 'published', jwk: key.publicJwk };
  }

  toStored(): StoredKeys {
    return { keys: [...this.stored] };
  }
}
