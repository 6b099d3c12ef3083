import type { FastifyInstance } from 'fastify';
import type { AdminErrorBody } from '../admin/errors.js';
import type * as Admin from '../admin/shapes.js';
import { buildServer } from '../app.js';
import type { Sandbox, SandboxUrls } from '../sandbox.js';
import type { ClientConfig, FailureArm, IssuerConfig, SandboxConfig } from '../config/schema.js';
import type { ConfigIssue } from '../config/validate.js';
import { DEFAULT_ISSUER_NAME, parseConfig } from '../config/validate.js';
import type { Exchange } from '../exchanges/exchange.js';
import type { FailureId } from '../failures/ids.js';
import { DirectIssueError, issueDirectly, type DirectIssueRequest } from '../grants/direct-issue.js';
import type { TokenResponse } from '../grants/grant.js';
import { KeyRing, type StoredKeys } from '../keys/key-ring.js';

/** What `startSandbox` takes; everything is optional. */
export interface StartSandboxOptions {
  /** The token endpoint profile: a built-in one (`smart`, `medirecords`, `iehr`) or one `config` describes. */
  readonly profile?: string;
  /** The registered clients (docs/config.md "clients"); they replace `config.clients`. */
  readonly clients?: readonly ClientConfig[];
  /**
   * More issuers, each under `/i/NAME` (README "Many issuers", docs/config.md "issuers"); they replace
   * `config.issuers`. `sandbox.issuer(NAME)` is the handle of one.
   */
  readonly issuers?: readonly IssuerConfig[];
  /** The rest of a config document (docs/config.md), validated as the command validates `--config`. */
  readonly config?: SandboxConfig;
  /** The port to listen on, on 127.0.0.1; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Keep state in this folder, as `serve --data-dir`; in memory only when absent. */
  readonly dataDir?: string;
  /** Keys from `generateSigningKeys()`, so many sandboxes skip generating an RSA key each (50 to 300 ms). */
  readonly signingKeys?: StoredKeys;
}

const OPTION_NAMES: readonly (keyof StartSandboxOptions)[] = [
  'profile',
  'clients',
  'issuers',
  'config',
  'port',
  'dataDir',
  'signingKeys',
];

/** Every URL a test needs, derived from the port the sandbox listens on. */
export interface SandboxHandleUrls extends SandboxUrls {
  /** SMART discovery (`/.well-known/smart-configuration`). */
  readonly discovery: string;
  /** OpenID Connect discovery (`/.well-known/openid-configuration`). */
  readonly openidConfiguration: string;
  /** The workbench UI, opened with the admin token. */
  readonly workbench: string;
}

export interface WaitOptions {
  /** How long to wait, in milliseconds (default 5000). */
  readonly timeoutMs?: number;
  /** What the predicate looks for, in words, for the error when nothing matches. */
  readonly description?: string;
}

/** Something the sandbox refused or could not do; `field` names the option or field at fault when one is. */
export class SandboxApiError extends Error {
  constructor(
    /** The method that failed, such as `addClient`. */
    readonly operation: string,
    message: string,
    readonly field?: string,
    /** The admin API's error code (`invalid_input`, `not_found`, …) when the admin API refused. */
    readonly code?: string,
    readonly issues: readonly ConfigIssue[] = [],
  ) {
    super(`${operation}: ${message}`);
    this.name = 'SandboxApiError';
  }
}

const DEFAULT_WAIT_MS = 5000;
/** The longest delay setTimeout keeps; beyond it (or for Infinity) Node fires after 1 ms instead. */
const MAX_WAIT_MS = 2 ** 31 - 1;

