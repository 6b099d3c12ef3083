import type {
  ArtefactToken,
  ClientList,
  FhirDataSummary,
  FhirLoadResult,
  GrantList,
  IssuerList,
  KeyList,
  KeyRotation,
  KeyView,
  LaunchChoices,
} from '../../server/admin/shapes.js';
import type { Har } from '../../server/exchanges/har.js';
import type { Inspection } from '../../server/tokens/inspection.js';
import type {
  AdminErrorBody,
  ArmedFailure,
  Artefact,
  ClientConfig,
  ClockView,
  EffectiveConfig,
  Exchange,
  ExchangePage,
  FailureArm,
  FailureBoard,
  FailureId,
  IssuerView,
  LaunchPatientChoice,
  LaunchRequest,
  LaunchResult,
  EhrLaunchRequest,
  EhrLaunchResult,
  ListedClient,
  PersonaConfig,
  PersonaList,
  QueuedClaimsView,
  SandboxConfig,
  StorageView,
} from './types.js';

import { ADMIN_PREFIX } from '../../server/paths.js';

export { ADMIN_PREFIX };

/** An admin request that failed, worded for the person looking at the form or button that sent it. */
export class AdminApiError extends Error {
  constructor(
    /** HTTP status, or 0 when the server could not be reached. */
    readonly status: number,
    readonly code: string,
    message: string,
    /** The field at fault, as the server names it (`redirectUris[0]`), when there is one. */
    readonly field?: string,
    readonly issues: readonly { readonly path: string; readonly message: string }[] = [],
  ) {
    super(message);
    this.name = 'AdminApiError';
  }
}

function isErrorBody(value: unknown): value is AdminErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    'error' in value &&
    typeof value.error === 'string' &&
    'message' in value &&
    typeof value.message === 'string'
  );
}

