import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { pkceMaterial, randomVerifier, type PkceMaterial } from './pkce.js';
import { basicAuthorization } from '../lib/basic-authorization.js';
import { parseJson, type WireRequest, type WireResponse } from './wire.js';
import { ADMIN_PREFIX } from '../api/admin-client.js';

/** The four parties of the sequence diagram. */
export type Participant = 'app' | 'browser' | 'as' | 'fhir';

export type FlowId =
  | 'code-pkce-public'
  | 'code-pkce-confidential'
  | 'refresh-rotation'
  | 'client-credentials'
  | 'backend-services'
  | 'ehr-launch';

/** Where the sandbox is and how to reach its admin API (to register the Flow Lab's own clients). */
export interface FlowContext {
  readonly origin: string;
  readonly adminToken: string;
  /**
   * The issuer the walk talks to (README "Many issuers"): its admin API prefix (`/_sandbox/api/issuers/NAME`),
   * its base URL (`ORIGIN/i/NAME`) and its FHIR base. Absent: the default issuer at the root paths.
   */
  readonly issuer?: { readonly admin: string; readonly base: string; readonly fhirBase: string };
}

/** What the walk has learnt so far; each step reads it and adds to it. */
export interface FlowState {
  readonly pkce?: PkceMaterial;
  readonly state?: string;
  readonly nonce?: string;
  readonly iss?: string;
  readonly launch?: string;
  readonly endpoints?: { readonly authorize: string; readonly token: string };
  readonly code?: string;
  readonly accessToken?: string;
  readonly idToken?: string;
  /** The refresh token family in order of issue: RT1, RT2, … */
  readonly refreshTokens: readonly string[];
  readonly patient?: string;
  readonly backendKey?: { readonly privateJwk: JWK; readonly publicJwk: JWK };
  readonly assertion?: string;
}

export const INITIAL_STATE: FlowState = { refreshTokens: [] };

/**
 * Where the walk sends each request: what discovery and the launch taught it, else the chosen issuer's own
 * paths (the SMART profile's defaults) when discovery has not answered, so a walk past a failed discovery
 * still talks to the issuer the header shows.
 */
const at = {
  fhirBase: (s: FlowState, ctx: FlowContext): string => s.iss ?? ctx.issuer?.fhirBase ?? `${ctx.origin}/fhir`,
  authorize: (s: FlowState, ctx: FlowContext): string =>
    s.endpoints?.authorize ?? `${ctx.issuer?.base ?? ctx.origin}/authorize`,
  token: (s: FlowState, ctx: FlowContext): string =>
    s.endpoints?.token ?? `${ctx.issuer?.base ?? ctx.origin}/token`,
};

/** What a step says and draws: the same whatever it sends. */
interface StepText {
  readonly title: string;
  /** The arrow of the sequence diagram this step draws. */
  readonly arrow: readonly [Participant, Participant];
  /** What happens, in one sentence. */
  readonly sentence: string;
  /** A short narration for presentation mode, citing the spec section. */
  readonly narration: string;
  readonly cite: string;
}

interface StepBase extends StepText {
  readonly id: string;
}

export interface HttpStep extends StepBase {
  readonly kind: 'http';
  /** Request parameters a person may change before sending (to see the server refuse them). */
  readonly editable: readonly string[];
  /** Whether the server is expected to refuse it (a reuse demonstration). */
  readonly expectsError?: boolean;
  build(state: FlowState, ctx: FlowContext): Promise<WireRequest> | WireRequest;
  absorb(state: FlowState, response: WireResponse): FlowState;
}

export interface LocalStep extends StepBase {
  readonly kind: 'local';
  compute(state: FlowState, ctx: FlowContext): Promise<FlowState>;
}

export type StepDefinition = HttpStep | LocalStep;

export interface FlowDefinition {
  readonly id: FlowId;
  readonly title: string;
  readonly summary: string;
  readonly steps: readonly StepDefinition[];
}

export const FLOW_LAB_SECRET = 'flow-lab-secret';
const SCOPE = 'openid fhirUser launch/patient patient/*.rs offline_access';

/**
 * The words of every step, as data: the code below says only what each step sends and learns, so a step's
 * prose is edited in one table and every flow that walks the step reads it from here. A step whose words
 * depend on its arguments (the client registered, which refresh token) sets those itself.
 */
