import { describe, expect } from 'vitest';
import { decodeJwt } from 'jose';
import {
  admin,
  authorize,
  basic,
  CHALLENGE,
  confidentialClient,
  FHIR_BASE,
  ORIGIN,
  postForm,
  redeem,
  REDIRECT,
  VERIFIER,
  sandboxTest,
  type TestSandbox,
  getJson,
} from '../helpers/sandbox.js';
import { documentedStatus, MEDIRECORDS } from '../helpers/medirecords-document.js';
import type { ClientConfig } from '../../server/config/schema.js';
import type { LaunchContext } from '../../server/store/artefacts.js';

/**
 * The MediRecords FHIR IG 1.4.2 token endpoint, row by row (docs/profiles.md, "MediRecords"). Each test
 * names the row of the document it proves.
 */

const TOKEN = '/oauth/smartauth/token';
const AUTHORIZE = '/oauth/smartauth/authorize';

/** A public SMART app, as the document describes it: it identifies itself with client_id only. */
const smartApp: ClientConfig = {
  clientId: 'mr-app',
  redirectUris: [REDIRECT],
  grantTypes: ['authorization_code', 'refresh_token'],
  scope: 'openid fhirUser launch launch/patient launch/encounter patient/*.rs offline_access',
  tokenEndpointAuthMethod: 'none',
};

/** A client registered for another grant only: not authorised for authorization_code. */
const serviceOnly: ClientConfig = {
  clientId: 'mr-service',
  clientSecret: 'svc-s3cret',
  grantTypes: ['client_credentials'],
  scope: 'system/*.rs',
};

const it = sandboxTest({
  profile: 'medirecords',
  clients: [confidentialClient, smartApp, serviceOnly],
});

async function codeFor(t: TestSandbox, overrides: Record<string, string | undefined> = {}): Promise<string> {
  const { code, response } = await authorize(
    t.app,
    { client_id: 'mr-app', aud: undefined, nonce: undefined, ...overrides },
    AUTHORIZE,
  );
  if (code === undefined) throw new Error(`authorize gave no code: ${response.statusCode} ${response.body}`);
  return code;
}

/** A code as an EHR launch issues it (the launch context comes from the EHR, not from /authorize). */
function ehrLaunchCode(t: TestSandbox, context: LaunchContext): string {
  const now = t.clock.now();
  return t.app.sandbox.store.issueCode({
    clientId: 'mr-app',
    redirectUri: REDIRECT,
    deliveredTo: REDIRECT,
    codeChallenge: CHALLENGE,
    scope: ['openid', 'fhirUser', 'launch', 'patient/*.rs', 'offline_access'],
    nonce: undefined,
    sub: 'Practitioner/prac-1',
    authTime: Math.floor(now / 1000),
    context,
    expiresAt: now + 60_000,
  }).code;
}

/** The document's request: grant_type, code, redirect_uri, code_verifier, client_id in the form body. */
async function exchange(t: TestSandbox, code: string, overrides: Record<string, string | undefined> = {}) {
  return redeem(t.app, code, { client_id: 'mr-app', ...overrides }, {}, TOKEN);
}

/** The answer is the document's row for `description`: its status, and the description word for word. */
async function expectError(
  res: Awaited<ReturnType<typeof exchange>>,
  error: string,
  description: string,
): Promise<void> {
  expect(res.statusCode).toBe(documentedStatus(description));
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.json()).toEqual({ error, error_description: description });
}

describe('MediRecords: POST {MRAPP_BASE_URL}/oauth/smartauth/token', () => {
  it('answers at /oauth/smartauth/token, and /token is not an endpoint under this profile', async ({ t }) => {
    const ok = await exchange(t, await codeFor(t));
    expect(ok.statusCode).toBe(200);
    const elsewhere = await postForm(t.app, '/token', { grant_type: 'authorization_code' });
    expect(elsewhere.statusCode).toBe(404);
    const iehrPath = await postForm(t.app, '/oauth2/token', { grant_type: 'authorization_code' });
    expect(iehrPath.statusCode).toBe(404);
  });

  it('is one of the response parameters of /.well-known/smart-configuration', async ({ t }) => {
    const config = await getJson(t.app, '/.well-known/smart-configuration');
    expect(config['token_endpoint']).toBe(`${ORIGIN}${TOKEN}`);
    expect(config['authorization_endpoint']).toBe(`${ORIGIN}${AUTHORIZE}`);
    expect(config['grant_types_supported']).toEqual(['authorization_code']);
    expect(config['token_endpoint_auth_methods_supported']).toEqual([
      'none',
      'client_secret_basic',
      'client_secret_post',
    ]);
  });
});

