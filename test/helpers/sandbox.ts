import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect, inject, test } from 'vitest';
import { buildServer, type BuildOptions } from '../../server/app.js';
import { ManualClock } from '../../server/clock.js';
import type { ClientConfig, SandboxConfig } from '../../server/config/schema.js';
import { ConfigError, parseConfig } from '../../server/config/validate.js';
import { s256Challenge } from '../../server/oauth/pkce.js';
import type { Exchange, ScopeCheck } from '../../server/exchanges/exchange.js';

export const ORIGIN = 'http://127.0.0.1:9710';
/** The admin token every test sandbox starts with. */
export const ADMIN_TOKEN = 'admin-token-for-tests';
export const FHIR_BASE = `${ORIGIN}/fhir`;
export const REDIRECT = 'http://127.0.0.1:5555/cb';
/** RFC 7636 appendix B test vector. */
export const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
export const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

export const confidentialClient: ClientConfig = {
  clientId: 'conf-app',
  clientSecret: 's3cret',
  redirectUris: [REDIRECT],
  grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
  scope:
    'openid fhirUser profile launch launch/patient launch/encounter patient/*.rs user/*.rs system/*.rs offline_access online_access',
  tokenEndpointAuthMethod: 'client_secret_basic',
};

export const postClient: ClientConfig = {
  ...confidentialClient,
  clientId: 'post-app',
  tokenEndpointAuthMethod: 'client_secret_post',
};

export const publicClient: ClientConfig = {
  clientId: 'public-app',
  redirectUris: [REDIRECT, 'http://127.0.0.1:5555/other'],
  grantTypes: ['authorization_code', 'refresh_token'],
  scope: 'openid fhirUser launch/patient patient/*.rs offline_access',
  tokenEndpointAuthMethod: 'none',
};

export const LAUNCH_URL = 'http://127.0.0.1:5555/launch';

/** A public SMART app registered with a launch URL, for EHR launches. */
export const launchClient: ClientConfig = {
  clientId: 'launch-app',
  clientName: 'Growth Chart',
  redirectUris: [REDIRECT],
  grantTypes: ['authorization_code', 'refresh_token'],
  scope: 'openid fhirUser launch launch/patient launch/encounter patient/*.rs user/*.rs offline_access',
  tokenEndpointAuthMethod: 'none',
  launchUrl: LAUNCH_URL,
};

/** The clients every test sandbox has unless the config names its own. */
export const standardClients: readonly ClientConfig[] = [confidentialClient, postClient, publicClient];

/** The standard clients and the launch client: what EHR launch tests register. */
export const launchClients: readonly ClientConfig[] = [...standardClients, launchClient];

/**
 * What config validation says of `doc`, one `path: message` line per issue (docs/config.md#validation); none
 * when the document is valid. `file` is the name the messages cite.
 */