function checkOptions(options: StartSandboxOptions): void {
  // Plain JavaScript callers can pass anything: name what was expected instead of failing on Object.keys(null).
  const given: unknown = options;
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new SandboxApiError(
      'startSandbox',
      `options must be an object (${OPTION_NAMES.join(', ')}), got ${Array.isArray(given) ? 'an array' : given === null ? 'null' : typeof given}`,
    );
  }
  const unknown = Object.keys(options).filter((k) => !(OPTION_NAMES as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new SandboxApiError(
      'startSandbox',
      `unknown option ${unknown.join(', ')}; expected: ${OPTION_NAMES.join(', ')}`,
      unknown[0],
    );
  }
  const port: unknown = options.port;
  if (
    port !== undefined &&
    (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535)
  ) {
    throw new SandboxApiError(
      'startSandbox',
      `port must be a whole number from 0 to 65535, got ${JSON.stringify(port)}`,
      'port',
    );
  }
  const keys: unknown = options.signingKeys;
  const list: unknown =
    typeof keys === 'object' && keys !== null ? (keys as { keys?: unknown }).keys : undefined;
  if (
    keys !== undefined &&
    !(
      Array.isArray(list) &&
      list.every(
        (k: unknown) =>
          typeof k === 'object' &&
          k !== null &&
          typeof (k as { alg?: unknown }).alg === 'string' &&
          typeof (k as { jwk?: unknown }).jwk === 'object' &&
          (k as { jwk?: unknown }).jwk !== null,
      )
    )
  ) {
    // Anything else was silently ignored (a fresh key generated) or failed deep in the key import.
    throw new SandboxApiError(
      'startSandbox',
      'signingKeys must be what generateSigningKeys() resolves with: { keys: [{ alg, jwk }, …] }',
      'signingKeys',
    );
  }
  const issuers: unknown = options.issuers;
  if (issuers !== undefined && !Array.isArray(issuers)) {
    throw new SandboxApiError(
      'startSandbox',
      `issuers must be an array of issuer entries ({ name, profile, … }), got ${issuers === null ? 'null' : typeof issuers}`,
      'issuers',
    );
  }
  const dataDir: unknown = options.dataDir;
  if (dataDir !== undefined && (typeof dataDir !== 'string' || dataDir === '')) {
    throw new SandboxApiError(
      'startSandbox',
      'dataDir must be a folder path (a non-empty string)',
      'dataDir',
    );
  }
}

/**
 * Starts a sandbox in this process, listening on 127.0.0.1, with the same server the `serve` command runs
 * (buildServer) and the same config validation (a bad client throws the `--config` file's message, naming
 * the field). Close it with `close()`.
 */
export async function startSandbox(options: StartSandboxOptions = {}): Promise<RunningSandbox> {
  checkOptions(options);
  const doc: SandboxConfig = {
    ...options.config,
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    ...(options.clients === undefined ? {} : { clients: [...options.clients] }),
    ...(options.issuers === undefined ? {} : { issuers: [...options.issuers] }),
  };
  const config = parseConfig(doc, 'startSandbox options');
  const app = await buildServer({
    config,
    // Signing on the event loop: worker threads cost more to start than a test's few tokens take to sign.
    signingWorkers: 0,
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.signingKeys === undefined ? {} : { signingKeys: options.signingKeys }),
  });
  const port = options.port ?? 0;
  try {
    await app.listen({ port, host: '127.0.0.1' });
  } catch (err) {
    await app.close();
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new SandboxApiError(
      'startSandbox',
      `cannot listen on 127.0.0.1:${port} (${code})${code === 'EADDRINUSE' ? '; pass port: 0 for any free port' : ''}`,
      'port',
    );
  }
  const address = app.server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  app.sandbox.origin = `http://127.0.0.1:${bound}`;
  return new RunningSandbox(app);
}

/**
 * Generates signing keys once, to hand to many `startSandbox({ signingKeys })` calls: an RSA-2048 key takes
 * 50 to 300 ms to generate, most of a sandbox's start.
 */
export async function generateSigningKeys(): Promise<StoredKeys> {
  const ring = await KeyRing.load(undefined);
  await ring.signingKey('RS256');
  return ring.toStored();
}

interface Waiter {
  readonly reject: (err: Error) => void;
}