const TEXT = {
  register: {
    title: 'Register the app',
    arrow: ['app', 'as'],
    narration:
      'Before any flow, the server must know the client: its id, how it authenticates, where it may be redirected.',
    cite: 'RFC 6749 §2',
  },
  discover: {
    title: 'Discover the endpoints',
    arrow: ['app', 'as'],
    sentence: 'The app reads the SMART configuration to learn where to authorize and where to get tokens.',
    narration:
      'Apps never guess endpoint paths: they read them from .well-known/smart-configuration under the FHIR base.',
    cite: 'SMART App Launch 2.2 §Conformance (discovery)',
  },
  pkce: {
    title: 'Make a PKCE verifier and challenge',
    arrow: ['app', 'app'],
    sentence:
      'The app makes a random code_verifier and sends only its SHA-256 hash, the code_challenge, with the authorization request.',
    narration:
      'Whoever steals the code cannot redeem it: only the holder of the verifier can, and the verifier never travels through the browser.',
    cite: 'RFC 7636 §4.1–4.2',
  },
  authorize: {
    title: 'Authorize',
    arrow: ['browser', 'as'],
    sentence:
      'The browser visits the authorization endpoint; the server checks the client, redirect URI, scopes and PKCE, then redirects back with a one-time code.',
    narration:
      'The code comes back through the browser, which is why it is short-lived, single-use and bound to the PKCE challenge.',
    cite: 'RFC 6749 §4.1.1–4.1.2',
  },
  exchange: {
    title: 'Exchange the code',
    arrow: ['app', 'as'],
    sentence:
      'The app sends the code with its code_verifier; the server hashes the verifier, compares it with the stored challenge and, if they match, issues tokens.',
    narration:
      'The server burns the code on first use: a second exchange fails, and revokes what the first one issued.',
    cite: 'RFC 6749 §4.1.3; RFC 7636 §4.6',
  },
  refresh: {
    arrow: ['app', 'as'],
    sentence:
      'The app trades its newest refresh token for a fresh access token; the server rotates the refresh token and the old one is spent.',
    narration: 'Rotation makes a stolen refresh token detectable: each can be used once.',
    cite: 'RFC 6749 §6; RFC 9700 §4.14.2',
  },
  reuse: {
    arrow: ['app', 'as'],
    sentence:
      'The app presents a refresh token that was already rotated away: the server treats this as theft and revokes the whole token family.',
    narration:
      'Reuse of a rotated refresh token means two parties hold it; the server cannot tell which is honest, so it revokes the family.',
    cite: 'RFC 6749 §6; RFC 9700 §4.14.2',
  },
  fhir: {
    title: 'Call the FHIR API',
    arrow: ['app', 'fhir'],
    sentence:
      'The app reads the launch patient from the FHIR base with the access token; the server checks the token and its scopes.',
    narration:
      'The resource server honours only valid, unexpired, unrevoked tokens whose scopes cover the request.',
    cite: 'RFC 6750 §2.1; SMART App Launch 2.2 §scopes',
  },
  clientCredentials: {
    title: 'Request a token as the client itself',
    arrow: ['app', 'as'],
    sentence:
      'A confidential client authenticates with its secret and asks for system scopes; no user and no refresh token are involved.',
    narration:
      'Client credentials are for machines acting on their own behalf, so only confidential clients may use them.',
    cite: 'RFC 6749 §4.4',
  },
  backendKey: {
    title: 'Make a key pair',
    arrow: ['app', 'app'],
    sentence:
      'The backend service makes an ES384 key pair; only the public half is ever given to the server.',
    narration:
      'Asymmetric client authentication: the server verifies signatures with the public key and never learns a secret.',
    cite: 'SMART App Launch 2.2 §client-confidential-asymmetric',
  },
  backendRegister: {
    title: 'Register the public key',
    arrow: ['app', 'as'],
    sentence: 'The backend client is registered with its public key set (JWKS) and system scopes.',
    narration: 'Registration binds the client_id to keys; any assertion signed by another key is refused.',
    cite: 'SMART App Launch 2.2 §backend-services registration',
  },
  assertion: {
    title: 'Sign a client assertion',
    arrow: ['app', 'app'],
    sentence:
      'The service signs a short-lived JWT: iss and sub are its client_id, aud is the token URL, jti is unique, exp is at most five minutes ahead.',
    narration:
      'The server checks every claim and remembers the jti, so a captured assertion cannot be replayed.',
    cite: 'RFC 7523 §3; SMART App Launch 2.2 §authentication JWT',
  },
  backendToken: {
    title: 'Trade the assertion for a token',
    arrow: ['app', 'as'],
    sentence:
      'The service sends the signed assertion; the server verifies the signature with the registered key and checks every claim.',
    narration: 'Send the same assertion twice and the second is refused: its jti was already used.',
    cite: 'SMART App Launch 2.2 §backend-services; RFC 7521 §4.2',
  },
  launch: {
    title: 'The EHR launches the app',
    arrow: ['browser', 'app'],
    sentence:
      "The EHR opens the app's launch URL with iss (the FHIR base) and an opaque launch value bound to the chosen patient and user.",
    narration:
      'The launch value carries the EHR context; the app passes it back at authorize and gets the context in the token response.',
    cite: 'SMART App Launch 2.2 §EHR launch',
  },
} as const satisfies Record<string, Partial<StepText>>;

