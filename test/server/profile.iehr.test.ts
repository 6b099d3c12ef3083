import { describe, expect } from 'vitest';
import { decodeJwt } from 'jose';
import {
  authorize,
  basic,
  CHALLENGE,
  ORIGIN,
  postForm,
  VERIFIER,
  sandboxTest,
  type TestSandbox,
  getJson,
} from '../helpers/sandbox.js';
import type { ClientConfig } from '../../server/config/schema.js';
import { ConfigError, parseConfig } from '../../server/config/validate.js';
import { InvalidGrant, toWireError } from '../../server/oauth/errors.js';
import { iehrProfile } from '../../server/profiles/profile.js';

/**
 * The iEHR token endpoint document, row by row (docs/profiles.md, "iEHR"). Each test names the row it proves.
 */

const TOKEN = '/oauth2/token';
const AUTHORIZE = '/oauth2/authorize';
const REDIRECT = 'https://myclient/redirect';

/** The document's example header decodes to this client id and secret. */
const DOC_HEADER = 'Basic ZGpjOTh1M2ppZWRtaTI4M2V1OTI4OmFiY2RlZjAxMjM0NTY3ODkw';
const appClient: ClientConfig = {
  clientId: 'djc98u3jiedmi283eu928',
  clientSecret: 'abcdef01234567890',
  redirectUris: [REDIRECT],
  grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
  // Custom scopes (inventory/*) beside the OpenID ones.
  scope: 'openid profile email offline offline_access inventory/read inventory/write',
};
/** A client with no secret: it sends client_id in the body. */
const publicClient: ClientConfig = {
  clientId: '492e4ec3-fb66-4b45-b529-599c708ec530',
  redirectUris: [REDIRECT],
  grantTypes: ['authorization_code', 'refresh_token'],
  scope: 'openid profile offline_access',
};
/** A client with a secret registered for client_secret_post, which iEHR does not accept. */
const postClient: ClientConfig = {
  clientId: 'post-client',
  clientSecret: 'p0st-s3cret',
  grantTypes: ['client_credentials'],
  scope: 'inventory/read',
  tokenEndpointAuthMethod: 'client_secret_post',
};
/** Allowed client_credentials only: not the code grant, nor refreshing. */
const machineClient: ClientConfig = {
  clientId: 'machine',
  clientSecret: 'm4chine',
  grantTypes: ['client_credentials'],
  scope: 'inventory/read',
};
/** Allowed the code grant but not refreshing. */
const noRefreshClient: ClientConfig = {
  ...appClient,
  clientId: 'no-refresh',
  grantTypes: ['authorization_code'],
};

const it = sandboxTest({
  profile: 'iehr',
  clients: [appClient, publicClient, postClient, machineClient, noRefreshClient],
});

const APP_BASIC = { authorization: DOC_HEADER };

async function codeFor(t: TestSandbox, overrides: Record<string, string | undefined> = {}): Promise<string> {
  const { code, response } = await authorize(
    t.app,
    {
      client_id: appClient.clientId,
      redirect_uri: REDIRECT,
      scope: 'openid',
      aud: undefined,
      nonce: undefined,
      code_challenge: undefined,
      code_challenge_method: undefined,
      ...overrides,
    },
    AUTHORIZE,
  );
  if (code === undefined) throw new Error(`authorize gave no code: ${response.statusCode} ${response.body}`);
  return code;
}

function token(
  t: TestSandbox,
  params: Record<string, string | undefined>,
  headers: Record<string, string> = APP_BASIC,
) {
  return postForm(t.app, TOKEN, params, headers);
}

function codeExchange(t: TestSandbox, code: string, overrides: Record<string, string | undefined> = {}) {
  return token(t, {
    grant_type: 'authorization_code',
    client_id: appClient.clientId,
    code,
    redirect_uri: REDIRECT,
    ...overrides,
  });
}

