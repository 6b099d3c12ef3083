import type {
  AdminErrorBody,
  ClientConfig,
  ClockView,
  EffectiveConfig,
  Exchange,
  FailureArm,
  FailureBoard,
  FailureId,
  Artefact,
  LaunchPatientChoice,
  LaunchRequest,
  LaunchResult,
  ListedClient,
  SandboxConfig,
  StorageView,
} from './types.js';

/** Where the admin API lives on the sandbox's origin (docs/admin-api.md). */
export const ADMIN_PREFIX = '/_sandbox/api';

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
    typeof (value as { error?: unknown }).error === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

/** Everything the workbench asks of the admin API; one method per route. */
export interface AdminApi {
  readonly origin: string;
  readonly eventsUrl: string;
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
  getExchange(seq: number): Promise<Exchange>;
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
  listLaunchChoices(): Promise<LaunchPatientChoice[]>;
}

export interface AdminApiOptions {
  readonly origin: string;
  readonly token: () => string | undefined;
  readonly fetch?: typeof fetch;
}

/** Reads a list from `{ key: [...] }` or a bare array, so the client is tolerant of either envelope. */
function listIn<T>(body: unknown, key: string): T[] {
  if (Array.isArray(body)) return body as T[];
  const inner =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined;
  return Array.isArray(inner) ? (inner as T[]) : [];
}

/** Creates the admin API client; every failure becomes an `AdminApiError` with the server's own words. */
export function createAdminApi(options: AdminApiOptions): AdminApi {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const base = `${options.origin}${ADMIN_PREFIX}`;

  function headers(): Record<string, string> {
    const token = options.token();
    return token === undefined ? {} : { Authorization: `Bearer ${token}` };
  }

  async function call(method: string, path: string, body?: unknown): Promise<unknown> {
    const init: RequestInit = { method, headers: headers(), cache: 'no-store' };
    if (body !== undefined) {
      init.headers = { ...headers(), 'Content-Type': 'application/json' };
      init.body = JSON.stringify(body);
    }
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, init);
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

  const enc = encodeURIComponent;
  return {
    origin: options.origin,
    eventsUrl: `${base}/events`,
    headers,
    listClients: async () => listIn<ListedClient>(await call('GET', '/clients'), 'clients'),
    createClient: async (client) => (await call('POST', '/clients', client)) as ClientConfig,
    updateClient: async (client) =>
      (await call('PUT', `/clients/${enc(client.clientId)}`, client)) as ClientConfig,
    deleteClient: async (clientId) => {
      await call('DELETE', `/clients/${enc(clientId)}`);
    },
    listGrants: async () => listIn<Artefact>(await call('GET', '/grants'), 'grants'),
    getArtefactToken: async (id) =>
      ((await call('GET', `/grants/${enc(id)}/token`)) as { token: string }).token,
    revokeArtefact: async (id) => {
      await call('POST', `/grants/${enc(id)}/revoke`);
    },
    expireArtefact: async (id) => {
      await call('POST', `/grants/${enc(id)}/expire`);
    },
    listExchanges: async () => listIn<Exchange>(await call('GET', '/exchanges?limit=1000'), 'exchanges'),
    getExchange: async (seq) => (await call('GET', `/exchanges/${seq}`)) as Exchange,
    listFailures: async () => (await call('GET', '/failures')) as FailureBoard,
    armFailure: async (arm) => {
      await call('POST', '/failures', arm);
    },
    disarmFailure: async (id) => {
      await call('DELETE', `/failures/${enc(id)}`);
    },
    disarmAllFailures: async () => {
      await call('DELETE', '/failures');
    },
    getConfig: async () => (await call('GET', '/config')) as SandboxConfig,
    getEffectiveConfig: async () => (await call('GET', '/config/effective')) as EffectiveConfig,
    putConfig: async (config) => (await call('PUT', '/config', config)) as SandboxConfig,
    getClock: async () => (await call('GET', '/clock')) as ClockView,
    getStorage: async () => (await call('GET', '/storage')) as StorageView,
    setClockOffset: async (offsetSeconds) => (await call('PUT', '/clock', { offsetSeconds })) as ClockView,
    createLaunch: async (request) => (await call('POST', '/launches', request)) as LaunchResult,
    listLaunchChoices: async () =>
      listIn<LaunchPatientChoice>(await call('GET', '/launches/choices'), 'patients'),
  };
}