/** What every handle of one running sandbox shares: the root app, the waits to end and the close in progress. */
interface HandleContext {
  readonly app: FastifyInstance;
  readonly host: string;
  readonly waiters: Set<Waiter>;
  closed: Promise<void> | undefined;
}

/**
 * One issuer of a running sandbox (README "Many issuers"): `RunningSandbox` is the default issuer's, and
 * `sandbox.issuer(NAME)` gives another's. Every change goes through the admin API (in process, with `inject`),
 * under the issuer's own prefix (`/_sandbox/api/issuers/NAME`), so it is checked, persisted and announced
 * exactly as a change from the workbench is, and fails with the same messages. A new admin capability (rotating
 * signing keys, queueing claims for the next token) is one method here over `#admin`, for every issuer at once.
 */
export class IssuerHandle {
  /** The issuer's name: `default` for the one at the root paths. */
  readonly name: string;
  readonly urls: SandboxHandleUrls;
  /** The admin API's bearer token (docs/admin-api.md), the same for every issuer. */
  readonly adminToken: string;
  readonly #context: HandleContext;
  /** Where this issuer's admin routes begin: `/_sandbox/api`, or `/_sandbox/api/issuers/NAME`. */
  readonly #adminBase: string;

  /** @internal Made by `startSandbox` and `RunningSandbox.issuer()`, never by a caller. */
  constructor(context: HandleContext, name: string, sandbox: Sandbox) {
    this.#context = context;
    this.name = name;
    this.#adminBase = sandbox.adminPath;
    const urls = sandbox.urls;
    this.adminToken = sandbox.adminToken;
    this.urls = {
      ...urls,
      discovery: `${urls.issuer}/.well-known/smart-configuration`,
      openidConfiguration: `${urls.issuer}/.well-known/openid-configuration`,
      // One workbench serves every issuer, at the root path only.
      workbench: `${sandbox.origin}/?token=${encodeURIComponent(sandbox.adminToken)}`,
    };
  }

  /** The origin the sandbox listens on (`http://127.0.0.1:PORT`), the same for every issuer. */
  get origin(): string {
    return new URL(this.urls.issuer).origin;
  }

  /** Registers a client (`POST /clients`); throws naming the field when the client is not valid. */
  async addClient(client: ClientConfig): Promise<ClientConfig> {
    return this.#admin<ClientConfig>('addClient', 'POST', '/clients', client);
  }

  /** Removes a client (`DELETE /clients/:clientId`); throws when there is no such client. */
  async removeClient(clientId: string): Promise<void> {
    await this.#admin('removeClient', 'DELETE', `/clients/${encodeURIComponent(clientId)}`);
  }

  /** Arms a failure mode (docs/failures.md), with the admin API's options (`times`, `probability`, …). */
  async armFailure(arm: FailureArm): Promise<Admin.ArmedFailure> {
    return this.#admin<Admin.ArmedFailure>('armFailure', 'POST', '/failures', arm);
  }

  /** Disarms one failure mode; throws when it is not armed. */
  async disarmFailure(id: FailureId): Promise<void> {
    await this.#admin('disarmFailure', 'DELETE', `/failures/${encodeURIComponent(id)}`);
  }

  /** Disarms every failure mode. */
  async clearFailures(): Promise<void> {
    await this.#admin('clearFailures', 'DELETE', '/failures');
  }

  /** Mints an EHR launch (SMART App Launch §EHR launch): the `launch` value and the URL that opens the app. */
  async launch(request: Admin.LaunchRequest): Promise<Admin.LaunchResult> {
    return this.#admin<Admin.LaunchResult>('launch', 'POST', '/launches', request);
  }

