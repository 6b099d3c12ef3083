import type { webcrypto } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ClientRegistry } from './clients/registry.js';
import { SystemClock, type Clock } from './clock.js';
import { DEFAULTS } from './config/defaults.js';
import type { SandboxConfig } from './config/schema.js';
import { EventBus } from './events.js';
import type { JSONWebKeySet } from 'jose';
import { KeyRing, type SigningKey, type StoredKeys } from './keys/key-ring.js';
import { SigningPool } from './keys/signing-pool.js';
import { readJsonFile, StateFileError, writeJsonFile } from './persistence/json-file.js';
import { profileNamed, type Profile } from './profiles/profile.js';
import { ArtefactStore } from './store/artefacts.js';
import { randomToken } from './store/random.js';

export interface SandboxOptions {
  /** A validated config document (CONTRACT §2); defaults apply to whatever it leaves out. */
  readonly config?: SandboxConfig;
  /** The origin clients reach the server at; the issuer derives from it. Settable after listen(). */
  readonly origin?: string;
  /** The admin API bearer token; random when absent. */
  readonly adminToken?: string;
  /** Where state persists; in memory only when absent. */
  readonly dataDir?: string;
  readonly clock?: Clock;
  /**
   * Worker threads that sign tokens, so RSA signing uses every core; 0 or absent signs on the event loop.
   * The CLI starts `defaultSigningWorkers()` of them.
   */
  readonly signingWorkers?: number;
  /** An RS256 key pair already being generated (the CLI starts one before it loads the server). */
  readonly earlyRs256Key?: Promise<webcrypto.CryptoKeyPair>;
}

export interface SandboxUrls {
  readonly issuer: string;
  readonly authorize: string;
  readonly token: string;
  readonly introspect: string;
  readonly revoke: string;
  readonly userinfo: string;
  readonly jwks: string;
  readonly fhirBase: string;
}

/** Everything one server instance knows: no module-level state, so two instances never share anything. */
export class Sandbox {
  origin: string;
  readonly events = new EventBus();
  readonly store: ArtefactStore;
  readonly clients: ClientRegistry;
  readonly adminToken: string;
  /** Client assertion (iss, jti) pairs already used, with their exp in seconds (RFC 7523 §3). */
  readonly seenAssertionJtis = new Map<string, number>();
  profile: Profile;
  /** Signs tokens off the event loop when the server was built with signing workers. */
  readonly signingPool: SigningPool | undefined;

  private constructor(
    public config: SandboxConfig,
    readonly clock: Clock,
    readonly keys: KeyRing,
    readonly dataDir: string | undefined,
    options: SandboxOptions,
  ) {
    this.origin = options.origin ?? 'http://127.0.0.1';
    this.adminToken = options.adminToken ?? randomToken(24);
    this.store = new ArtefactStore(clock, this.events);
    this.profile = profileNamed(config.profile);
    this.clients = new ClientRegistry(() => this.config);
    this.clients.replaceAll(config.clients ?? []);
    const workers = options.signingWorkers ?? 0;
    this.signingPool = workers > 0 ? new SigningPool(workers) : undefined;
  }

  static async create(options: SandboxOptions = {}): Promise<Sandbox> {
    const dataDir = options.dataDir === undefined ? undefined : path.resolve(options.dataDir);
    let stored: StoredKeys | undefined;
    if (dataDir !== undefined) {
      await mkdir(dataDir, { recursive: true });
      stored = parseStoredKeys(await readJsonFile(path.join(dataDir, 'keys.json')), dataDir);
    }
    const keys = await KeyRing.load(stored, options.earlyRs256Key);
    const sandbox = new Sandbox(
      options.config ?? {},
      options.clock ?? new SystemClock(),
      keys,
      dataDir,
      options,
    );
    const activeKey = sandbox.signingKey();
    if (dataDir !== undefined) {
      // A key that is to persist is written before the server starts: a token signed with a key that was
      // never saved would stop verifying after a restart, and a failed write stops the start-up instead.
      await activeKey;
      if (keys.toStored().keys.length !== (stored?.keys.length ?? 0)) {
        await writeJsonFile(path.join(dataDir, 'keys.json'), keys.toStored());
      }
    } else {
      // In memory only, the key is generated while routes are registered and the server starts listening:
      // RSA-2048 generation is most of a cold start. The first request that signs, or asks for the JWKS,
      // waits for it. The no-op handler only keeps a failure from being an unhandled rejection; those
      // requests still see it.
      activeKey.catch(() => undefined);
    }
    return sandbox;
  }

  get urls(): SandboxUrls {
    const o = this.origin;
    return {
      issuer: o,
      authorize: `${o}${this.profile.authorizePath}`,
      token: `${o}${this.profile.tokenPath}`,
      introspect: `${o}/introspect`,
      revoke: `${o}/revoke`,
      userinfo: `${o}/userinfo`,
      jwks: `${o}/.well-known/jwks.json`,
      fhirBase: `${o}/fhir`,
    };
  }

  get signingAlg(): 'RS256' | 'ES256' {
    return this.config.tokens?.signingAlg ?? DEFAULTS.signingAlg;
  }

  signingKey(): Promise<SigningKey> {
    return this.keys.signingKey(this.signingAlg);
  }

  /** The published JWKS, once the active key exists (it may still be being generated at start-up). */
  async publicJwks(): Promise<JSONWebKeySet> {
    await this.signingKey();
    return this.keys.publicJwks();
  }

  /** Releases what the instance holds beyond memory: the signing workers. */
  async close(): Promise<void> {
    await this.signingPool?.close();
  }

  /** Forgets expired codes, dead grants and spent assertion ids, so memory stays flat. */
  prune(): void {
    this.store.prune();
    const now = Math.floor(this.clock.now() / 1000);
    for (const [key, exp] of this.seenAssertionJtis) if (now > exp) this.seenAssertionJtis.delete(key);
  }

  lifetimes(): { code: number; accessToken: number; refreshToken: number } {
    const t = this.config.tokens;
    return {
      code: t?.codeLifetime ?? DEFAULTS.codeLifetime,
      accessToken: t?.accessTokenLifetime ?? DEFAULTS.accessTokenLifetime,
      refreshToken: t?.refreshTokenLifetime ?? DEFAULTS.refreshTokenLifetime,
    };
  }
}

function isStoredKey(k: unknown): boolean {
  if (typeof k !== 'object' || k === null) return false;
  const { alg, jwk } = k as { alg?: unknown; jwk?: unknown };
  return (alg === 'RS256' || alg === 'ES256') && typeof jwk === 'object' && jwk !== null;
}

function parseStoredKeys(doc: unknown, dataDir: string): StoredKeys | undefined {
  if (doc === undefined) return undefined;
  const keys: unknown =
    typeof doc === 'object' && doc !== null ? (doc as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(keys) || !keys.every(isStoredKey)) {
    throw new StateFileError(
      path.join(dataDir, 'keys.json'),
      'does not hold signing keys in the expected shape',
    );
  }
  return doc as StoredKeys;
}