/** A refresh token from a code flow with `scope` (iEHR issues one for offline_access). */
async function refreshTokenFor(t: TestSandbox, scope: string): Promise<string> {
  const first = await codeExchange(t, await codeFor(t, { scope }));
  return first.json<{ refresh_token: string }>().refresh_token;
}

function refreshWith(t: TestSandbox, refreshToken: string, extra: Record<string, string> = {}) {
  return token(t, {
    grant_type: 'refresh_token',
    client_id: appClient.clientId,
    refresh_token: refreshToken,
    ...extra,
  });
}

type Response = Awaited<ReturnType<typeof token>>;

/** The document's error body: exactly {"error": ...}, HTTP 400, JSON. */
function expectError(res: Response, error: string): void {
  expect(res.statusCode).toBe(400);
  expect(res.headers['content-type']).toMatch(/^application\/json;\s*charset=utf-8$/i);
  expect(res.json()).toEqual({ error });
}

function keys(res: Response): string[] {
  return Object.keys(res.json<Record<string, unknown>>()).sort();
}

describe('iEHR: POST /oauth2/token', () => {
  it('answers at /oauth2/token, and at neither /token nor /oauth/smartauth/token', async ({ t }) => {
    const res = await codeExchange(t, await codeFor(t));
    expect(res.statusCode).toBe(200);
    expect((await token(t, { grant_type: 'client_credentials' }, APP_BASIC)).statusCode).toBe(200);
    expect(
      (await postForm(t.app, '/token', { grant_type: 'client_credentials' }, APP_BASIC)).statusCode,
    ).toBe(404);
    expect(
      (await postForm(t.app, '/oauth/smartauth/token', { grant_type: 'client_credentials' }, APP_BASIC))
        .statusCode,
    ).toBe(404);
  });

  it('"Your app makes requests to this endpoint directly, not through the user\'s browser": no CORS', async ({
    t,
  }) => {
    const res = await postForm(
      t.app,
      TOKEN,
      { grant_type: 'client_credentials' },
      {
        ...APP_BASIC,
        origin: 'https://myclient',
      },
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('"only supports HTTPS POST": a GET is refused with {"error":"invalid_request"}', async ({ t }) => {
    const res = await t.app.inject({ method: 'GET', url: TOKEN });
    expectError(res, 'invalid_request');
  });

  it('discovery names /oauth2/token, /oauth2/authorize, the three grants and Basic', async ({ t }) => {
    const config = await getJson(t.app, '/.well-known/openid-configuration');
    expect(config['token_endpoint']).toBe(`${ORIGIN}${TOKEN}`);
    expect(config['authorization_endpoint']).toBe(`${ORIGIN}${AUTHORIZE}`);
    expect(config['grant_types_supported']).toEqual([
      'authorization_code',
      'refresh_token',
      'client_credentials',
    ]);
    expect(config['token_endpoint_auth_methods_supported']).toEqual(['client_secret_basic', 'none']);
    expect(config['scopes_supported']).toEqual(['openid', 'profile', 'email', 'offline', 'offline_access']);
  });
});

describe('iEHR: request parameters in header', () => {
  it("Authorization: the document's own example header (Basic base64(client_id:client_secret)) is accepted", async ({
    t,
  }) => {
    const res = await token(t, { grant_type: 'client_credentials' }, { authorization: DOC_HEADER });
    expect(res.statusCode).toBe(200);
  });

  it('Authorization: a client with a secret must use Basic; the secret in the body is {"error":"invalid_client"}', async ({
    t,
  }) => {
    const res = await token(
      t,
      { grant_type: 'client_credentials', client_id: 'post-client', client_secret: 'p0st-s3cret' },
      {},
    );
    expectError(res, 'invalid_client');
    expect(res.headers['www-authenticate']).toBeUndefined();
  });

  it('Authorization: a client with a secret that sends none is {"error":"invalid_client"}', async ({ t }) => {
    const res = await token(t, { grant_type: 'client_credentials', client_id: appClient.clientId }, {});
    expectError(res, 'invalid_client');
  });

  it('Content-Type: must always be application/x-www-form-urlencoded; JSON or none is {"error":"invalid_request"}', async ({
    t,
  }) => {
    const json = await t.app.inject({
      method: 'POST',
      url: TOKEN,
      headers: { ...APP_BASIC, 'content-type': 'application/json' },
      payload: JSON.stringify({ grant_type: 'client_credentials' }),
    });
    expectError(json, 'invalid_request');
    const none = await t.app.inject({
      method: 'POST',
      url: TOKEN,
      headers: APP_BASIC,
      payload: 'grant_type=client_credentials',
    });
    expectError(none, 'invalid_request');
  });
});

describe('iEHR: request parameters in body', () => {
  it('grant_type (Required): missing is {"error":"invalid_request"}', async ({ t }) => {
    expectError(await token(t, { client_id: appClient.clientId }), 'invalid_request');
  });

  it('grant_type: anything other than the three grants is {"error":"unsupported_grant_type"}', async ({
    t,
  }) => {
    expectError(await token(t, { grant_type: 'password' }), 'unsupported_grant_type');
    expectError(await token(t, { grant_type: 'implicit' }), 'unsupported_grant_type');
  });

  it('grant_type: a custom scope needs a secret, the scope enabled and client_credentials allowed', async ({
    t,
  }) => {
    const ok = await token(t, { grant_type: 'client_credentials', scope: 'inventory/read' });
    expect(ok.statusCode).toBe(200);
    expect(decodeJwt(ok.json<{ access_token: string }>().access_token)['scope']).toBe('inventory/read');
    // Not allowed client_credentials:
    const notAllowed = await token(
      t,
      { grant_type: 'client_credentials', client_id: publicClient.clientId },
      {},
    );
    expectError(notAllowed, 'unauthorized_client');
    // A client without a secret cannot be configured for client_credentials at all:
    expect(() =>
      parseConfig({ profile: 'iehr', clients: [{ ...publicClient, grantTypes: ['client_credentials'] }] }),
    ).toThrow(ConfigError);
  });

  it('client_id (Required): missing, with no Basic header, is {"error":"invalid_request"}', async ({ t }) => {
    const code = await codeFor(t, { client_id: publicClient.clientId, scope: 'openid' });
    const res = await token(t, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, {});
    expectError(res, 'invalid_request');
  });

  it('client_id: "Must be a client that you already registered"; an unknown one is {"error":"invalid_client"}', async ({
    t,
  }) => {
    const res = await token(
      t,
      { grant_type: 'authorization_code', client_id: 'unknown', code: 'c', redirect_uri: REDIRECT },
      {},
    );
    expectError(res, 'invalid_client');
  });

  it('client_id: a client without a secret sends client_id in the body and no Authorization header', async ({
    t,
  }) => {
    const code = await codeFor(t, { client_id: publicClient.clientId, scope: 'openid' });
    const res = await token(
      t,
      { grant_type: 'authorization_code', client_id: publicClient.clientId, code, redirect_uri: REDIRECT },
      {},
    );
    expect(res.statusCode).toBe(200);
  });

  it('scope (Optional): not enabled for the client is ignored, not refused', async ({ t }) => {
    const res = await token(t, { grant_type: 'client_credentials', scope: 'inventory/read admin/all' });
    expect(res.statusCode).toBe(200);
    expect(decodeJwt(res.json<{ access_token: string }>().access_token)['scope']).toBe('inventory/read');
  });

  it('scope: none requested means all the custom scopes of the client', async ({ t }) => {
    const res = await token(t, { grant_type: 'client_credentials' });
    expect(decodeJwt(res.json<{ access_token: string }>().access_token)['scope']).toBe(
      'inventory/read inventory/write',
    );
  });

  it('scope: only used with client_credentials; a refresh keeps the scope of the grant', async ({ t }) => {
    const refresh = await refreshTokenFor(t, 'openid profile offline_access');
    const res = await refreshWith(t, refresh, { scope: 'openid' });
    expect(res.statusCode).toBe(200);
    expect(decodeJwt(res.json<{ access_token: string }>().access_token)['scope']).toBe(
      'openid profile offline_access',
    );
  });

  it('redirect_uri (Conditional): required for authorization_code; missing is {"error":"invalid_request"}', async ({
    t,
  }) => {
    expectError(await codeExchange(t, await codeFor(t), { redirect_uri: undefined }), 'invalid_request');
  });

  it('redirect_uri: must be the one used at /oauth2/authorize; another is {"error":"invalid_grant"}', async ({
    t,
  }) => {
    expectError(
      await codeExchange(t, await codeFor(t), { redirect_uri: 'https://myclient/other' }),
      'invalid_grant',
    );
  });

  it('redirect_uri: not needed for refresh_token or client_credentials', async ({ t }) => {
    const res = await refreshWith(t, await refreshTokenFor(t, 'openid offline'));
    expect(res.statusCode).toBe(200);
  });

  it('code (Conditional): required for authorization_code; missing is {"error":"invalid_request"}', async ({
    t,
  }) => {
    expectError(await codeExchange(t, '', { code: undefined }), 'invalid_request');
  });

  it('code_verifier (Conditional): required when the code was requested with PKCE', async ({ t }) => {
    const code = await codeFor(t, { code_challenge: CHALLENGE, code_challenge_method: 'S256' });
    expectError(await codeExchange(t, code), 'invalid_grant');
    const wrong = await codeFor(t, { code_challenge: CHALLENGE, code_challenge_method: 'S256' });
    expectError(await codeExchange(t, wrong, { code_verifier: 'b'.repeat(43) }), 'invalid_grant');
  });

  it('code_verifier: not needed when the code was requested without PKCE', async ({ t }) => {
    expect((await codeExchange(t, await codeFor(t))).statusCode).toBe(200);
  });
});

describe('iEHR: sample requests and responses', () => {
  it('exchanging an authorization code: {access_token, id_token, token_type, expires_in}', async ({ t }) => {
    const res = await codeExchange(t, await codeFor(t, { scope: 'openid' }));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(keys(res)).toEqual(['access_token', 'expires_in', 'id_token', 'token_type']);
    expect(res.json()).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
  });

  it('Note: refresh_token only for authorization_code with offline or offline_access asked at login', async ({
    t,
  }) => {
    for (const scope of ['openid offline', 'openid offline_access']) {
      const res = await codeExchange(t, await codeFor(t, { scope }));
      expect(typeof res.json<Record<string, unknown>>()['refresh_token']).toBe('string');
    }
    const without = await codeExchange(t, await codeFor(t, { scope: 'openid profile' }));
    expect(without.json<Record<string, unknown>>()['refresh_token']).toBeUndefined();
  });

  it('refresh_token is never returned to a client not allowed to refresh', async ({ t }) => {
    const code = await codeFor(t, { client_id: 'no-refresh', scope: 'openid offline' });
    const res = await token(
      t,
      { grant_type: 'authorization_code', client_id: 'no-refresh', code, redirect_uri: REDIRECT },
      { authorization: basic('no-refresh', 'abcdef01234567890') },
    );
    expect(keys(res)).toEqual(['access_token', 'expires_in', 'id_token', 'token_type']);
  });

  it('exchanging client credentials (scope=openid): {access_token, token_type, expires_in}', async ({
    t,
  }) => {
    const res = await token(t, { grant_type: 'client_credentials', scope: 'openid' });
    expect(res.statusCode).toBe(200);
    expect(keys(res)).toEqual(['access_token', 'expires_in', 'token_type']);
  });

  it('exchanging a code with PKCE: {access_token, refresh_token, id_token, token_type, expires_in}', async ({
    t,
  }) => {
    const code = await codeFor(t, {
      scope: 'openid offline_access',
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
    });
    const res = await codeExchange(t, code, { code_verifier: VERIFIER });
    expect(res.statusCode).toBe(200);
    expect(keys(res)).toEqual(['access_token', 'expires_in', 'id_token', 'refresh_token', 'token_type']);
  });

  it('exchanging a refresh token: {id_token, access_token, token_type, expires_in}, no new refresh_token', async ({
    t,
  }) => {
    const refresh = await refreshTokenFor(t, 'openid offline_access');
    const res = await refreshWith(t, refresh);
    expect(res.statusCode).toBe(200);
    expect(keys(res)).toEqual(['access_token', 'expires_in', 'id_token', 'token_type']);
    // Not rotated: the same refresh token keeps working.
    const again = await refreshWith(t, refresh);
    expect(again.statusCode).toBe(200);
  });
});

describe('iEHR: examples of negative responses', () => {
  it('invalid_request: grant_type is refresh_token but refresh_token is not included', async ({ t }) => {
    expectError(
      await token(t, { grant_type: 'refresh_token', client_id: appClient.clientId }),
      'invalid_request',
    );
  });

  it('invalid_request: a parameter sent twice (malformed) is {"error":"invalid_request"}', async ({ t }) => {
    const res = await t.app.inject({
      method: 'POST',
      url: TOKEN,
      headers: { ...APP_BASIC, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=client_credentials&grant_type=client_credentials',
    });
    expectError(res, 'invalid_request');
  });

  it('invalid_client: client_id and client_secret in the header, but no such client with that secret', async ({
    t,
  }) => {
    expectError(
      await token(
        t,
        { grant_type: 'client_credentials' },
        { authorization: basic(appClient.clientId, 'wrong') },
      ),
      'invalid_client',
    );
    expectError(
      await token(t, { grant_type: 'client_credentials' }, { authorization: basic('nobody', 'abc') }),
      'invalid_client',
    );
  });

  it('invalid_grant: refresh token has been revoked', async ({ t }) => {
    const refresh = await refreshTokenFor(t, 'openid offline_access');
    const revoked = await postForm(t.app, '/revoke', { token: refresh }, APP_BASIC);
    expect(revoked.statusCode).toBe(200);
    expectError(await refreshWith(t, refresh), 'invalid_grant');
  });

  it('invalid_grant: authorization code has been consumed already or does not exist', async ({ t }) => {
    const code = await codeFor(t);
    expect((await codeExchange(t, code)).statusCode).toBe(200);
    expectError(await codeExchange(t, code), 'invalid_grant');
    expectError(await codeExchange(t, 'no-such-code'), 'invalid_grant');
  });

  it('invalid_grant: any invalid_grant (the attribute-access case included) is written as {"error":"invalid_grant"}, 400', () => {
    const wire = toWireError(
      new InvalidGrant('the client cannot read every attribute the requested scope covers'),
      iehrProfile.errors,
    );
    expect(wire).toEqual({ status: 400, headers: {}, body: { error: 'invalid_grant' } });
  });

  it('unauthorized_client: client is not allowed for the code grant flow', async ({ t }) => {
    const res = await token(
      t,
      { grant_type: 'authorization_code', client_id: 'machine', code: 'c', redirect_uri: REDIRECT },
      { authorization: basic('machine', 'm4chine') },
    );
    expectError(res, 'unauthorized_client');
  });

  it('unauthorized_client: client is not allowed for refreshing tokens', async ({ t }) => {
    const res = await token(
      t,
      { grant_type: 'refresh_token', client_id: 'no-refresh', refresh_token: 'r' },
      { authorization: basic('no-refresh', 'abcdef01234567890') },
    );
    expectError(res, 'unauthorized_client');
  });

  it('unsupported_grant_type: anything other than authorization_code, refresh_token or client_credentials', async ({
    t,
  }) => {
    expectError(
      await token(t, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code' }),
      'unsupported_grant_type',
    );
  });
});
