import { AdminApiError, type AdminApi } from '../../renderer/api/admin-client.js';
import type {
  Artefact,
  ClientConfig,
  EffectiveClient,
  EffectiveConfig,
  Exchange,
  ExchangeSummary,
  FailureBoard,
  IssuerView,
} from '../../renderer/api/types.js';
import type { Inspection } from '../../server/tokens/inspection.js';
import { DEFAULT_EFFECTIVE_CONFIG } from '../helpers/effective-config.js';
import { createAppStore, type AppStore } from '../../renderer/store/store.js';

/** The values in force the fake lists for every client (the real server works them out per client). */
export const FAKE_EFFECTIVE_CLIENT: EffectiveClient = {
  authMethod: 'client_secret_basic',
  grantTypes: ['authorization_code', 'refresh_token'],
  scope: 'openid fhirUser launch/patient patient/*.rs offline_access',
  requirePkce: true,
  accessTokenLifetime: 3600,
  refreshTokenLifetime: 2592000,
  refreshTokenRotation: true,
  refreshTokenReuseDetection: true,
};

/** The settings in force the fake reports: the server's defaults. */
export const FAKE_EFFECTIVE_CONFIG: EffectiveConfig = DEFAULT_EFFECTIVE_CONFIG;

/** An issuer as `GET /issuers` lists it, at `origin`; `name` `default` is the one at the root paths. */
export function issuerView(name: string, profile = 'smart', colour = '#2563eb'): IssuerView {
  const path = name === 'default' ? '' : `/i/${name}`;
  const issuer = `http://127.0.0.1:9710${path}`;
  return {
    name,
    profile,
    path,
    issuer,
    discovery: `${issuer}/.well-known/smart-configuration`,
    fhirBase: `${issuer}/fhir`,
    admin: name === 'default' ? '/_sandbox/api' : `/_sandbox/api/issuers/${name}`,
    colour,
    isDefault: name === 'default',
  };
}

/** An in-memory stand-in for the admin API, with just enough behaviour for the store's slices. */
export function fakeApi(overrides: Partial<AdminApi> = {}): AdminApi & { clients: ClientConfig[] } {
  const clients: ClientConfig[] = [];
  const notHere = (what: string) => () =>
    Promise.reject(new AdminApiError(404, 'not_found', `no ${what} in the fake`));
  const api: AdminApi & { clients: ClientConfig[] } = {
    clients,
    origin: 'http://127.0.0.1:9710',
    eventsUrl: 'http://127.0.0.1:9710/_sandbox/api/events',
    admin: '/_sandbox/api',
    forIssuer: () => api,
    listIssuers: async () => [issuerView('default')],
    headers: () => ({ Authorization: 'Bearer test' }),
    listClients: async () =>
      clients.map((c) => ({
        ...c,
        warnings: [],
        effective: {
          ...FAKE_EFFECTIVE_CLIENT,
          ...(c.tokenEndpointAuthMethod === undefined ? {} : { authMethod: c.tokenEndpointAuthMethod }),
        },
      })),
    createClient: async (c) => {
      if (clients.some((x) => x.clientId === c.clientId)) {
        throw new AdminApiError(409, 'conflict', `client ${c.clientId} already exists`, 'clientId', [
          { path: 'clientId', message: `"${c.clientId}" is already registered` },
        ]);
      }
      clients.push(c);
      return c;
    },
    updateClient: async (c) => c,
    deleteClient: async (id) => {
      const i = clients.findIndex((c) => c.clientId === id);
      if (i < 0) throw new AdminApiError(404, 'not_found', `no client ${id}`);
      clients.splice(i, 1);
    },
    listGrants: async (): Promise<Artefact[]> => [],
    revokeArtefact: notHere('grants'),
    listPersonas: notHere('personas'),
    createPersona: notHere('personas'),
    updatePersona: notHere('personas'),
    deletePersona: notHere('personas'),
    forgetRememberedPersona: notHere('remembered personas'),
    listQueuedClaims: notHere('queued claims'),
    clearQueuedClaims: notHere('queued claims'),
    expireArtefact: notHere('grants'),
    listExchanges: async (): Promise<Exchange[]> => [],
    pageExchanges: notHere('exchange pages'),
    getExchange: notHere('exchange'),
    exportHar: notHere('HAR export'),
    inspectToken: notHere('inspector'),
    listFailures: async (): Promise<FailureBoard> => ({ armed: [], available: [] }),
    armFailure: async () => undefined,
    disarmFailure: async () => undefined,
    disarmAllFailures: async () => undefined,
    getConfig: async () => ({ profile: 'smart' }),
    getEffectiveConfig: async () => FAKE_EFFECTIVE_CONFIG,
    putConfig: async (c) => c,
    getClock: async () => ({ now: new Date(0).toISOString(), offsetSeconds: 0 }),
    getStorage: async () => ({ dataDir: null }),
    getArtefactToken: notHere('grant tokens'),
    setClockOffset: async (offsetSeconds) => ({ now: new Date(0).toISOString(), offsetSeconds }),
    createLaunch: notHere('launches'),
    createEhrLaunch: notHere('launches'),
    listLaunchChoices: async () => [],
    listKeys: async () => ({ keys: [], maxKeys: 20, defaultGraceSeconds: 3600 }),
    rotateKeys: notHere('key rotation'),
    retireKey: notHere('key retirement'),
    getFhirSummary: async () => ({ resources: 0, limit: 50_000, patients: 0, maxFileBytes: 33_554_432 }),
    loadFhir: notHere('FHIR data loading'),
    ...overrides,
  };
  return api;
}

export function memoryStorage() {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
  };
}

/** The server's inspection of an opaque refresh token issued here, with `verdict` and anything else given. */
export function refreshInspection(
  verdict: Inspection['verdict'],
  more: Partial<Omit<Inspection, 'verdict'>> = {},
): Inspection {
  return {
    format: 'opaque',
    kind: 'refresh_token',
    signature: { status: 'unchecked', detail: 'an opaque token carries no signature' },
    verdict,
    issuedHere: true,
    exchanges: [],
    canTell: [],
    cannotTell: [],
    ...more,
  };
}

/** A fresh store per test: nothing leaks from one test into the next. */
export function testStore(api: AdminApi = fakeApi(), storage = memoryStorage()): AppStore {
  return createAppStore({ api, fetch: () => Promise.reject(new Error('no network in unit tests')) }, storage);
}

export function exchange(seq: number, fields: Partial<ExchangeSummary> = {}): ExchangeSummary {
  return {
    seq,
    time: new Date(1_700_000_000_000 + seq).toISOString(),
    durationMs: 1,
    method: 'POST',
    path: '/token',
    status: 200,
    verdict: { outcome: 'accepted', summary: 'accepted', reasons: [] },
    ...fields,
  };
}
