import type { webcrypto } from 'node:crypto';
import path from 'node:path';
import { ClientRegistry } from './clients/registry.js';
import { SystemClock, type Clock } from './clock.js';
import { DEFAULTS } from './config/defaults.js';
import type { SandboxConfig } from './config/schema.js';
import { EventBus } from './events.js';
import { fixtureData, type FhirData } from './fhir/data.js';
import { LaunchRegistry } from './launch/launches.js';
import type { AssertionAudience } from './oauth/client-assertion.js';
import { EventJournal } from './admin/event-journal.js';
import { IssuedIndex } from './admin/issued-index.js';
import {
  DEFAULT_EXCHANGE_LOG_CAPACITY,
  DEFAULT_EXCHANGE_LOG_MAX_BYTES,
  ExchangeLog,
} from './exchanges/exchange-log.js';
import { FailureBoard } from './failures/board.js';
import type { JSONWebKeySet } from 'jose';
import { KeyRing, type SigningKey, type StoredKeys } from './keys/key-ring.js';
import { SigningPool } from './keys/signing-pool.js';
import { prepareDataDir } from './persistence/data-dir.js';
import { readJsonFile, StateFileError, writeJsonFile } from './persistence/json-file.js';
import {
  STATE_FILE,
  mergeConfig,
  readStateFile,
  removeStaleTemporaries,
  restoreArtefacts,
  snapshotArtefacts,
  type StateDocument,
} from './persistence/state-file.js';
import { WriteQueue } from './persistence/write-queue.js';
import type { FailureArm } from './failures/board.js';
import { resolveProfile, type Profile } from './profiles/profile.js';
import { ArtefactStore } from './store/artefacts.js';
import { PendingAuthorizations, type PendingAuthorization } from './store/pending-authorizations.js';
import { randomToken } from './store/random.js';