export function configIssues(doc: unknown, file = 'sandbox.json'): string[] {
  try {
    parseConfig(doc, file);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  return [];
}

/** A state file (docs/cli.md#data-folder) holding `config` and nothing issued, as a hand-edited one might. */
export function stateFileHolding(config: unknown) {
  return {
    version: 1,
    config,
    presets: {},
    artefacts: { codes: [], grants: [], refreshTokens: [], revokedAccessTokens: [], expiredAccessTokens: [] },
  };
}

export interface TestSandbox {
  readonly app: FastifyInstance;
  readonly clock: ManualClock;
}

/**
 * A sandbox on a manual clock with the three standard test clients, ready for inject(). It signs with the
 * run's shared keys (test/global-setup.ts) unless `options.signingKeys` names others.
 */
export async function startSandbox(
  config: SandboxConfig = {},
  options: Omit<BuildOptions, 'config' | 'clock' | 'origin'> = {},
): Promise<TestSandbox> {
  const clock = new ManualClock(Date.now());
  const doc = { clients: [...standardClients], ...config };
  const app = await buildServer({
    adminToken: ADMIN_TOKEN,
    signingKeys: inject('signingKeys'),
    issuerSigningKeys: inject('issuerSigningKeys'),
    ...options,
    config: parseConfig(doc),
    clock,
    origin: ORIGIN,
  });
  return { app, clock };
}

/**
 * Listens on a free port of 127.0.0.1, for the tests that need a real socket (a hang, raw bytes, an event
 * stream, keep-alive load); resolves with the port.
 */
export async function listenLocally(app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

/** What a sandbox test receives: its sandbox, and a way to start others that close with it. */
export interface SandboxFixtures {
  /** A sandbox with the file's config, started when a test first names it and closed after that test. */
  readonly t: TestSandbox;
  /** Starts another sandbox (the file's config unless given one), closed after the test. */
  readonly sandboxWith: (config?: SandboxConfig, options?: SandboxOptions) => Promise<TestSandbox>;
}

type SandboxOptions = Omit<BuildOptions, 'config' | 'clock' | 'origin'>;

/**
 * `it` with a sandbox per test: `const it = sandboxTest({ profile: 'iehr' })`, then `it('…', async ({ t }) => …)`.
 * Each test gets a fresh sandbox (fresh store, clock and failure modes), so no test sees another's state.
 */
export function sandboxTest(config: SandboxConfig = {}, options: SandboxOptions = {}) {
  return test.extend<SandboxFixtures>({
    // eslint-disable-next-line no-empty-pattern -- vitest fixtures take their dependencies by destructuring.
    sandboxWith: async ({}, use) => {
      const started: TestSandbox[] = [];
      await use(async (c = config, o = options) => {
        const sandbox = await startSandbox(c, o);
        started.push(sandbox);
        return sandbox;
      });
      await Promise.all(started.map((sandbox) => sandbox.app.close()));
    },
    t: async ({ sandboxWith }, use) => {
      await use(await sandboxWith());
    },
  });
}

/**
 * `it` with one sandbox for the whole file (cheaper where tests only read the log or arm failures), emptied
 * before each test of what `reset` names (admin API collections: `/exchanges`, `/failures`), so no test sees
 * another's exchanges or armed failure modes.
 */
export function sharedSandboxTest(
  reset: readonly ('/exchanges' | '/failures')[],
  config: SandboxConfig = {},
) {
  return test
    .extend<{ t: TestSandbox }>({
      t: [
        // eslint-disable-next-line no-empty-pattern -- vitest fixtures take their dependencies by destructuring.
        async ({}, use) => {
          const sandbox = await startSandbox(config);
          await use(sandbox);
          await sandbox.app.close();
        },
        { scope: 'file' },
      ],
    })
    .extend<{ fresh: TestSandbox }>({
      fresh: [
        async ({ t }, use) => {
          for (const path of reset) await admin(t.app, 'DELETE', path);
          await use(t);
        },
        { auto: true },
      ],
    });
}

/**
 * A request to the admin API as the workbench makes it: the server's own Host, the bearer admin token and a
 * JSON body. Override or drop (`undefined`) any header to test the guard.
 */
export async function admin(
  app: FastifyInstance,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'OPTIONS',
  path: string,
  body?: unknown,
  headers: Record<string, string | undefined> = {},
): Promise<LightMyRequestResponse> {
  const all: Record<string, string | undefined> = {
    host: '127.0.0.1:9710',
    authorization: `Bearer ${ADMIN_TOKEN}`,
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    ...headers,
  };
  const sent = Object.fromEntries(
    Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined),
  );
  return app.inject({
    method,
    url: `/_sandbox/api${path}`,
    headers: sent,
    ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
}

/**
 * A client_credentials token request with HTTP Basic client authentication, as the confidential test client
 * unless told otherwise: the cheapest successful request. `params` is the rest of the form (default
 * `scope=system/*.rs`); `path` is the active profile's token endpoint.
 */
export async function clientCredentials(
  app: FastifyInstance,
  clientId = 'conf-app',
  secret = 's3cret',
  {
    path = '/token',
    params = { scope: 'system/*.rs' },
  }: { readonly path?: string; readonly params?: Record<string, string | undefined> } = {},
): Promise<LightMyRequestResponse> {
  return postForm(
    app,
    path,
    { grant_type: 'client_credentials', ...params },
    { authorization: basic(clientId, secret) },
  );
}

export function basic(clientId: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64')}`;
}

export function form(params: Record<string, string | undefined>): string {
  const entries = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined);
  return new URLSearchParams(entries).toString();
}

export async function postForm(
  app: FastifyInstance,
  url: string,
  params: Record<string, string | undefined>,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: form(params),
  });
}