export function callbackUrl(ctx: FlowContext): string {
  return `${ctx.origin}/_sandbox/callback`;
}

function adminRequest(ctx: FlowContext, method: 'PUT' | 'POST', path: string, json: unknown): WireRequest {
  return {
    method,
    url: `${ctx.origin}${ctx.issuer?.admin ?? ADMIN_PREFIX}${path}`,
    headers: { Authorization: `Bearer ${ctx.adminToken}` },
    json,
  };
}

function getRequest(url: string, headers: Record<string, string>): WireRequest {
  return { method: 'GET', url, headers };
}

/** One way to reach the token endpoint (RFC 6749 §3.2): a form POST, with the client's credentials if any. */
function tokenRequest(
  s: FlowState,
  ctx: FlowContext,
  client: ClientName | 'flow-lab-backend',
  form: Record<string, string>,
): WireRequest {
  const headers: Record<string, string> =
    client === 'flow-lab-confidential' ? { Authorization: basicAuthorization(client, FLOW_LAB_SECRET) } : {};
  return { method: 'POST', url: at.token(s, ctx), headers, form };
}

const clientDocs = {
  'flow-lab-public': (ctx: FlowContext) => ({
    clientId: 'flow-lab-public',
    clientName: 'Flow Lab public app',
    redirectUris: [callbackUrl(ctx)],
    grantTypes: ['authorization_code', 'refresh_token'],
    scope: `${SCOPE} launch launch/encounter`,
    tokenEndpointAuthMethod: 'none',
    launchUrl: callbackUrl(ctx),
  }),
  'flow-lab-confidential': (ctx: FlowContext) => ({
    clientId: 'flow-lab-confidential',
    clientName: 'Flow Lab confidential app',
    clientSecret: FLOW_LAB_SECRET,
    redirectUris: [callbackUrl(ctx)],
    grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
    scope: `${SCOPE} system/*.rs`,
    tokenEndpointAuthMethod: 'client_secret_basic',
  }),
} as const;

type ClientName = keyof typeof clientDocs;

const unchanged = (s: FlowState): FlowState => s;

function registerStep(client: ClientName): HttpStep {
  return {
    id: 'register',
    kind: 'http',
    ...TEXT.register,
    sentence: `The app is registered with the authorization server as ${client}, with the sandbox's callback page as its redirect URI.`,
    editable: [],
    build: (_s, ctx) => adminRequest(ctx, 'PUT', `/clients/${client}`, clientDocs[client](ctx)),
    absorb: unchanged,
  };
}

const discoverStep: HttpStep = {
  id: 'discover',
  kind: 'http',
  ...TEXT.discover,
  editable: [],
  build: (s, ctx) =>
    getRequest(`${at.fhirBase(s, ctx)}/.well-known/smart-configuration`, { Accept: 'application/json' }),
  absorb: (s, res) => {
    const doc = parseJson(res.body);
    const authorize = doc?.['authorization_endpoint'];
    const token = doc?.['token_endpoint'];
    return typeof authorize === 'string' && typeof token === 'string'
      ? { ...s, endpoints: { authorize, token } }
      : s;
  },
};

const pkceStep: LocalStep = {
  id: 'pkce',
  kind: 'local',
  ...TEXT.pkce,
  compute: async (s) => ({
    ...s,
    pkce: await pkceMaterial(randomVerifier()),
    state: randomVerifier().slice(0, 16),
    nonce: randomVerifier().slice(0, 16),
  }),
};

