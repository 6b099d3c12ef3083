import { ClientRegistry } from './clients/registry.js';
import type { Clock } from './clock.js';
import { resolveConfig, type ResolvedConfig } from './config/defaults.js';
import type { SandboxConfig } from './config/schema.js';
import { EventBus } from './events.js';
import type { FhirData, FhirResource } from './fhir/data.js';
import { FhirLoadError, parseFhirFile } from './fhir/load.js';
import { LaunchRegistry } from './launch/launches.js';
import { EhrFrames } from './ehr/frames.js';
import { EventJournal } from './admin/event-journal.js';
import { IssuedIndex } from './admin/issued-index.js';
import { ExchangeLog } from './exchanges/exchange-log.js';
import { FailureBoard } from './failures/board.js';
import type { JSONWebKeySet } from 'jose';
import type { KeyRing, KeyStatus, SigningKey, StoredKeys } from './keys/key-ring.js';
import { SigningPool } from './keys/signing-pool.js';
import type { FailureArm } from './failures/board.js';
import { profileNamed, type Profile } from './profiles/profile.js';
import { ArtefactStore, type ArtefactSnapshot } from './store/artefacts.js';
import { PendingAuthorizations, type PendingAuthorization } from './store/pending-authorizations.js';
import { randomToken } from './store/random.js';
import type { Claims } from './config/schema.js';
import { ClaimsSchema } from './config/schema.js';
import { DEFAULT_ISSUER_NAME, schemaIssues } from './config/validate.js';
import {
  MAX_QUEUED_PER_CLIENT,
  QueuedClaims,
  reservedClaimIssues,
  MAX_QUEUED_COUNT,
} from './people/claims.js';
import { PersonaRegistry } from './people/personas.js';
import { RefusalError } from './refusal-error.js';

/** Why claims could not be queued: `unknown_client` (404), `invalid_claims` (400), `queue_full` (409). */
export class QueueClaimsError extends RefusalError<'unknown_client' | 'invalid_claims' | 'queue_full'> {
  override readonly name = 'QueueClaimsError';
}

/** Who a sandbox is and how it runs; what it starts from is {@link SandboxParts}. */
export interface SandboxOptions {
  /** The origin clients reach the server at; the issuer derives from it. Settable after listen(). */
  readonly origin?: string;
  /** The admin API bearer token; random when absent. */
  readonly adminToken?: string;
  /** Uniform in [0, 1): decides failures armed with `probability`. Injectable for tests. */
  readonly random?: () => number;
  /**
   * Worker threads that sign tokens, so RSA signing uses every core; 0 or absent signs on the event loop.
   * The CLI starts `defaultSigningWorkers()` of them.
   */
  readonly signingWorkers?: number;
  /**
   * Where this issuer's paths begin under the origin (README "Many issuers"): `/i/NAME` for an issuer the
   * root serves beside the default one, absent (the root paths) for the default issuer.
   */
  readonly issuerPath?: string;
  /** This issuer's name in the registry; `default` (the root's) when absent. */
  readonly issuerName?: string;
  /** The origin to follow instead of one of its own: an issuer follows the root, which is told after listen(). */
  readonly originOf?: () => string;
}

/** What a data folder's state file held besides the config: the sandbox picks up where it left off. */
export interface SavedState {
  readonly artefacts: ArtefactSnapshot;
  readonly presets: Readonly<Record<string, FailureArm[]>>;
  /** Remembered sign-in choices: persona id by client_id. */
  readonly remembered?: Readonly<Record<string, string>>;
}

/**
 * Where a sandbox's state is kept beyond memory (a data folder: server/persistence/data-folder.ts). Each write
 * has landed when its promise resolves; one that fails rejects, and the sandbox undoes the change it was for.
 */
export interface StateKeeper {
  /** The data folder, as people are told where their state is. */
  readonly dir: string;
  /** Writes the state as it is now. */
  persist(): Promise<void>;
  /** Writes the state a little later, one write for a burst of changes (issued artefacts). */
  persistSoon(): void;
  /** Writes the signing keys, after a rotation or retirement. */
  saveKeys(keys: StoredKeys): Promise<void>;
  /** Writes the FHIR data's changes as they are now. */
  persistFhir(): Promise<void>;
}

/**
 * What a sandbox is built from, already read and restored (server/persistence/restore-and-keep.ts builds them
 * from a data folder, or fresh for a sandbox in memory only).
 */