export interface AuthorizeResult {
  readonly response: LightMyRequestResponse;
  readonly location: URL | undefined;
  readonly code: string | undefined;
}

/**
 * GET /authorize with sensible defaults (PKCE S256, aud, state); pass `undefined` to leave a parameter out.
 * `path` is the active profile's authorization endpoint.
 */
export async function authorize(
  app: FastifyInstance,
  overrides: Record<string, string | undefined> = {},
  path = '/authorize',
): Promise<AuthorizeResult> {
  const params = {
    response_type: 'code',
    client_id: confidentialClient.clientId,
    redirect_uri: REDIRECT,
    scope: 'openid fhirUser launch/patient patient/*.rs offline_access',
    state: 'st4te',
    aud: FHIR_BASE,
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    nonce: 'n0nce',
    ...overrides,
  };
  const response = await app.inject({ method: 'GET', url: `${path}?${form(params)}` });
  const header = response.headers.location;
  const location = typeof header === 'string' ? new URL(header) : undefined;
  return { response, location, code: location?.searchParams.get('code') ?? undefined };
}

/** The scope an EHR-launched app asks for: `launch` binds the request to the EHR's launch (SMART App Launch 2.2). */
export const EHR_SCOPE = 'openid fhirUser launch patient/*.rs';

/** GET /authorize as the public launch client in an EHR launch of `launch` (pass `undefined` to leave it out). */
export async function launchAuthorize(
  app: FastifyInstance,
  launch: string | undefined,
  overrides: Record<string, string | undefined> = {},
): Promise<AuthorizeResult> {
  return authorize(app, { client_id: launchClient.clientId, scope: EHR_SCOPE, launch, ...overrides });
}

/**
 * Exchanges a code as the public launch client: no client authentication, the client_id in the form instead
 * (RFC 6749 §4.1.3).
 */
export async function redeemPublic(
  app: FastifyInstance,
  code: string,
  overrides: Record<string, string | undefined> = {},
): Promise<LightMyRequestResponse> {
  return redeem(app, code, { client_id: launchClient.clientId, ...overrides }, {});
}

/** Arms a failure mode through the admin API (docs/failures.md) and checks the sandbox took it. */
export async function armFailure(app: FastifyInstance, body: Record<string, unknown>): Promise<void> {
  const res = await admin(app, 'POST', '/failures', body);
  expect(res.statusCode, res.body).toBe(201);
}

/** GET a JSON document the server publishes (discovery, JWKS), as its parsed body. */
export async function getJson<T = Record<string, unknown>>(app: FastifyInstance, url: string): Promise<T> {
  return (await app.inject({ url })).json<T>();
}

/** The id of the pending authorization request that an interactive page (sign-in or consent) carries. */
export function pendingRequestId(page: LightMyRequestResponse): string {
  const id = /name="request" value="([^"]+)"/.exec(page.body)?.[1];
  if (id === undefined) throw new Error(`no pending request id on the page: ${page.body.slice(0, 300)}`);
  return id;
}

/** POST /authorize/decision: an answer to an interactive page, sent as its form sends it. */
export async function decide(
  app: FastifyInstance,
  fields: Record<string, string | undefined>,
): Promise<LightMyRequestResponse> {
  return postForm(app, '/authorize/decision', fields);
}

/** Answers the interactive `page` (sign-in or consent) with `fields`, for the pending request it carries. */
export async function answer(
  app: FastifyInstance,
  page: LightMyRequestResponse,
  fields: Record<string, string | undefined>,
): Promise<LightMyRequestResponse> {
  return decide(app, { request: pendingRequestId(page), ...fields });
}

/** Answers the sign-in step of `page` as `persona` (docs: README "Interactive authorize"). */
export async function signIn(
  app: FastifyInstance,
  page: LightMyRequestResponse,
  persona: string,
  remember = false,
): Promise<LightMyRequestResponse> {
  return answer(app, page, {
    step: 'sign-in',
    decision: 'continue',
    persona,
    ...(remember ? { remember: 'yes' } : {}),
  });
}