/** Everything the workbench asks of the admin API; one method per route. */
export interface AdminApi {
  readonly origin: string;
  /** The live event stream of the issuer this client addresses (read again after a switch). */
  readonly eventsUrl: string;
  /** The admin prefix in force: `/_sandbox/api`, or `/_sandbox/api/issuers/NAME` for issuer NAME. */
  readonly admin: string;
  /** The same client, bound to one issuer's admin prefix (an IssuerView's `admin`) whatever is chosen. */
  forIssuer(admin: string): AdminApi;
  /** Every issuer of the sandbox, the default first (README "Many issuers"); always asked of the root. */
  listIssuers(): Promise<IssuerView[]>;
  /** Headers every admin request carries (the bearer token). */
  headers(): Record<string, string>;
  /** Each client with its values in force (`effective`); a write answers with the document alone. */
  listClients(): Promise<ListedClient[]>;
  createClient(client: ClientConfig): Promise<ClientConfig>;
  updateClient(client: ClientConfig): Promise<ClientConfig>;
  deleteClient(clientId: string): Promise<void>;
  listGrants(): Promise<Artefact[]>;
  revokeArtefact(id: string): Promise<void>;
  /** The whole signed access or id token behind a listed artefact (a deliberate "show"). */
  getArtefactToken(id: string): Promise<string>;
  expireArtefact(id: string): Promise<void>;
  listExchanges(): Promise<Exchange[]>;
  /** A page of the exchange log: after `since` (a seq), at most `limit`, paths starting with `path`. */
  pageExchanges(query: ExchangeQuery): Promise<ExchangePage>;
  getExchange(seq: number): Promise<Exchange>;
  /** The exchange log as HAR 1.2: all of it, the filters given, or the seqs listed (masked as the log is). */
  exportHar(query: HarQuery): Promise<Har>;
  /** The server's own verdict on any JWT or opaque token (docs/admin-api.md#inspect). */
  inspectToken(token: string): Promise<Inspection>;
  listFailures(): Promise<FailureBoard>;
  armFailure(arm: FailureArm): Promise<void>;
  disarmFailure(id: FailureId): Promise<void>;
  disarmAllFailures(): Promise<void>;
  getConfig(): Promise<SandboxConfig>;
  /** The settings in force, every default applied: what the workbench shows for a field the config leaves out. */
  getEffectiveConfig(): Promise<EffectiveConfig>;
  putConfig(config: SandboxConfig): Promise<SandboxConfig>;
  getClock(): Promise<ClockView>;
  /** Where the server keeps its state: its data folder, or null in memory. */
  getStorage(): Promise<StorageView>;
  setClockOffset(offsetSeconds: number): Promise<ClockView>;
  createLaunch(request: LaunchRequest): Promise<LaunchResult>;
  /** A launch inside the sandbox's EHR page (docs/admin-api.md#launches). */
  createEhrLaunch(request: EhrLaunchRequest): Promise<EhrLaunchResult>;
  listLaunchChoices(): Promise<LaunchPatientChoice[]>;
  /** The signing keys with their state (README "Key rollover"). */
  listKeys(): Promise<KeyList>;
  /** A new current key; the replaced ones stay published for `graceSeconds` (the server's default when absent). */
  rotateKeys(graceSeconds?: number): Promise<KeyRotation>;
  retireKey(kid: string): Promise<KeyView>;
  /** Who may sign in, the default persona, and the sign-in choices remembered per client. */
  listPersonas(): Promise<PersonaList>;
  createPersona(persona: PersonaConfig): Promise<PersonaConfig>;
  updatePersona(persona: PersonaConfig): Promise<PersonaConfig>;
  deletePersona(id: string): Promise<void>;
  /** Forgets the persona remembered for a client, so its next authorization asks who signs in again. */
  forgetRememberedPersona(clientId: string): Promise<void>;
  listQueuedClaims(clientId: string): Promise<QueuedClaimsView>;
  clearQueuedClaims(clientId: string): Promise<void>;
  /** How many FHIR resources are stored, and the limit. */
  getFhirSummary(): Promise<FhirDataSummary>;
  /** Loads one file of FHIR data (Bundle, resource or NDJSON), all or nothing (README "Your FHIR data"). */
  loadFhir(file: string, content: string): Promise<FhirLoadResult>;
}

export interface AdminApiOptions {
  readonly origin: string;
  readonly token: () => string | undefined;
  /**
   * The admin prefix of the issuer the workbench shows (an IssuerView's `admin`), read on every request so a
   * switch of issuer reaches every view through this one place; `/_sandbox/api` (the default issuer) if absent.
   */
  readonly admin?: () => string;
  readonly fetch?: typeof fetch;
}

/** The query of `GET /exchanges` (docs/admin-api.md#exchanges). */
export interface ExchangeQuery {
  readonly since?: number;
  readonly limit?: number;
  readonly path?: string;
}

/** The query of `GET /exchanges/har`: the filters of `GET /exchanges`, or a selection of seqs. */
export interface HarQuery {
  readonly clientId?: string;
  readonly path?: string;
  /** A failure id, or `*` for any injected failure. */
  readonly failure?: string;
  readonly seq?: readonly number[];
}

/**
 * What each admin route answers with, keyed by method and path template. The types are the `Static` types of
 * the server's response schemas (server/admin/shapes.ts, server/exchanges/exchange.ts), and the server writes
 * every answer through those schemas, so a field is in the JSON exactly when its type says so.
 */