export interface SandboxParts {
  /** The config in force: a validated document (docs/config.md); defaults apply to whatever it leaves out. */
  readonly config: SandboxConfig;
  readonly clock: Clock;
  readonly keys: KeyRing;
  /** The FHIR base's data set, with the data folder's changes already applied. */
  readonly fhir: FhirData;
  /** Where the previous run left off; absent on a first start or in memory only. */
  readonly saved?: SavedState | undefined;
  /** Keeps the state saved; absent when it lives in memory only. */
  readonly keeper?: StateKeeper | undefined;
}

export interface SandboxUrls {
  /** The issuer (`iss`), also the origin. */
  readonly issuer: string;
  readonly authorize: string;
  readonly token: string;
  readonly introspect: string;
  readonly revoke: string;
  readonly userinfo: string;
  readonly jwks: string;
  /** The FHIR base, which is also the `aud` tokens carry. */
  readonly fhirBase: string;
}

/** Everything one server instance knows: no module-level state, so two instances never share anything. */
export class Sandbox {
  #origin: string;
  readonly #originOf: (() => string) | undefined;
  /** Where this issuer's paths begin under the origin: '' for the default issuer, `/i/NAME` for another. */
  readonly basePath: string;
  /** This issuer's name (README "Many issuers"): `default` for the one at the root paths. */
  readonly issuerName: string;
  /**
   * Which other issuer of the same sandbox issued a token this one does not know (README "Many issuers"), so
   * introspection, refresh and the FHIR base can say "issued by issuer NAME"; set by the issuer registry.
   */
  issuedElsewhere: (token: string) => Promise<string | undefined> = () => Promise.resolve(undefined);
  readonly events = new EventBus();
  readonly store: ArtefactStore;
  readonly clients: ClientRegistry;
  readonly adminToken: string;
  /** Client assertion (iss, jti) pairs already used, with their exp in seconds (RFC 7523 §3). */
  readonly seenAssertionJtis = new Map<string, number>();
  /** EHR launches made by the sandbox as the EHR (SMART App Launch 2.2 §EHR launch). */
  readonly launches: LaunchRegistry;
  /** The EHR pages that frame an app under a patient banner (docs/endpoints.md#ehr-page). */
  readonly ehrFrames: EhrFrames;
  /** Authorization requests waiting on the consent page (interactive mode). */
  readonly pendingAuthorizations: PendingAuthorizations<PendingAuthorization>;
  /** The FHIR base's data set: read-only, so sharing the parsed fixtures is safe. */
  readonly fhir: FhirData;
  /** Failure modes armed through the admin API or the config's `failures` (docs/failures.md). */
  readonly failures: FailureBoard;
  /** Every HTTP exchange with the sandbox, in a bounded ring buffer. */
  readonly exchanges: ExchangeLog;
  /** Recent domain events, for the live stream and for clients that reconnect with Last-Event-ID. */
  readonly journal: EventJournal;
  /** Recently issued codes and tokens, for the grants view. */
  readonly issued: IssuedIndex;
  /** Who may sign in (the config's `personas`, else the shipped ones); they persist with the config. */
  readonly personas: PersonaRegistry;
  /** Custom claims queued for clients' next token responses (memory only). */
  readonly queuedClaims = new QueuedClaims();
  /**
   * The persona a person chose with "remember this choice for this client", by client_id: the sign-in step
   * is skipped for that client until it is cleared. One entry per registered client at most; persisted.
   */
  readonly rememberedPersonas = new Map<string, string>();
  /** Saved sets of failures, by name; they persist in the data folder. */
  readonly presets = new Map<string, FailureArm[]>();
  /** The active profile; read at request time, so swapping it (with the config) takes effect at once. */
  profile: Profile;
  /**
   * The config's settings with every default applied (config/defaults.ts): what requests read. `config` stays
   * the document as given, which is what an export writes back.
   */
  settings: ResolvedConfig;
  readonly #shutdown = new AbortController();
  /** Keeps the state saved; undefined when it lives in memory only. */
  readonly #keeper: StateKeeper | undefined;
  /** The config document in force (docs/config.md), as given or last imported. */
  config: SandboxConfig;
  readonly clock: Clock;
  readonly keys: KeyRing;
  /**
   * Key changes one after another: a rotation awaits key generation and the keys.json write, and concurrent
   * ones would each pass the MAX_KEYS check before any had added its key, and a failed write's undo would
   * drop another change's keys.
   */
  #keyChanges: Promise<unknown> = Promise.resolve();
  /** Signs tokens off the event loop when the server was built with signing workers. */
  readonly signingPool: SigningPool | undefined;