function authorizeStep(client: ClientName, scope: string): HttpStep {
  return {
    id: 'authorize',
    kind: 'http',
    ...TEXT.authorize,
    editable: ['redirect_uri', 'scope', 'code_challenge', 'code_challenge_method', 'state'],
    build: (s, ctx) => {
      const url = new URL(at.authorize(s, ctx));
      const params: Record<string, string> = {
        response_type: 'code',
        client_id: client,
        redirect_uri: callbackUrl(ctx),
        scope: s.launch === undefined ? scope : `launch ${scope}`,
        state: s.state ?? '',
        aud: at.fhirBase(s, ctx),
        code_challenge: s.pkce?.challenge ?? '',
        code_challenge_method: 'S256',
      };
      if (s.nonce !== undefined) params['nonce'] = s.nonce;
      if (s.launch !== undefined) params['launch'] = s.launch;
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      return getRequest(url.toString(), {});
    },
    absorb: (s, res) => {
      const target = res.redirectedTo === undefined ? undefined : new URL(res.redirectedTo);
      const code = target?.searchParams.get('code') ?? undefined;
      return code === undefined ? s : { ...s, code };
    },
  };
}

function absorbTokens(s: FlowState, res: WireResponse): FlowState {
  const body = parseJson(res.body);
  if (res.status !== 200 || body === undefined) return s;
  const next: { -readonly [K in keyof FlowState]: FlowState[K] } = { ...s };
  const { access_token: access, id_token: id, patient, refresh_token: refresh } = body;
  if (typeof access === 'string') next.accessToken = access;
  if (typeof id === 'string') next.idToken = id;
  if (typeof patient === 'string') next.patient = patient;
  if (typeof refresh === 'string' && !s.refreshTokens.includes(refresh)) {
    next.refreshTokens = [...s.refreshTokens, refresh];
  }
  return next;
}

function exchangeStep(client: ClientName): HttpStep {
  return {
    id: 'exchange',
    kind: 'http',
    ...TEXT.exchange,
    editable: ['code', 'code_verifier', 'redirect_uri'],
    build: (s, ctx) =>
      tokenRequest(s, ctx, client, {
        grant_type: 'authorization_code',
        code: s.code ?? '',
        redirect_uri: callbackUrl(ctx),
        code_verifier: s.pkce?.verifier ?? '',
        ...(client === 'flow-lab-public' ? { client_id: client } : {}),
      }),
    absorb: absorbTokens,
  };
}

function refreshStep(
  id: string,
  title: string,
  which: (s: FlowState) => string | undefined,
  expectsError: boolean,
): HttpStep {
  return {
    id,
    kind: 'http',
    ...(expectsError ? TEXT.reuse : TEXT.refresh),
    title,
    editable: ['refresh_token', 'scope'],
    expectsError,
    build: (s, ctx) =>
      tokenRequest(s, ctx, 'flow-lab-confidential', {
        grant_type: 'refresh_token',
        refresh_token: which(s) ?? '',
      }),
    absorb: absorbTokens,
  };
}

const fhirReadStep: HttpStep = {
  id: 'fhir',
  kind: 'http',
  ...TEXT.fhir,
  editable: [],
  build: (s, ctx) =>
    getRequest(`${at.fhirBase(s, ctx)}/Patient/${s.patient ?? 'pat-1'}`, {
      Authorization: `Bearer ${s.accessToken ?? ''}`,
      Accept: 'application/fhir+json',
    }),
  absorb: unchanged,
};

const clientCredentialsStep: HttpStep = {
  id: 'client-credentials',
  kind: 'http',
  ...TEXT.clientCredentials,
  editable: ['scope'],
  build: (s, ctx) =>
    tokenRequest(s, ctx, 'flow-lab-confidential', {
      grant_type: 'client_credentials',
      scope: 'system/Patient.rs',
    }),
  absorb: absorbTokens,
};

const backendKeyStep: LocalStep = {
  id: 'backend-key',
  kind: 'local',
  ...TEXT.backendKey,
  compute: async (s) => {
    const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
    const publicJwk = { ...(await exportJWK(publicKey)), kid: 'flow-lab-1', alg: 'ES384' };
    return {
      ...s,
      backendKey: { privateJwk: { ...(await exportJWK(privateKey)), kid: 'flow-lab-1' }, publicJwk },
    };
  },
};

const backendRegisterStep: HttpStep = {
  id: 'register',
  kind: 'http',
  ...TEXT.backendRegister,
  editable: [],
  build: (s, ctx) =>
    adminRequest(ctx, 'PUT', '/clients/flow-lab-backend', {
      clientId: 'flow-lab-backend',
      clientName: 'Flow Lab backend service',
      grantTypes: ['client_credentials'],
      scope: 'system/*.rs',
      tokenEndpointAuthMethod: 'private_key_jwt',
      jwks: { keys: s.backendKey === undefined ? [] : [s.backendKey.publicJwk] },
    }),
  absorb: unchanged,
};

