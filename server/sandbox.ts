import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ClientRegistry } from './clients/registry.js';
import { SystemClock, type Clock } from './clock.js';
import { DEFAULTS } from './config/defaults.js';
import type { SandboxConfig } from './config/schema.js';
import { EventBus } from './events.js';
import { fixtureData, type FhirData } from './fhir/data.js';
import { LaunchRegistry } from './launch/launches.js';
import type { AssertionAudience } from './oauth/client-assertion.js';
import { KeyRing, type SigningKey, type StoredKeys } from './keys/key-ring.js';
import { readJsonFile, StateFileError, writeJsonFile } from './persistence/json-file.js';
import { resolveProfile, type Profile } from './profiles/profile.js';
import { ArtefactStore } from './store/artefacts.js';
import { PendingAuthorizations, type PendingAuthorization } from './store/pending-authorizations.js';
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
  /** EHR launches made by the sandbox as the EHR (SMART App Launch 2.2 §EHR launch). */
  readonly launches: LaunchRegistry;
  /** Authorization requests waiting on the consent page (interactive mode). */
  readonly pendingAuthorizations: PendingAuthorizations<PendingAuthorization>;
  /** The FHIR base's data set: read-only, so sharing the parsed fixtures is safe. */
  readonly fhir: FhirData = fixtureData();
  /** The active profile; read at request time, so swapping it (with the config) takes effect at once. */
  profile: Profile;

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
    this.profile = resolveProfile(config);
    this.clients = new ClientRegistry(() => this.config);
    this.clients.replaceAll(config.clients ?? []);
    this.launches = new LaunchRegistry(
      clock,
      this.clients,
      () => this.config,
      () => this.urls.fhirBase,
    );
    this.pendingAuthorizations = new PendingAuthorizations(clock);
  }

  static async create(options: SandboxOptions = {}): Promise<Sandbox> {
    const dataDir = options.dataDir === undefined ? undefined : path.resolve(options.dataDir);
    let stored: StoredKeys | undefined;
    if (dataDir !== undefined) {
      await mkdir(dataDir, { recursive: true });
      stored = parseStoredKeys(await readJsonFile(path.join(dataDir, 'keys.json')), dataDir);
    }
    const keys = await KeyRing.load(stored);
    const sandbox = new Sandbox(
      options.config ?? {},
      options.clock ?? new SystemClock(),
      keys,
      dataDir,
      options,
    );
    await sandbox.signingKey();
    if (dataDir !== undefined && keys.toStored().keys.length !== (stored?.keys.length ?? 0)) {
      await writeJsonFile(path.join(dataDir, 'keys.json'), keys.toStored());
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

  /** The `aud` rule for private_key_jwt assertions (`tokens.assertionAudience`). */
  get assertionAudience(): AssertionAudience {
    return this.config.tokens?.assertionAudience ?? 'token-url';
  }

  signingKey(): Promise<SigningKey> {
    return this.keys.signingKey(this.signingAlg);
  }

  /** Forgets expired codes, dead grants and spent assertion ids, so memory stays flat. */
  prune(): void {
    this.store.prune();
    this.launches.prune();
    this.pendingAuthorizations.prune();
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