  constructor(parts: SandboxParts, options: SandboxOptions = {}) {
    const { config, clock, keys, fhir } = parts;
    this.config = config;
    this.clock = clock;
    this.keys = keys;
    this.#keeper = parts.keeper;
    this.fhir = fhir;
    this.settings = resolveConfig(config);
    this.#origin = options.origin ?? 'http://127.0.0.1';
    this.#originOf = options.originOf;
    this.basePath = options.issuerPath ?? '';
    this.issuerName = options.issuerName ?? DEFAULT_ISSUER_NAME;
    this.adminToken = options.adminToken ?? randomToken(24);
    // The journal listens first, so it sees every event from the very start.
    this.journal = new EventJournal(this.events, clock);
    this.store = new ArtefactStore(clock, this.events, () => this.settings.limits.liveCodes);
    this.issued = new IssuedIndex(this.events, this.store, () => clock.now());
    this.profile = profileNamed(this.settings.profile, config);
    this.clients = new ClientRegistry(() => this.settings);
    this.clients.replaceAll(config.clients ?? []);
    this.personas = new PersonaRegistry(this.fhir);
    this.personas.replaceAll(config.personas);
    this.launches = new LaunchRegistry(
      clock,
      this.clients,
      () => this.config,
      () => this.urls.fhirBase,
      this.fhir,
    );
    this.ehrFrames = new EhrFrames(clock, this.launches, this.clients);
    this.pendingAuthorizations = new PendingAuthorizations(
      clock,
      () => this.settings.limits.pendingAuthorizations,
    );
    this.failures = new FailureBoard(this.events, () => clock.now(), options.random ?? Math.random);
    this.failures.replaceAll(config.failures ?? []);
    this.exchanges = new ExchangeLog(
      this.settings.exchangeLog.capacity,
      this.events,
      this.settings.exchangeLog.maxBytes,
    );
    const workers = options.signingWorkers ?? 0;
    this.signingPool = workers > 0 ? new SigningPool(workers) : undefined;
    if (parts.saved !== undefined) this.#pickUp(parts.saved);
  }

  /** Takes back what the previous run left: issued artefacts, failure presets, remembered sign-in choices. */
  #pickUp(saved: SavedState): void {
    this.store.restore(saved.artefacts);
    this.issued.seedFrom(this.store);
    for (const [name, arms] of Object.entries(saved.presets)) this.presets.set(name, arms);
    for (const [clientId, persona] of Object.entries(saved.remembered ?? {})) {
      if (this.#choiceStands(clientId, persona)) this.rememberedPersonas.set(clientId, persona);
    }
  }

  /** Where the state is kept (the data folder); undefined when it lives in memory only. */
  get dataDir(): string | undefined {
    return this.#keeper?.dir;
  }

  /** Aborted when the server starts closing: delays end, hung requests and event streams are let go. */
  get closing(): AbortSignal {
    return this.#shutdown.signal;
  }

  /** Lets go of everything that waits (called from the app's `preClose` hook). */
  close(): void {
    this.#shutdown.abort();
  }

  /** The origin clients reach the server at (set by whoever listens); an issuer reads the root's. */
  get origin(): string {
    return this.#originOf?.() ?? this.#origin;
  }

  set origin(origin: string) {
    this.#origin = origin;
  }

  /**
   * The absolute URL every path this issuer serves begins with: the origin, then `/i/NAME` for an issuer
   * beside the default one. Every URL the server writes starts here, so each issuer's links stay its own.
   */
  get base(): string {
    return `${this.origin}${this.basePath}`;
  }

  /** Where this issuer's admin API is addressed from outside (Location headers name it). */
  get adminPath(): string {
    return this.basePath === '' ? '/_sandbox/api' : `/_sandbox/api/issuers/${this.issuerName}`;
  }