interface AdminResponses {
  'GET /issuers': IssuerList;
  'GET /clients': ClientList;
  'POST /clients': ClientConfig;
  'PUT /clients/:clientId': ClientConfig;
  'DELETE /clients/:clientId': undefined;
  'GET /grants': GrantList;
  'GET /grants/:id/token': ArtefactToken;
  'POST /grants/:id/revoke': Artefact;
  'POST /grants/:id/expire': Artefact;
  'GET /exchanges': ExchangePage;
  'GET /exchanges/:seq': Exchange;
  'GET /exchanges/har': Har;
  'POST /inspect': Inspection;
  'GET /failures': FailureBoard;
  'POST /failures': ArmedFailure;
  'DELETE /failures/:id': undefined;
  'DELETE /failures': undefined;
  'GET /config': SandboxConfig;
  'GET /config/effective': EffectiveConfig;
  'PUT /config': SandboxConfig;
  'GET /clock': ClockView;
  'PUT /clock': ClockView;
  'GET /storage': StorageView;
  'POST /launches': LaunchResult;
  'POST /launches/ehr': EhrLaunchResult;
  'GET /launches/choices': LaunchChoices;
  'GET /keys': KeyList;
  'POST /keys/rotate': KeyRotation;
  'POST /keys/:kid/retire': KeyView;
  'GET /personas': PersonaList;
  'POST /personas': PersonaConfig;
  'PUT /personas/:id': PersonaConfig;
  'DELETE /personas/:id': undefined;
  'DELETE /clients/:clientId/remembered-persona': undefined;
  'GET /clients/:clientId/queued-claims': QueuedClaimsView;
  'DELETE /clients/:clientId/queued-claims': undefined;
  'GET /fhir': FhirDataSummary;
  'POST /fhir/load': FhirLoadResult;
}
type AdminRoute = keyof AdminResponses;

interface CallOptions {
  /** Values for the route's `:name` segments, percent-encoded into the path. */
  readonly params?: Readonly<Record<string, string | number>>;
  readonly query?: string;
  readonly body?: unknown;
  /** The admin prefix to use instead of the chosen issuer's (the issuers routes live on the root alone). */
  readonly prefix?: string;
}

