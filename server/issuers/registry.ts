import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { compactVerify, createLocalJWKSet, decodeJwt } from 'jose';
import { MAX_ISSUERS, type IssuerConfig, type SandboxConfig } from '../config/schema.js';
import { DEFAULT_ISSUER_NAME, issuerConfig, parseConfig } from '../config/validate.js';
import type { Sandbox } from '../sandbox.js';

/** Where issuers beside the default one are served: `/i/NAME` (README "Many issuers"). */
export const ISSUER_PATH_PREFIX = '/i';

/** The path an issuer's endpoints begin with. */
export function issuerPath(name: string): string {
  return `${ISSUER_PATH_PREFIX}/${name}`;
}

/**
 * Where issuer NAME keeps its state in a data folder: `DIR/issuers/NAME/` (README "Many issuers"), beside
 * the default issuer's own files in DIR.
 */
export function issuerDataDir(dataDir: string, name: string): string {
  return path.join(dataDir, 'issuers', name);
}

/** The colours issuers get when their config names none, in order (the default issuer takes the first). */
export const ISSUER_PALETTE = [
  '#2563eb',
  '#d97706',
  '#059669',
  '#db2777',
  '#7c3aed',
  '#0891b2',
  '#65a30d',
  '#dc2626',
] as const;

/** One issuer as the registry holds it: its sandbox and the app that serves it. */
export interface IssuerEntry {
  readonly name: string;
  readonly colour: string;
  readonly sandbox: Sandbox;
  readonly app: FastifyInstance;
}

/** An issuer as the admin API lists it (docs/admin-api.md#issuers). */
export interface IssuerView {
  readonly name: string;
  readonly profile: string;
  /** Where its paths begin: '' for the default issuer, `/i/NAME` for another. */
  readonly path: string;
  readonly issuer: string;
  readonly discovery: string;
  readonly fhirBase: string;
  /** Its admin API: every admin route of docs/admin-api.md under this prefix addresses this issuer alone. */
  readonly admin: string;
  readonly colour: string;
  readonly isDefault: boolean;
}

/** Why an issuer cannot be added or removed; `status` is the admin API's (404, 409). */
export class IssuerChangeError extends Error {
  constructor(
    readonly status: 404 | 409,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'IssuerChangeError';
  }
}

/**
 * Builds the app that serves one more issuer (app.ts: `buildServer` with `issuerPath`). `restored`: the issuer
 * comes back from the default issuer's state, not from the config or a flag, so what its own data folder keeps
 * (changed since through its own admin API) is in force, and `config` only stands in when the folder has none.
 */
export type BuildIssuer = (
  name: string,
  config: SandboxConfig,
  restored: boolean,
) => Promise<FastifyInstance>;

/**
 * The issuers of one sandbox (README "Many issuers"): the default one, served by the root app at the root
 * paths, and up to MAX_ISSUERS more, each a Sandbox of its own served by its own Fastify app under `/i/NAME`,
 * to which the root forwards (issuers/forward.ts). Each has its own clients, keys, store, failures, FHIR data
 * and exchange log; a token of one is unknown to every other, and the registry is how each can say whose it is.
 */
export class Issuers {
  readonly #root: Sandbox;
  readonly #rootColour: string;
  readonly #build: BuildIssuer;
  readonly #entries = new Map<string, IssuerEntry>();
  /** The issuers' config entries as the default issuer's state keeps them. */
  #kept: readonly IssuerConfig[] = [];
  /** Adds and removes one after another, so two adds of one name cannot both pass the duplicate check. */
  #changes: Promise<unknown> = Promise.resolve();

  constructor(root: Sandbox, build: BuildIssuer) {
    this.#root = root;
    this.#build = build;
    this.#rootColour = ISSUER_PALETTE[0];
    root.issuedElsewhere = (token) => this.issuedElsewhere(root, token);
    // The issuers routes own the list: an imported config document (PUT /config) leaves it as it is, so the
    // state written next never disagrees with the issuers being served.
    root.events.on('config.imported', () => {
      this.#root.config = this.#withIssuers(this.#root.config, this.#kept);
    });
  }