  get urls(): SandboxUrls {
    const o = this.base;
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

  signingKey(): Promise<SigningKey> {
    return this.keys.signingKey(this.settings.tokens.signingAlg);
  }

  /** The published JWKS, once the active key exists (it may still be being generated at start-up). */
  async publicJwks(): Promise<JSONWebKeySet> {
    await this.signingKey();
    return this.keys.publicJwks();
  }

  /**
   * Key rollover (README "Key rollover"): a new current key for every algorithm in use; the replaced keys stay
   * in the JWKS for `graceSeconds` of sandbox clock, then retire. With a data folder the new keys are in
   * keys.json before this resolves; a failed write changes nothing.
   */
  async rotateKeys(graceSeconds: number): Promise<{ added: KeyStatus[]; replaced: KeyStatus[] }> {
    return this.#oneKeyChangeAtATime(() => this.#rotateKeys(graceSeconds));
  }

  async #rotateKeys(graceSeconds: number): Promise<{ added: KeyStatus[]; replaced: KeyStatus[] }> {
    const undo = this.keys.checkpoint();
    const result = await this.keys.rotate(this.settings.tokens.signingAlg, graceSeconds * 1000);
    await this.#saveKeys(undo);
    for (const key of result.added) {
      this.events.emit('key.rotated', {
        kid: key.kid,
        alg: key.alg,
        replaced: result.replaced.filter((r) => r.alg === key.alg).map((r) => r.kid),
        graceSeconds,
      });
    }
    return result;
  }

  /** Retires a published key at once: out of the JWKS, and tokens it signed stop verifying. */
  async retireKey(kid: string): Promise<KeyStatus | undefined> {
    return this.#oneKeyChangeAtATime(() => this.#retireKey(kid));
  }