/** Exchanges a code as the confidential test client unless told otherwise; `path` is the token endpoint. */
export async function redeem(
  app: FastifyInstance,
  code: string,
  overrides: Record<string, string | undefined> = {},
  headers: Record<string, string> = { authorization: basic('conf-app', 's3cret') },
  path = '/token',
): Promise<LightMyRequestResponse> {
  return postForm(
    app,
    path,
    { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: VERIFIER, ...overrides },
    headers,
  );
}

/** The Basic credentials of the confidential test client (conf-app), as an Authorization header. */
const confAuth = () => ({ authorization: basic('conf-app', 's3cret') });

/** RFC 7662 introspection of `token`, authenticated as conf-app unless `headers` say otherwise. */
export async function introspect(
  app: FastifyInstance,
  token: string,
  headers: Record<string, string> = confAuth(),
): Promise<LightMyRequestResponse> {
  return postForm(app, '/introspect', { token }, headers);
}

/** A refresh_token grant (RFC 6749 §6) with `refreshToken`, authenticated as conf-app. */
export async function refresh(app: FastifyInstance, refreshToken: string): Promise<LightMyRequestResponse> {
  return postForm(app, '/token', { grant_type: 'refresh_token', refresh_token: refreshToken }, confAuth());
}

/** GET a FHIR base path with a bearer token (or none). */
export async function fhirGet(
  app: FastifyInstance,
  path: string,
  token: string | undefined,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'GET',
    url: `/fhir/${path}`,
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...headers },
  });
}

/**
 * Reads each FHIR path with `token`, in the order given, and expects the statuses given: one comparison, so a
 * failure shows what every path answered.
 */
export async function expectFhirStatuses(
  app: FastifyInstance,
  token: string,
  expected: Record<string, number>,
): Promise<void> {
  const answered: Record<string, number> = {};
  for (const path of Object.keys(expected)) answered[path] = (await fhirGet(app, path, token)).statusCode;
  expect(answered).toEqual(expected);
}

/** Runs authorize and token for the confidential client and returns the token response body. */
export async function fullCodeFlow(
  app: FastifyInstance,
  authorizeOverrides: Record<string, string | undefined> = {},
): Promise<Record<string, unknown>> {
  const { code } = await authorize(app, authorizeOverrides);
  if (code === undefined) throw new Error('authorize returned no code');
  const res = await redeem(app, code);
  if (res.statusCode !== 200) throw new Error(`token request failed: ${res.body}`);
  return res.json();
}

export { s256Challenge };

/**
 * conf-app allowed every clinical scope, v1 and v2, in patient and user context: what the FHIR tests register
 * so that a test names the scope it needs and nothing else limits it.
 */
export const CLINICAL_SCOPE =
  'openid fhirUser launch/patient patient/*.* user/*.* patient/*.cruds user/*.cruds';
export const clinicalClient: ClientConfig = { ...confidentialClient, scope: CLINICAL_SCOPE };

/** An access token for conf-app from a code flow with this scope; launch/patient puts pat-1 in context. */
export async function accessToken(app: FastifyInstance, scope: string): Promise<string> {
  return String((await fullCodeFlow(app, { scope }))['access_token']);
}

/** A backend services token (client_credentials as conf-app) with these system/ scopes. */
export async function systemToken(app: FastifyInstance, scope: string): Promise<string> {
  const res = await clientCredentials(app, 'conf-app', 's3cret', { params: { scope } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ access_token: string }>().access_token;
}

/** A FHIR write (create, update, delete) with a bearer token and a FHIR JSON body, as an app sends it. */
export async function fhirWrite(
  app: FastifyInstance,
  method: 'POST' | 'PUT' | 'DELETE',
  path: string,
  token: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return app.inject({
    method,
    url: `/fhir/${path}`,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/fhir+json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
}

/** The last exchange the log recorded (docs/admin-api.md#exchanges); fails the test when the log is empty. */
export async function lastExchange(app: FastifyInstance): Promise<Exchange> {
  const res = await admin(app, 'GET', '/exchanges');
  expect(res.statusCode, res.body).toBe(200);
  const entry = res.json<{ exchanges: Exchange[] }>().exchanges.at(-1);
  if (entry === undefined) throw new Error('the exchange log is empty');
  return entry;
}

/** The scope check of the last recorded exchange's verdict. */
export async function lastVerdictScope(app: FastifyInstance): Promise<ScopeCheck | undefined> {
  return (await lastExchange(app)).verdict.details?.scope;
}