  #withIssuers(config: SandboxConfig, issuers: readonly IssuerConfig[]): SandboxConfig {
    const next: SandboxConfig = { ...config };
    delete next.issuers;
    return issuers.length === 0 ? next : { ...next, issuers: [...issuers] };
  }

  /**
   * The issuers the config names, started before the root serves anything; `given` are the names the config
   * file or `--issuer` gave, whose entries win over what an issuer's data folder keeps (as the top level does).
   */
  async start(config: SandboxConfig, given: ReadonlySet<string>): Promise<void> {
    for (const entry of config.issuers ?? []) await this.#start(entry, config, !given.has(entry.name));
    this.#kept = config.issuers ?? [];
  }

  get(name: string): IssuerEntry | undefined {
    return this.#entries.get(name);
  }

  /** The names a request may address, the default first. */
  names(): string[] {
    return [DEFAULT_ISSUER_NAME, ...this.#entries.keys()];
  }

  list(): IssuerView[] {
    return [
      this.#view(DEFAULT_ISSUER_NAME, this.#root, this.#rootColour),
      ...[...this.#entries.values()].map((e) => this.#view(e.name, e.sandbox, e.colour)),
    ];
  }

  view(name: string): IssuerView | undefined {
    return this.list().find((v) => v.name === name);
  }

  /**
   * Adds an issuer at run time (`POST /_sandbox/api/issuers`): checked like a config entry, started, then kept
   * in the default issuer's state so it comes back after a restart. Throws a ConfigError naming each field at
   * fault, or an IssuerChangeError (a duplicate name, the limit).
   */
  async add(entry: IssuerConfig): Promise<IssuerView> {
    return this.#oneAtATime(async () => {
      if (entry.name === DEFAULT_ISSUER_NAME || this.#entries.has(entry.name)) {
        throw new IssuerChangeError(409, `issuer ${entry.name} already exists`, 'name');
      }
      if (this.#entries.size >= MAX_ISSUERS) {
        throw new IssuerChangeError(
          409,
          `this sandbox already serves ${MAX_ISSUERS} issuers beside the default one (the issuers limit); remove one first`,
        );
      }
      const top = this.#root.config;
      // The same checks as a config file's `issuers` entry; a ConfigError names each field at fault.
      parseConfig(issuerConfig(entry, top), 'the issuer');
      const started = await this.#start(entry, top, false);
      const before = { config: this.#root.config, kept: this.#kept };
      try {
        await this.#root.changeDurably(
          () => {
            this.#kept = [...before.kept, entry];
            this.#root.config = this.#withIssuers(before.config, this.#kept);
          },
          () => {
            this.#kept = before.kept;
            this.#root.config = before.config;
          },
        );
      } catch (err) {
        this.#entries.delete(entry.name);
        await started.app.close();
        throw err;
      }
      this.#root.events.emit('issuer.added', { name: entry.name, profile: entry.profile });
      return this.#view(entry.name, started.sandbox, started.colour);
    });
  }

  /**
   * Removes an issuer (`DELETE /_sandbox/api/issuers/:name`): it stops answering and leaves the default issuer's
   * state. Its data folder (`DIR/issuers/NAME/`) is kept, never deleted: adding the name again brings its
   * clients, keys and grants back.
   */
  async remove(name: string): Promise<void> {
    return this.#oneAtATime(async () => {
      if (name === DEFAULT_ISSUER_NAME) {
        throw new IssuerChangeError(
          409,
          'the default issuer serves the root paths and cannot be removed; its settings are the top-level config',
        );
      }
      const entry = this.#entries.get(name);
      if (entry === undefined) {
        throw new IssuerChangeError(404, `no issuer ${name}; the issuers are ${this.names().join(', ')}`);
      }
      const before = { config: this.#root.config, kept: this.#kept };
      await this.#root.changeDurably(
        () => {
          this.#kept = before.kept.filter((i) => i.name !== name);
          this.#root.config = this.#withIssuers(before.config, this.#kept);
        },
        () => {
          this.#kept = before.kept;
          this.#root.config = before.config;
        },
      );
      this.#entries.delete(name);
      await entry.app.close();
      this.#root.events.emit('issuer.removed', { name });
    });
  }

  /**
   * Which other issuer issued `token`, when `asking` does not know it: a refresh token or code another store holds, or
   * an access or ID token that names another issuer and carries a signature of that issuer's keys (a forged
   * `iss` claim names nobody).
   */
  async issuedElsewhere(asking: Sandbox, token: string): Promise<string | undefined> {
    const all: [string, Sandbox][] = [
      [DEFAULT_ISSUER_NAME, this.#root],
      ...[...this.#entries.values()].map((e): [string, Sandbox] => [e.name, e.sandbox]),
    ];
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      iss = undefined;
    }
    for (const [name, sandbox] of all) {
      if (sandbox === asking) continue;
      if (iss === undefined) {
        // An opaque value: a refresh token or an authorization code that store holds (a status without
        // `expiresAt` is one the store does not hold).
        if (sandbox.store.lookupRefreshToken(token).status !== 'unknown') return name;
        if (sandbox.store.stateOf({ kind: 'code', value: token }).expiresAt !== undefined) return name;
        continue;
      }
      if (iss !== sandbox.urls.issuer) continue;
      try {
        await compactVerify(token, createLocalJWKSet(sandbox.keys.allPublicKeys()));
        return name;
      } catch {
        return undefined;
      }
    }
    return undefined;
  }

  /** Closes every issuer's app: their waits end, their state is persisted, their signing workers stop. */
  async closeAll(): Promise<void> {
    const apps = [...this.#entries.values()].map((e) => e.app);
    this.#entries.clear();
    await Promise.all(apps.map((app) => app.close()));
  }

  async #start(entry: IssuerConfig, top: SandboxConfig, restored: boolean): Promise<IssuerEntry> {
    const app = await this.#build(entry.name, issuerConfig(entry, top), restored);
    try {
      await app.ready();
    } catch (err) {
      await app.close();
      throw err;
    }
    // The first palette colour no issuer shows: after a removal, counting issuers would hand out a colour
    // still in use. Past the palette's length, colours repeat.
    const inUse = new Set([this.#rootColour, ...[...this.#entries.values()].map((e) => e.colour)]);
    const colour =
      entry.colour ??
      ISSUER_PALETTE.find((c) => !inUse.has(c)) ??
      ISSUER_PALETTE[(this.#entries.size + 1) % ISSUER_PALETTE.length] ??
      '#2563eb';
    const started: IssuerEntry = { name: entry.name, colour, sandbox: app.sandbox, app };
    app.sandbox.issuedElsewhere = (token) => this.issuedElsewhere(app.sandbox, token);
    this.#entries.set(entry.name, started);
    return started;
  }

  #view(name: string, sandbox: Sandbox, colour: string): IssuerView {
    const urls = sandbox.urls;
    return {
      name,
      profile: sandbox.profile.name,
      path: sandbox.basePath,
      issuer: urls.issuer,
      discovery: `${urls.issuer}/.well-known/smart-configuration`,
      fhirBase: urls.fhirBase,
      admin: sandbox.adminPath,
      colour,
      isDefault: name === DEFAULT_ISSUER_NAME,
    };
  }

  #oneAtATime<T>(change: () => Promise<T>): Promise<T> {
    const result = this.#changes.then(change);
    this.#changes = result.catch(() => undefined);
    return result;
  }
}