  /**
   * Claims for the client's next `count` token responses (`POST /clients/:clientId/queued-claims`): in the access
   * token and id_token, over the client's and the persona's; reserved claims (`iss`, `exp`, …) are refused.
   */
  async queueClaims(clientId: string, request: Admin.QueueClaimsRequest): Promise<Admin.QueuedClaimsView> {
    return this.#admin<Admin.QueuedClaimsView>(
      'queueClaims',
      'POST',
      `/clients/${encodeURIComponent(clientId)}/queued-claims`,
      request,
    );
  }

  /**
   * Makes a new signing key current (`POST /keys/rotate`); the replaced keys stay in the JWKS for `graceSeconds`
   * (the server's default when absent), then retire: a client caching the JWKS meets a real rollover.
   */
  async rotateKeys(graceSeconds?: number): Promise<Admin.KeyRotation> {
    return this.#admin<Admin.KeyRotation>(
      'rotateKeys',
      'POST',
      '/keys/rotate',
      graceSeconds === undefined ? {} : { graceSeconds },
    );
  }

  /** Retires a published key now (`POST /keys/:kid/retire`): it leaves the JWKS and its tokens stop verifying. */
  async retireKey(kid: string): Promise<Admin.KeyView> {
    return this.#admin<Admin.KeyView>('retireKey', 'POST', `/keys/${encodeURIComponent(kid)}/retire`);
  }

  /** Skews the server's clock by `offsetSeconds` from real time (`PUT /clock`): tokens expire by it. */
  async setClockOffset(offsetSeconds: number): Promise<Admin.ClockView> {
    return this.#admin<Admin.ClockView>('setClockOffset', 'PUT', '/clock', { offsetSeconds });
  }

  /**
   * Issues tokens for a client and scopes without the authorization dance, with the token endpoint's own
   * minting code: they pass introspection, userinfo and the FHIR base, and are listed under grants.
   */
  async issueToken(request: DirectIssueRequest): Promise<TokenResponse> {
    this.#checkOpen('issueToken');
    try {
      return await issueDirectly(this.#sandbox('issueToken'), request);
    } catch (err) {
      if (err instanceof DirectIssueError) throw new SandboxApiError('issueToken', err.message, err.field);
      throw err;
    }
  }

  /**
   * Resolves with the first exchange (docs/admin-api.md#exchanges) that matches: one already in the log, or
   * the next one recorded. Rejects after `timeoutMs` with an error that says what it waited for.
   */
  async waitForExchange(
    predicate: (exchange: Exchange) => boolean,
    options: WaitOptions = {},
  ): Promise<Exchange> {
    this.#checkOpen('waitForExchange');
    if (typeof predicate !== 'function') {
      throw new SandboxApiError('waitForExchange', 'predicate must be a function of an exchange');
    }
    const wait: unknown = options.timeoutMs;
    if (
      wait !== undefined &&
      (typeof wait !== 'number' || !Number.isInteger(wait) || wait < 0 || wait > MAX_WAIT_MS)
    ) {
      throw new SandboxApiError(
        'waitForExchange',
        `timeoutMs must be a whole number of milliseconds from 0 to ${MAX_WAIT_MS}, got ${typeof wait === 'number' ? String(wait) : typeof wait}`,
        'timeoutMs',
      );
    }
    const sandbox = this.#sandbox('waitForExchange');
    const log = sandbox.exchanges;
    const already = log.query().find(predicate);
    if (already !== undefined) return already;
    const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
    const what = options.description ?? `an exchange matching ${predicate.toString().slice(0, 200)}`;
    return new Promise<Exchange>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        off();
        this.#context.waiters.delete(waiter);
      };
      const waiter: Waiter = {
        reject: (err) => {
          done();
          reject(err);
        },
      };
      const off = sandbox.events.on('exchange.recorded', (summary) => {
        const exchange = log.get(summary.seq);
        let matched: boolean;
        try {
          matched = exchange !== undefined && predicate(exchange);
        } catch (err) {
          waiter.reject(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        if (matched && exchange !== undefined) {
          done();
          resolve(exchange);
        }
      });
      const timer = setTimeout(() => {
        const all = log.query();
        const last = all.at(-1);
        const seen =
          last === undefined
            ? 'the log is empty'
            : `the log holds ${all.length} exchange(s), the last: ${last.method} ${last.path} → ${last.status}`;
        waiter.reject(
          new SandboxApiError(
            'waitForExchange',
            `no exchange matched ${what} within ${timeoutMs} ms; ${seen}`,
          ),
        );
      }, timeoutMs);
      this.#context.waiters.add(waiter);
    });
  }

  #checkOpen(operation: string): void {
    if (this.#context.closed !== undefined) throw new SandboxApiError(operation, 'the sandbox is closed');
  }

  /** This issuer's sandbox, looked up on each call: an issuer removed since is named, not used. */
  #sandbox(operation: string): Sandbox {
    const app = this.#context.app;
    const sandbox = this.name === DEFAULT_ISSUER_NAME ? app.sandbox : app.issuers?.get(this.name)?.sandbox;
    if (sandbox === undefined) throw new SandboxApiError(operation, noIssuer(app, this.name), 'name');
    return sandbox;
  }

  /** One admin API call, in process; a refusal becomes a SandboxApiError with the API's message and field. */
  async #admin<T = undefined>(
    operation: string,
    method: 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<T> {
    this.#checkOpen(operation);
    const res = await this.#context.app.inject({
      method,
      url: `${this.#adminBase}${path}`,
      headers: {
        host: this.#context.host,
        authorization: `Bearer ${this.adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    if (res.statusCode >= 400) {
      const error = res.json<AdminErrorBody>();
      throw new SandboxApiError(operation, error.message, error.field, error.error, error.issues ?? []);
    }
    return res.statusCode === 204 ? (undefined as T) : res.json<T>();
  }
}

/** Why there is no handle for `name`, with the issuers there are. */
function noIssuer(app: FastifyInstance, name: string): string {
  const names = app.issuers?.names() ?? [DEFAULT_ISSUER_NAME];
  return `no issuer ${JSON.stringify(name)} in this sandbox; the issuers are ${names.join(', ')}`;
}

/**
 * A running sandbox: the default issuer's handle (every method of IssuerHandle at the root paths), the way to
 * the other issuers' handles, and `close()`.
 */
export class RunningSandbox extends IssuerHandle {
  readonly #context: HandleContext;

  constructor(app: FastifyInstance) {
    const context: HandleContext = {
      app,
      host: new URL(app.sandbox.origin).host,
      waiters: new Set(),
      closed: undefined,
    };
    super(context, DEFAULT_ISSUER_NAME, app.sandbox);
    this.#context = context;
  }

  /**
   * The handle of issuer `name` (`default` is this one): the same methods, scoped to that issuer's clients,
   * failures, launches, keys, tokens and exchange log. Throws naming the issuers there are when there is none.
   */
  issuer(name: string): IssuerHandle {
    if (name === DEFAULT_ISSUER_NAME) return this;
    const entry = this.#context.app.issuers?.get(name);
    if (entry === undefined) {
      throw new SandboxApiError('issuer', noIssuer(this.#context.app, name), 'name');
    }
    return new IssuerHandle(this.#context, name, entry.sandbox);
  }

  /** Every issuer's handle, the default (this one) first. */
  issuers(): IssuerHandle[] {
    const names = this.#context.app.issuers?.names() ?? [DEFAULT_ISSUER_NAME];
    return names.map((name) => this.issuer(name));
  }

  /**
   * Stops the server and releases everything it holds (sockets, timers, signing workers, the data folder's
   * pending write). Waits still pending, at any issuer, reject. Safe to call twice.
   */
  async close(): Promise<void> {
    const context = this.#context;
    if (context.closed === undefined) {
      for (const waiter of [...context.waiters]) {
        waiter.reject(new SandboxApiError('waitForExchange', 'the sandbox was closed while waiting'));
      }
      context.closed = context.app.close();
    }
    return context.closed;
  }
}