const assertionStep: LocalStep = {
  id: 'assertion',
  kind: 'local',
  ...TEXT.assertion,
  compute: async (s, ctx) => {
    if (s.backendKey === undefined) return s;
    const key = await importJWK(s.backendKey.privateJwk, 'ES384');
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ jti: randomVerifier() })
      .setProtectedHeader({ alg: 'ES384', kid: 'flow-lab-1', typ: 'JWT' })
      .setIssuer('flow-lab-backend')
      .setSubject('flow-lab-backend')
      .setAudience(at.token(s, ctx))
      .setIssuedAt(now)
      .setExpirationTime(now + 240)
      .sign(key);
    return { ...s, assertion };
  },
};

const backendTokenStep: HttpStep = {
  id: 'backend-token',
  kind: 'http',
  ...TEXT.backendToken,
  editable: ['client_assertion', 'scope'],
  // SMART Backend Services: the signed assertion is the client's only credential (RFC 7523 §2.2).
  build: (s, ctx) =>
    tokenRequest(s, ctx, 'flow-lab-backend', {
      grant_type: 'client_credentials',
      scope: 'system/Patient.rs',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: s.assertion ?? '',
    }),
  absorb: absorbTokens,
};

const launchStep: HttpStep = {
  id: 'launch',
  kind: 'http',
  ...TEXT.launch,
  editable: [],
  build: (_s, ctx) => adminRequest(ctx, 'POST', '/launches', { clientId: 'flow-lab-public' }),
  absorb: (s, res) => {
    const body = parseJson(res.body);
    const url = typeof body?.['url'] === 'string' ? new URL(body['url']) : undefined;
    const iss = url?.searchParams.get('iss') ?? undefined;
    const launch = url?.searchParams.get('launch') ?? undefined;
    return iss === undefined || launch === undefined ? s : { ...s, iss, launch };
  },
};

/** Discovery, PKCE, authorize and exchange: the heart of every authorization code flow (RFC 6749 §4.1). */
function codeSteps(client: ClientName): readonly StepDefinition[] {
  return [discoverStep, pkceStep, authorizeStep(client, SCOPE), exchangeStep(client)];
}

/** Every flow the Flow Lab walks, as data. */
export const FLOWS: readonly FlowDefinition[] = [
  {
    id: 'code-pkce-public',
    title: 'Authorization code + PKCE (public app)',
    summary: 'A browser or mobile app with no secret: PKCE is what protects its code.',
    steps: [registerStep('flow-lab-public'), ...codeSteps('flow-lab-public'), fhirReadStep],
  },
  {
    id: 'code-pkce-confidential',
    title: 'Authorization code + PKCE (confidential app)',
    summary: 'A server-side app: it authenticates with its secret and still uses PKCE.',
    steps: [registerStep('flow-lab-confidential'), ...codeSteps('flow-lab-confidential'), fhirReadStep],
  },
  {
    id: 'refresh-rotation',
    title: 'Refresh with rotation',
    summary: 'Each refresh token works once; reusing an old one revokes the whole family.',
    steps: [
      registerStep('flow-lab-confidential'),
      ...codeSteps('flow-lab-confidential'),
      refreshStep('refresh-1', 'Refresh: RT1 → RT2', (s) => s.refreshTokens[0], false),
      refreshStep('refresh-2', 'Refresh: RT2 → RT3', (s) => s.refreshTokens[1], false),
      refreshStep('reuse', 'Reuse RT1', (s) => s.refreshTokens[0], true),
      refreshStep('after-reuse', 'Try RT3 after the reuse', (s) => s.refreshTokens[2], true),
    ],
  },
  {
    id: 'client-credentials',
    title: 'Client credentials',
    summary: 'A confidential client gets a token for itself, with no user.',
    steps: [registerStep('flow-lab-confidential'), discoverStep, clientCredentialsStep],
  },
  {
    id: 'backend-services',
    title: 'SMART Backend Services',
    summary: 'A backend service authenticates with a signed JWT instead of a secret.',
    steps: [backendKeyStep, backendRegisterStep, discoverStep, assertionStep, backendTokenStep],
  },
  {
    id: 'ehr-launch',
    title: 'EHR launch',
    summary: 'The EHR opens the app with iss and launch; the app comes back with launch context.',
    steps: [registerStep('flow-lab-public'), launchStep, ...codeSteps('flow-lab-public'), fhirReadStep],
  },
];

export function flowById(id: FlowId): FlowDefinition {
  const flow = FLOWS.find((f) => f.id === id);
  if (!flow) throw new Error(`no flow ${id}`);
  return flow;
}