describe('MediRecords: query parameters', () => {
  it('grant_type: "Currently only supports: authorization_code" (others are 400 Unsupported grant type)', async ({
    t,
  }) => {
    for (const grantType of ['refresh_token', 'client_credentials', 'password']) {
      const res = await postForm(t.app, TOKEN, { grant_type: grantType, client_id: 'mr-app', code: 'x' });
      await expectError(res, 'unsupported_grant_type', 'Unsupported grant type');
    }
  });

  it.for<[name: string, params: Record<string, string | undefined>, error: string, description: string]>([
    [
      'grant_type: missing is 400 Missing required parameters',
      { grant_type: undefined },
      'invalid_request',
      'Missing required parameters',
    ],
    [
      'code: "the code parameter value returned in authorize response"; missing is 400 Missing required parameters',
      { code: undefined },
      'invalid_request',
      'Missing required parameters',
    ],
    [
      'redirect_uri: "the same as the redirect_uri parameter in /authorize"; missing is 400 Missing required parameters',
      { redirect_uri: undefined },
      'invalid_request',
      'Missing required parameters',
    ],
    [
      'redirect_uri: a different one is 400 Redirect_uri mismatch',
      { redirect_uri: 'http://127.0.0.1:5555/elsewhere' },
      'invalid_grant',
      'Redirect_uri mismatch',
    ],
    [
      'code_verifier: mandatory when code_challenge was provided; missing is 400 Missing code_verifier',
      { code_verifier: undefined },
      'invalid_grant',
      'Missing code_verifier',
    ],
    [
      'code_verifier: one that does not match the challenge is 400 Code_verifier check fail',
      { code_verifier: 'a'.repeat(43) },
      'invalid_grant',
      'Code_verifier check fail/failed to consume authorization code',
    ],
    [
      'client_id: "the same as the client_id parameter in /authorize"; missing is 400 Missing required parameters',
      { client_id: undefined },
      'invalid_request',
      'Missing required parameters',
    ],
    [
      'client_id: one not registered is 401 Client_id not found/authorised',
      { client_id: 'nobody' },
      'invalid_client',
      'Client_id not found/authorised',
    ],
  ])('%s', async ([, params, error, description], { t }) => {
    await expectError(await exchange(t, await codeFor(t), params), error, description);
  });

  it('code_verifier: not needed when /authorize had no code_challenge', async ({ t }) => {
    const code = await codeFor(t, { code_challenge: undefined, code_challenge_method: undefined });
    const res = await exchange(t, code, { code_verifier: undefined });
    expect(res.statusCode).toBe(200);
  });

  it('client_id: one not authorised for the authorization_code grant is 401 Client_id not found/authorised', async ({
    t,
  }) => {
    const res = await postForm(
      t.app,
      TOKEN,
      { grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT, client_id: 'mr-service' },
      { authorization: basic('mr-service', 'svc-s3cret') },
    );
    await expectError(res, 'unauthorized_client', 'Client_id not found/authorised');
  });

  it('client_id: a confidential client may identify itself with Basic instead (SMART symmetric)', async ({
    t,
  }) => {
    const { code } = await authorize(t.app, { aud: undefined }, AUTHORIZE);
    const res = await redeem(t.app, code ?? '', {}, { authorization: basic('conf-app', 's3cret') }, TOKEN);
    expect(res.statusCode).toBe(200);
  });

  it('reads the parameters from the form body; in the URL they are refused (the "query parameters" reading is selectable)', async ({
    t,
  }) => {
    const code = await codeFor(t);
    const query = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: VERIFIER,
      client_id: 'mr-app',
    });
    const res = await t.app.inject({
      method: 'POST',
      url: `${TOKEN}?${query.toString()}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: '',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_request' });
  });
});

describe('MediRecords: response parameters', () => {
  it('answers 200 OK with access_token, token_type Bearer, expires_in and scope', async ({ t }) => {
    const res = await exchange(t, await codeFor(t, { scope: 'launch/patient patient/*.rs' }));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json<Record<string, unknown>>();
    expect(typeof body['access_token']).toBe('string');
    expect(body['token_type']).toBe('Bearer');
    expect(body['expires_in']).toBe(3600);
    expect(body['scope']).toBe('launch/patient patient/*.rs');
    // "The access token is then used to access FHIR resources": a JWT for the FHIR base.
    const claims = decodeJwt(String(body['access_token']));
    expect(claims.aud).toBe(FHIR_BASE);
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3600);
  });

  it('scope: the granted scope, which can differ from the one the app asked for', async ({ t }) => {
    // Asked for nothing at /authorize: the grant is the client's registered scope.
    const res = await exchange(t, await codeFor(t, { scope: undefined }));
    expect(res.json<{ scope: string }>().scope).toBe(smartApp.scope);
  });

  it('id_token: returned only if the openid scope was granted', async ({ t }) => {
    const withOpenid = await exchange(t, await codeFor(t, { scope: 'openid fhirUser launch/patient' }));
    expect(typeof withOpenid.json<Record<string, unknown>>()['id_token']).toBe('string');
    const without = await exchange(t, await codeFor(t, { scope: 'fhirUser launch/patient' }));
    expect(without.json<Record<string, unknown>>()['id_token']).toBeUndefined();
  });

  it('refresh_token (optional): never issued, since grant_type supports only authorization_code; the log says why', async ({
    t,
  }) => {
    // The document lists refresh_token as an optional response field, but no grant redeems one: the sandbox
    // issues none rather than a token that answers unsupported_grant_type (docs/profiles.md).
    const offline = await exchange(t, await codeFor(t, { scope: 'launch/patient offline_access' }));
    expect(offline.statusCode).toBe(200);
    expect(offline.json<Record<string, unknown>>()['refresh_token']).toBeUndefined();
    const log = await admin(t.app, 'GET', '/exchanges');
    const entry = log
      .json<{ exchanges: { path: string; verdict: { summary: string } }[] }>()
      .exchanges.at(-1);
    expect(entry?.verdict.summary).toContain(
      'no refresh token despite offline_access: the medirecords profile serves only authorization_code',
    );
  });

  it('patient and encounter (optional): the launch context ids', async ({ t }) => {
    const res = await exchange(t, await codeFor(t, { scope: 'launch/patient launch/encounter' }));
    expect(res.json()).toMatchObject({ patient: 'pat-1', encounter: 'enc-1' });
    const none = await exchange(t, await codeFor(t, { scope: 'openid' }));
    expect(none.json<Record<string, unknown>>()['patient']).toBeUndefined();
  });

  it('fhirContext: an array of objects from the launch context', async ({ t }) => {
    const fhirContext = [{ reference: 'DiagnosticReport/dr-1' }];
    const res = await exchange(t, ehrLaunchCode(t, { patient: 'pat-1', fhirContext }));
    expect(res.statusCode).toBe(200);
    expect(res.json<Record<string, unknown>>()['fhirContext']).toEqual(fhirContext);
  });

  it('sends no field outside the document\'s "Response Parameters"', async ({ t }) => {
    // An EHR launch whose context carries every SMART field; the document lists only some of them.
    const code = ehrLaunchCode(t, {
      patient: 'pat-1',
      encounter: 'enc-1',
      fhirContext: [{ reference: 'Encounter/enc-1' }],
      needPatientBanner: true,
      smartStyleUrl: 'http://127.0.0.1/style.json',
      intent: 'reconcile-medications',
      tenant: 't-1',
    });
    const res = await exchange(t, code);
    expect(res.statusCode).toBe(200);
    expect(MEDIRECORDS.responseParameters).toContain('fhirContext');
    for (const key of Object.keys(res.json<Record<string, unknown>>()))
      expect(MEDIRECORDS.responseParameters).toContain(key);
  });
});

describe('MediRecords: status and error descriptions', () => {
  it('400 Code_verifier check fail/failed to consume authorization code: a code used twice', async ({
    t,
  }) => {
    const code = await codeFor(t);
    expect((await exchange(t, code)).statusCode).toBe(200);
    const again = await exchange(t, code);
    await expectError(
      again,
      'invalid_grant',
      'Code_verifier check fail/failed to consume authorization code',
    );
  });

  it('400 Code_verifier check fail/failed to consume authorization code: a code never issued or expired', async ({
    t,
  }) => {
    const unknown = await exchange(t, 'never-issued');
    await expectError(
      unknown,
      'invalid_grant',
      'Code_verifier check fail/failed to consume authorization code',
    );
    const code = await codeFor(t);
    t.clock.advance(61_000);
    const expired = await exchange(t, code);
    await expectError(
      expired,
      'invalid_grant',
      'Code_verifier check fail/failed to consume authorization code',
    );
  });

  it('500 Internal Server Error: Unexpected server error', async ({ t }) => {
    const code = await codeFor(t);
    t.app.sandbox.signingKey = () => Promise.reject(new Error('key store unavailable'));
    const res = await exchange(t, code);
    await expectError(res, 'server_error', 'Unexpected server error');
    expect(res.body).not.toContain('key store unavailable');
  });
});