export interface SandboxOptions {
  /** A validated config document (docs/config.md); defaults apply to whatever it leaves out. */
  readonly config?: SandboxConfig;
  /** The origin clients reach the server at; the issuer derives from it. Settable after listen(). */
  readonly origin?: string;
  /** The admin API bearer token; random when absent. */
  readonly adminToken?: string;
  /** Where state persists; in memory only when absent. */
  readonly dataDir?: string;
  readonly clock?: Clock;
  /** Uniform in [0, 1): decides failures armed with `probability`. Injectable for tests. */
  readonly random?: () => number;
  /**
   * Worker threads that sign tokens, so RSA signing uses every core; 0 or absent signs on the event loop.
   * The CLI starts `defaultSigningWorkers()` of them.
   */
  readonly signingWorkers?: number;
  /** An RS256 key pair already being generated (the CLI starts one before it loads the server). */
  readonly earlyRs256Key?: Promise<webcrypto.CryptoKeyPair>;
  /**
   * Private signing keys to start with, in the shape a data folder's `keys.json` keeps them, so a caller that
   * starts many sandboxes generates a key once instead of once per sandbox. A data folder's own keys win; with
   * a data folder that has none yet, these are the keys it keeps.
   */
  readonly signingKeys?: StoredKeys;
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

/** How long issued and revoked artefacts may wait to be written, so a burst shares one write. */
const PERSIST_DELAY_MS = 1000;

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
  /** Failure modes armed through the admin API or the config's `failures` (docs/failures.md). */
  readonly failures: FailureBoard;
  /** Every HTTP exchange with the sandbox, in a bounded ring buffer. */
  readonly exchanges: ExchangeLog;
  /** Recent domain events, for the live stream and for clients that reconnect with Last-Event-ID. */
  readonly journal: EventJournal;
  /** Recently issued codes and tokens, for the grants view. */
  readonly issued: IssuedIndex;
  /** Saved sets of failures, by name; they persist in the data folder. */
  readonly presets = new Map<string, FailureArm[]>();
  /** The active profile; read at request time, so swapping it (with the config) takes effect at once. */
  profile: Profile;
  readonly #shutdown = new AbortController();
  #writes: WriteQueue | undefined;
  /** A background write scheduled by #persistSoon. */
  #soon: NodeJS.Timeout | undefined;
  /** The last background write failed (reported once until one succeeds). */
  #saveFailing = false;
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
    // The journal listens first, so it sees every event from the very start.
    this.journal = new EventJournal(this.events, clock);
    this.store = new ArtefactStore(clock, this.events, () => this.limits().liveCodes);
    this.issued = new IssuedIndex(this.events, this.store, () => clock.now());
    this.profile = resolveProfile(config);
    this.clients = new ClientRegistry(() => this.config);
    this.clients.replaceAll(config.clients ?? []);
    this.launches = new LaunchRegistry(
      clock,
      this.clients,
      () => this.config,
      () => this.urls.fhirBase,
      this.fhir,
    );
    this.pendingAuthorizations = new PendingAuthorizations(clock, () => this.limits().pendingAuthorizations);
    this.failures = new FailureBoard(this.events, () => clock.now(), options.random ?? Math.random);
    this.failures.replaceAll(config.failures ?? []);
    this.exchanges = new ExchangeLog(
      config.exchangeLog?.capacity ?? DEFAULT_EXCHANGE_LOG_CAPACITY,
      this.events,
      config.exchangeLog?.maxBytes ?? DEFAULT_EXCHANGE_LOG_MAX_BYTES,
    );
    const workers = options.signingWorkers ?? 0;
    this.signingPool = workers > 0 ? new SigningPool(workers) : undefined;
  }

  /** Aborted when the server starts closing: delays end, hung requests and event streams are let go. */
  get closing(): AbortSignal {
    return this.#shutdown.signal;
  }

  /** Lets go of everything that waits (called from the app's `preClose` hook). */
  close(): void {
    this.#shutdown.abort();
  }

  static async create(options: SandboxOptions = {}): Promise<Sandbox> {
    const dataDir = options.dataDir === undefined ? undefined : path.resolve(options.dataDir);
    let stored: StoredKeys | undefined;
    let state: StateDocument | undefined;
    if (dataDir !== undefined) {
      await prepareDataDir(dataDir);
      stored = parseStoredKeys(await readJsonFile(path.join(dataDir, 'keys.json')), dataDir);
      state = await readStateFile(dataDir);
      await removeStaleTemporaries(dataDir);
    }
    const keys = await KeyRing.load(stored ?? options.signingKeys, options.earlyRs256Key);
    const sandbox = new Sandbox(
      state === undefined ? (options.config ?? {}) : mergeConfig(state.config, options.config ?? {}),
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
    if (dataDir !== undefined) {
      if (state !== undefined) {
        restoreArtefacts(sandbox.store, state.artefacts);
        sandbox.issued.seedFrom(sandbox.store);
        for (const [name, arms] of Object.entries(state.presets)) sandbox.presets.set(name, arms);
      }
      sandbox.#keepDurable(dataDir);
      await sandbox.persist();
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

  /** The published JWKS, once the active key exists (it may still be being generated at start-up). */
  async publicJwks(): Promise<JSONWebKeySet> {
    await this.signingKey();
    return this.keys.publicJwks();
  }

  /** Releases what the instance holds beyond memory: the signing workers. */
  async stopSigningWorkers(): Promise<void> {
    await this.signingPool?.close();
  }

  /** Forgets expired codes, dead grants and spent assertion ids, so memory stays flat. */
  prune(): void {
    // Expired artefacts leave the state file too, not only memory.
    if (this.store.prune() > 0) this.#persistSoon();
    this.launches.prune();
    this.pendingAuthorizations.prune();
    const now = Math.floor(this.clock.now() / 1000);
    for (const [key, exp] of this.seenAssertionJtis) if (now > exp) this.seenAssertionJtis.delete(key);
  }

  /**
   * Resolves once the current state is durably written to the data folder (at once when state is in memory
   * only). Admin writes await it before they answer 2xx, so an acknowledged change survives a crash.
   */
  async persist(): Promise<void> {
    // A write requested now covers whatever a scheduled one would have written.
    clearTimeout(this.#soon);
    this.#soon = undefined;
    return this.#writes?.request();
  }

  /**
   * Persists within PERSIST_DELAY_MS, folding every change in that window into one write: a burst of issued
   * codes costs a few writes, not one fsync of the whole state per request. Graceful close persists at once
   * (app.ts `onClose`), so nothing answered is lost to the delay.
   */
  #persistSoon(): void {
    if (this.#writes === undefined || this.#soon !== undefined) return;
    this.#soon = setTimeout(() => {
      this.#soon = undefined;
      this.#writes?.request().then(
        () => {
          this.#saveFailing = false;
        },
        (err: unknown) => {
          // Nobody awaits a background write, so its failure is said here, once per run of failures:
          // issued tokens that silently stop being saved would vanish at the next restart.
          if (this.#saveFailing) return;
          this.#saveFailing = true;
          const reason = err instanceof Error ? err.message : String(err);
          process.stderr.write(
            `token-sandbox: could not save issued tokens to the data folder (${reason}); they will be lost on restart until a save succeeds\n`,
          );
        },
      );
    }, PERSIST_DELAY_MS);
    this.#soon.unref();
  }

  /**
   * An admin write: `apply` changes memory, then the state is persisted; when the write fails, `undo` puts
   * memory back before the error is answered, so a failed admin write changes nothing.
   */
  async changeDurably(apply: () => void, undo: () => void): Promise<void> {
    apply();
    try {
      await this.persist();
    } catch (err) {
      undo();
      throw err;
    }
  }

  /** The state file's content at this moment. */
  snapshot(): StateDocument {
    const config = this.exportConfig();
    delete config.failures;
    return {
      version: 1,
      config,
      presets: Object.fromEntries(this.presets),
      artefacts: snapshotArtefacts(this.store),
    };
  }

  /** Every issued or revoked artefact is written soon after (coalesced), so an app's tokens survive a restart. */
  #keepDurable(dataDir: string): void {
    const file = path.join(dataDir, STATE_FILE);
    this.#writes = new WriteQueue(() => writeJsonFile(file, this.snapshot()));
    const later = () => {
      // Best effort between admin writes; the admin API awaits persist() itself before it answers.
      this.#persistSoon();
    };
    for (const name of [
      'code.issued',
      'code.consumed',
      'token.issued',
      'refresh.rotated',
      'grant.revoked',
      'token.revoked',
      'token.expired',
    ] as const) {
      this.events.on(name, later);
    }
  }

  /** The whole config document as it stands now (docs/config.md): what "export settings" writes. */
  exportConfig(): SandboxConfig {
    const settings: SandboxConfig = { ...this.config };
    delete settings.clients;
    delete settings.failures;
    const failures = this.failures.toConfig();
    return {
      ...settings,
      clients: this.clients.list().map((c) => c.source),
      ...(failures.length > 0 ? { failures } : {}),
    };
  }

  /** Replaces clients, settings and armed failures with a validated document, all in one step. */
  importConfig(config: SandboxConfig): void {
    this.config = config;
    // The endpoints follow the profile at request time (routes/profile-paths.ts), so it can change here.
    this.profile = resolveProfile(config);
    this.clients.replaceAll(config.clients ?? []);
    this.failures.replaceAll(config.failures ?? []);
    this.exchanges.resize(
      config.exchangeLog?.capacity ?? DEFAULT_EXCHANGE_LOG_CAPACITY,
      config.exchangeLog?.maxBytes ?? DEFAULT_EXCHANGE_LOG_MAX_BYTES,
    );
    this.events.emit('config.imported', {
      clients: config.clients?.length ?? 0,
      failures: config.failures?.length ?? 0,
    });
  }

  /** The resource bounds in force (README "Limits"), defaults applied. */
  limits(): { liveCodes: number; pendingAuthorizations: number; parameterLength: number } {
    const l = this.config.limits;
    return {
      liveCodes: l?.liveCodes ?? DEFAULTS.limits.liveCodes,
      pendingAuthorizations: l?.pendingAuthorizations ?? DEFAULTS.limits.pendingAuthorizations,
      parameterLength: l?.parameterLength ?? DEFAULTS.limits.parameterLength,
    };
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