  async #retireKey(kid: string): Promise<KeyStatus | undefined> {
    const undo = this.keys.checkpoint();
    const before = this.keys.keyStatus(kid)?.state;
    const status = this.keys.retire(kid);
    if (status === undefined || before === 'retired') return status;
    await this.#saveKeys(undo);
    this.events.emit('key.retired', { kid, retiredAt: status.retiredAt ?? this.clock.now() });
    return status;
  }

  #oneKeyChangeAtATime<T>(change: () => Promise<T>): Promise<T> {
    const result = this.#keyChanges.then(change);
    this.#keyChanges = result.catch(() => undefined);
    return result;
  }

  async #saveKeys(undo: () => void): Promise<void> {
    if (this.#keeper === undefined) return;
    try {
      await this.#keeper.saveKeys(this.keys.toStored());
    } catch (err) {
      undo();
      throw err;
    }
  }

  /** Releases what the instance holds beyond memory: the signing workers. */
  async stopSigningWorkers(): Promise<void> {
    await this.signingPool?.close();
  }

  /** Forgets expired codes, dead grants and spent assertion ids, so memory stays flat. */
  prune(): void {
    // Expired artefacts leave the state file too, not only memory.
    if (this.store.prune() > 0) this.#keeper?.persistSoon();
    this.launches.prune();
    this.ehrFrames.prune();
    this.pendingAuthorizations.prune();
    const now = Math.floor(this.clock.now() / 1000);
    for (const [key, exp] of this.seenAssertionJtis) if (now > exp) this.seenAssertionJtis.delete(key);
  }

  /**
   * Resolves once the current state is durably written to the data folder (at once when state is in memory
   * only). Admin writes await it before they answer 2xx, so an acknowledged change survives a crash.
   */
  async persist(): Promise<void> {
    return this.#keeper?.persist();
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

  /**
   * A change to the FHIR data (a load, a create, an update, a delete): `apply` changes memory and returns how
   * to undo it; the change is on disk before this resolves, or undone and the error thrown.
   */
  async changeFhir<T>(apply: () => { readonly result: T; readonly undo: () => void }): Promise<T> {
    const { result, undo } = apply();
    try {
      await this.#keeper?.persistFhir();
    } catch (err) {
      undo();
      throw err;
    }
    return result;
  }

  /**
   * Loads one file of FHIR data at run time (README "Your FHIR data"), all or nothing: a file that does not
   * parse, or would take the data past `limits.fhirResources`, throws a FhirLoadError and loads nothing.
   */
  async loadFhir(file: string, text: string): Promise<FhirResource[]> {
    const max = this.settings.limits.fhirResources;
    const resources = parseFhirFile(file, text, max);
    const added = this.fhir.newCount(resources);
    if (this.fhir.size + added > max) {
      throw new FhirLoadError(
        file,
        undefined,
        undefined,
        `would add ${added} resources to the ${this.fhir.size} stored; at most ${max} fit (the FHIR resources limit, limits.fhirResources)`,
      );
    }
    const now = new Date(this.clock.now()).toISOString();
    return this.changeFhir(() => {
      const before = resources.map((r) => [r, this.fhir.version(r.resourceType, r.id)] as const);
      const stored = resources.map((r) => this.fhir.put(r, now).resource);
      return {
        result: stored,
        undo: () => {
          for (const [r, previous] of before.reverse()) {
            if (previous === undefined) this.fhir.forget(r.resourceType, r.id);
            else this.fhir.restore(previous);
          }
        },
      };
    });
  }

  /** The remembered sign-in choices that still stand: what the state file keeps. */
  standingChoices(): Map<string, string> {
    return new Map(
      [...this.rememberedPersonas].filter(([clientId, persona]) => this.#choiceStands(clientId, persona)),
    );
  }

  /** A choice outlives neither its client nor its persona. */
  #choiceStands(clientId: string, persona: string): boolean {
    return this.clients.get(clientId) !== undefined && this.personas.get(persona) !== undefined;
  }

  /** The whole config document as it stands now (docs/config.md): what "export settings" writes. */
  exportConfig(): SandboxConfig {
    const settings: SandboxConfig = { ...this.config };
    delete settings.clients;
    delete settings.failures;
    delete settings.personas;
    const failures = this.failures.toConfig();
    const personas = this.personas.toConfig();
    return {
      ...settings,
      ...(personas === undefined ? {} : { personas }),
      clients: this.clients.list().map((c) => c.source),
      ...(failures.length > 0 ? { failures } : {}),
    };
  }

  /** Replaces clients, settings and armed failures with a validated document, all in one step. */
  importConfig(config: SandboxConfig): void {
    this.config = config;
    this.settings = resolveConfig(config);
    // The endpoints follow the profile at request time (routes/profile-paths.ts), so it can change here.
    this.profile = profileNamed(this.settings.profile, config);
    this.clients.replaceAll(config.clients ?? []);
    this.personas.replaceAll(config.personas);
    this.forgetStaleChoices();
    this.failures.replaceAll(config.failures ?? []);
    this.exchanges.resize(this.settings.exchangeLog.capacity, this.settings.exchangeLog.maxBytes);
    this.events.emit('config.imported', {
      clients: config.clients?.length ?? 0,
      failures: config.failures?.length ?? 0,
    });
  }

  /** Drops remembered sign-in choices whose client or persona no longer exists. */
  forgetStaleChoices(): void {
    for (const [clientId, persona] of this.rememberedPersonas) {
      if (!this.#choiceStands(clientId, persona)) this.rememberedPersonas.delete(clientId);
    }
  }

  /**
   * Queues custom claims for the next `count` token responses of a client (docs/admin-api.md#queued-claims):
   * the admin API's `POST /clients/:clientId/queued-claims`, and one line for a test API to wrap. Throws
   * {@link QueueClaimsError} naming the client, the claim at fault (reserved ones, with why) or the limit.
   */
  queueClaims(clientId: string, claims: Claims, count = 1): void {
    if (this.clients.get(clientId) === undefined) {
      throw new QueueClaimsError('unknown_client', `client ${clientId} is not registered`);
    }
    const issues = [
      ...schemaIssues(ClaimsSchema, claims).map((i) => ({
        ...i,
        path: i.path === '' ? 'claims' : `claims.${i.path}`,
      })),
      ...(Number.isInteger(count) && count >= 1 && count <= MAX_QUEUED_COUNT
        ? []
        : [
            {
              path: 'count',
              message: `expected an integer from 1 to ${MAX_QUEUED_COUNT}, got ${String(count)}`,
            },
          ]),
    ];
    if (issues.length === 0) issues.push(...reservedClaimIssues(claims, 'claims'));
    if (issues.length > 0) {
      throw new QueueClaimsError(
        'invalid_claims',
        issues.map((i) => `${i.path}: ${i.message}`).join('; '),
        issues,
      );
    }
    if (!this.queuedClaims.add(clientId, claims, count)) {
      throw new QueueClaimsError(
        'queue_full',
        `client ${clientId} already has ${MAX_QUEUED_PER_CLIENT} queued claim sets (the queued claims limit); clear them or wait until tokens use them`,
      );
    }
  }
}