/** Creates the admin API client; every failure becomes an `AdminApiError` with the server's own words. */
export function createAdminApi(options: AdminApiOptions): AdminApi {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const admin = options.admin ?? (() => ADMIN_PREFIX);

  function headers(): Record<string, string> {
    const token = options.token();
    return token === undefined ? {} : { Authorization: `Bearer ${token}` };
  }

  /** One admin request; its answer has the type the route's response schema declares (see AdminResponses). */
  async function call<R extends AdminRoute>(route: R, options?: CallOptions): Promise<AdminResponses[R]>;
  async function call(route: AdminRoute, request: CallOptions = {}): Promise<unknown> {
    const [method = 'GET', template = ''] = route.split(' ');
    const path =
      template.replace(/:(\w+)/g, (_, name: string) =>
        encodeURIComponent(String(request.params?.[name] ?? '')),
      ) + (request.query === undefined || request.query === '' ? '' : `?${request.query}`);
    const body = request.body;
    const init: RequestInit = { method, headers: headers(), cache: 'no-store' };
    if (body !== undefined) {
      init.headers = { ...headers(), 'Content-Type': 'application/json' };
      init.body = JSON.stringify(body);
    }
    let response: Response;
    try {
      response = await doFetch(`${options.origin}${request.prefix ?? admin()}${path}`, init);
    } catch (err) {
      throw new AdminApiError(
        0,
        'unreachable',
        `cannot reach the sandbox at ${options.origin}: is it still running? (${err instanceof Error ? err.message : String(err)})`,
      );
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (response.ok) return parsed;
    if (isErrorBody(parsed)) {
      throw new AdminApiError(
        response.status,
        parsed.error,
        parsed.message,
        parsed.field,
        parsed.issues ?? [],
      );
    }
    if (response.status === 404) {
      throw new AdminApiError(404, 'not_found', `this server has no admin route ${method} ${path}`);
    }
    throw new AdminApiError(
      response.status,
      'http_error',
      `the sandbox answered ${response.status} ${response.statusText}`.trim(),
    );
  }

  return {
    origin: options.origin,
    get eventsUrl() {
      return `${options.origin}${admin()}/events`;
    },
    get admin() {
      return admin();
    },
    forIssuer: (prefix) => createAdminApi({ ...options, admin: () => prefix }),
    listIssuers: async () => (await call('GET /issuers', { prefix: ADMIN_PREFIX })).issuers,
    headers,
    listClients: async () => (await call('GET /clients')).clients,
    createClient: async (client) => call('POST /clients', { body: client }),
    updateClient: async (client) =>
      call('PUT /clients/:clientId', { params: { clientId: client.clientId }, body: client }),
    deleteClient: async (clientId) => {
      await call('DELETE /clients/:clientId', { params: { clientId } });
    },
    listGrants: async () => (await call('GET /grants')).grants,
    getArtefactToken: async (id) => (await call('GET /grants/:id/token', { params: { id } })).token,
    revokeArtefact: async (id) => {
      await call('POST /grants/:id/revoke', { params: { id } });
    },
    expireArtefact: async (id) => {
      await call('POST /grants/:id/expire', { params: { id } });
    },
    listExchanges: async () => (await call('GET /exchanges', { query: 'limit=1000' })).exchanges,
    pageExchanges: async (query) => {
      const search = new URLSearchParams();
      if (query.since !== undefined) search.set('since', String(query.since));
      if (query.limit !== undefined) search.set('limit', String(query.limit));
      if (query.path !== undefined) search.set('path', query.path);
      return call('GET /exchanges', { query: search.toString() });
    },
    getExchange: async (seq) => call('GET /exchanges/:seq', { params: { seq } }),
    exportHar: async (query) => {
      const search = new URLSearchParams();
      if (query.clientId !== undefined) search.set('clientId', query.clientId);
      if (query.path !== undefined) search.set('path', query.path);
      if (query.failure !== undefined) search.set('failure', query.failure);
      if (query.seq !== undefined) search.set('seq', query.seq.join(','));
      return call('GET /exchanges/har', { query: search.toString() });
    },
    inspectToken: async (token) => call('POST /inspect', { body: { token } }),
    listFailures: async () => call('GET /failures'),
    armFailure: async (arm) => {
      await call('POST /failures', { body: arm });
    },
    disarmFailure: async (id) => {
      await call('DELETE /failures/:id', { params: { id } });
    },
    disarmAllFailures: async () => {
      await call('DELETE /failures');
    },
    getConfig: async () => call('GET /config'),
    getEffectiveConfig: async () => call('GET /config/effective'),
    putConfig: async (config) => call('PUT /config', { body: config }),
    getClock: async () => call('GET /clock'),
    getStorage: async () => call('GET /storage'),
    setClockOffset: async (offsetSeconds) => call('PUT /clock', { body: { offsetSeconds } }),
    createLaunch: async (request) => call('POST /launches', { body: request }),
    createEhrLaunch: async (request) => call('POST /launches/ehr', { body: request }),
    listLaunchChoices: async () => (await call('GET /launches/choices')).patients,
    listKeys: async () => call('GET /keys'),
    rotateKeys: async (graceSeconds) =>
      call('POST /keys/rotate', { body: graceSeconds === undefined ? {} : { graceSeconds } }),
    retireKey: async (kid) => call('POST /keys/:kid/retire', { params: { kid } }),
    listPersonas: async () => call('GET /personas'),
    createPersona: async (persona) => call('POST /personas', { body: persona }),
    updatePersona: async (persona) =>
      call('PUT /personas/:id', { params: { id: persona.id }, body: persona }),
    deletePersona: async (id) => {
      await call('DELETE /personas/:id', { params: { id } });
    },
    forgetRememberedPersona: async (clientId) => {
      await call('DELETE /clients/:clientId/remembered-persona', { params: { clientId } });
    },
    listQueuedClaims: async (clientId) =>
      call('GET /clients/:clientId/queued-claims', { params: { clientId } }),
    clearQueuedClaims: async (clientId) => {
      await call('DELETE /clients/:clientId/queued-claims', { params: { clientId } });
    },
    getFhirSummary: async () => call('GET /fhir'),
    loadFhir: async (file, content) => call('POST /fhir/load', { body: { file, content } }),
  };
}
