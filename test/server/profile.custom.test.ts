import { describe, expect } from 'vitest';
import {
  authorize,
  basic,
  configIssues,
  ORIGIN,
  postForm,
  REDIRECT,
  redeem,
  sandboxTest,
  VERIFIER,
  clientCredentials,
  getJson,
} from '../helpers/sandbox.js';
import type { SandboxConfig } from '../../server/config/schema.js';
import { parseConfig } from '../../server/config/validate.js';
import { profileNamed, resolveProfile } from '../../server/profiles/profile.js';

/** Profiles described in the config file (docs/profiles.md, "Custom profiles"), and profile switching. */

/** The example of docs/profiles.md, verbatim. */
const ACME: NonNullable<SandboxConfig['profiles']>[number] = {
  name: 'acme',
  title: 'Acme EHR',
  extends: 'smart',
  tokenPath: '/connect/token',
  authorizePath: '/connect/authorize',
  grantTypes: ['authorization_code', 'client_credentials'],
  authMethods: ['client_secret_basic'],
  tokenResponse: {
    fields: ['access_token', 'token_type', 'expires_in', 'scope'],
    extra: { region: 'eu-west', acme_version: 3 },
  },
  discovery: { scopesSupported: ['openid', 'acme/records.read'] },
  errors: {
    fields: ['error', 'error_description'],
    status: { invalid_client: 403 },
    descriptionByReason: { redirect_uri_mismatch: 'E1002: redirect URI does not match' },
    descriptionByCode: { unsupported_grant_type: 'E1000: grant not enabled' },
  },
};

/** A sandbox serving ACME as its profile; `sandboxWith()` starts another, with the standard profile. */
const it = sandboxTest({ profile: 'acme', profiles: [ACME] });

describe('a profile described in the config', () => {
  it('serves its token endpoint at its own path, with its grants, fields and extras', async ({ t }) => {
    const res = await clientCredentials(t.app, 'conf-app', 's3cret', { path: '/connect/token' });
    expect(res.statusCode).toBe(200);
    const body = res.json<Record<string, unknown>>();
    expect(Object.keys(body).sort()).toEqual(
      ['access_token', 'acme_version', 'expires_in', 'region', 'scope', 'token_type'].sort(),
    );
    expect(body).toMatchObject({ region: 'eu-west', acme_version: 3, scope: 'system/*.rs' });
    expect((await postForm(t.app, '/token', { grant_type: 'client_credentials' })).statusCode).toBe(404);
  });

  it('runs the code flow at its authorize and token paths, keeping what it does not override', async ({
    t,
  }) => {
    const { code } = await authorize(t.app, {}, '/connect/authorize');
    const res = await redeem(t.app, code ?? '', {}, undefined, '/connect/token');
    expect(res.statusCode).toBe(200);
    // Inherited from smart: PKCE is required at the authorization endpoint.
    const noPkce = await authorize(
      t.app,
      { code_challenge: undefined, code_challenge_method: undefined },
      '/connect/authorize',
    );
    expect(noPkce.location?.searchParams.get('error')).toBe('invalid_request');
  });

  it('words and statuses errors as it says', async ({ t }) => {
    const grant = await postForm(
      t.app,
      '/connect/token',
      { grant_type: 'refresh_token', refresh_token: 'r' },
      { authorization: basic('conf-app', 's3cret') },
    );
    expect(grant.statusCode).toBe(400);
    expect(grant.json()).toEqual({
      error: 'unsupported_grant_type',
      error_description: 'E1000: grant not enabled',
    });
    const client = await clientCredentials(t.app, 'conf-app', 'wrong', {
      path: '/connect/token',
      params: {},
    });
    expect(client.statusCode).toBe(403);
    expect(client.json()).toMatchObject({ error: 'invalid_client' });
    const post = await postForm(t.app, '/connect/token', {
      grant_type: 'client_credentials',
      client_id: 'post-app',
      client_secret: 's3cret',
    });
    expect(post.statusCode).toBe(403);
    expect(post.json<{ error_description: string }>().error_description).toContain(
      'which this profile does not accept',
    );
    const { code } = await authorize(t.app, {}, '/connect/authorize');
    const mismatch = await redeem(
      t.app,
      code ?? '',
      { redirect_uri: 'http://127.0.0.1:5555/other' },
      undefined,
      '/connect/token',
    );
    expect(mismatch.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'E1002: redirect URI does not match',
    });
  });

  it('is listed by discovery', async ({ t }) => {
    const config = await getJson(t.app, '/.well-known/smart-configuration');
    expect(config['token_endpoint']).toBe(`${ORIGIN}/connect/token`);
    expect(config['authorization_endpoint']).toBe(`${ORIGIN}/connect/authorize`);
    expect(config['grant_types_supported']).toEqual(['authorization_code', 'client_credentials']);
    expect(config['token_endpoint_auth_methods_supported']).toEqual(['client_secret_basic']);
    expect(config['scopes_supported']).toEqual(['openid', 'acme/records.read']);
  });

  it('selects the other reading of a document: MediRecords parameters in the query string', async ({
    sandboxWith,
  }) => {
    const t = await sandboxWith({
      profile: 'medirecords-query',
      profiles: [{ name: 'medirecords-query', extends: 'medirecords', parameterLocation: 'query-or-body' }],
    });
    // With no body, and with an empty form body: either way the whole request is read from the URL.
    for (const body of [{}, { 'content-type': 'application/x-www-form-urlencoded' }]) {
      const { code } = await authorize(t.app, { aud: undefined }, '/oauth/smartauth/authorize');
      const query = new URLSearchParams({
        grant_type: 'authorization_code',
        code: code ?? '',
        redirect_uri: REDIRECT,
        code_verifier: VERIFIER,
        client_id: 'conf-app',
      });
      const res = await t.app.inject({
        method: 'POST',
        url: `/oauth/smartauth/token?${query.toString()}`,
        headers: { ...body, authorization: basic('conf-app', 's3cret') },
        payload: '',
      });
      expect(res.statusCode).toBe(200);
      expect(typeof res.json<Record<string, unknown>>()['access_token']).toBe('string');
    }
  });

  it('selects the other reading of a document: iEHR refresh_token for every authorization_code', async ({
    sandboxWith,
  }) => {
    const t = await sandboxWith({
      profile: 'iehr-always-refresh',
      profiles: [
        { name: 'iehr-always-refresh', extends: 'iehr', refreshTokens: { onAuthorizationCode: 'always' } },
      ],
    });
    const { code } = await authorize(t.app, { scope: 'openid', aud: undefined }, '/oauth2/authorize');
    const res = await redeem(t.app, code ?? '', {}, undefined, '/oauth2/token');
    expect(res.statusCode).toBe(200);
    expect(typeof res.json<Record<string, unknown>>()['refresh_token']).toBe('string');
  });
});

describe('validating config-described profiles (errors name the field)', () => {
  it('accepts the documented example', () => {
    expect(configIssues({ profile: 'acme', profiles: [ACME] })).toEqual([]);
  });

  it('refuses a profile name that is neither built in nor described', () => {
    expect(configIssues({ profile: 'nope', profiles: [ACME] })).toEqual([
      'profile: expected one of "smart", "medirecords", "iehr", "acme" (built in or in profiles), got "nope"',
    ]);
  });

  it('refuses reused names, reserved paths, clashing extras and unknown fields', () => {
    // Unknown fields are reported alone: the meaning of a document with a typo in it is not checked.
    const clashing = [
      { name: 'iehr' },
      { name: 'dup', tokenPath: '/fhir/token' },
      { name: 'dup', tokenPath: '/x/token', authorizePath: '/x/token' },
      { name: 'extra', tokenResponse: { extra: { access_token: 'x' } } },
    ];
    const issues = configIssues({ profiles: [...clashing, { name: 'typo', tokenpath: '/t' }] });
    expect(issues).toEqual([
      'profiles[4].tokenpath: unknown field; expected one of: name, extends, title, tokenPath, authorizePath, grantTypes, authMethods, pkce, requireAud, parameterLocation, requiredParams, refreshTokens, scope, tokenResponse, errors, discovery',
    ]);
    const semantic = configIssues({ profiles: clashing });
    expect(semantic).toEqual([
      'profiles[0].name: "iehr" is a built-in profile; choose another name',
      'profiles[1].tokenPath: paths under /fhir belong to the sandbox',
      'profiles[2].name: "dup" is already used by profiles[1]',
      'profiles[2].authorizePath: must differ from tokenPath (/x/token)',
      'profiles[3].tokenResponse.extra.access_token: access_token is produced by the sandbox; list it in tokenResponse.fields instead',
    ]);
  });

  it("refuses values outside each field's set, naming the path", () => {
    expect(configIssues({ profiles: [{ name: 'p', errors: { status: { invalid_client: 200 } } }] })).toEqual([
      'profiles[0].errors.status.invalid_client: must be >= 400 (got number 200)',
    ]);
    expect(configIssues({ profiles: [{ name: 'p', extends: 'okta' }] })[0]).toMatch(
      /^profiles\[0\]\.extends: expected one of "smart", "medirecords", "iehr"/,
    );
  });
});

describe('switching the active profile at run time', () => {
  it('moves the token and authorize endpoints and discovery at once; the old paths answer 404', async ({
    sandboxWith,
  }) => {
    const t = await sandboxWith({});
    expect((await authorize(t.app)).code).toBeDefined();
    t.app.sandbox.profile = profileNamed('iehr');
    const old = await clientCredentials(t.app, 'conf-app', 's3cret', { params: {} });
    expect(old.statusCode).toBe(404);
    expect((await t.app.inject({ url: '/authorize?client_id=conf-app' })).statusCode).toBe(404);
    const moved = await clientCredentials(t.app, 'conf-app', 's3cret', { path: '/oauth2/token', params: {} });
    expect(moved.statusCode).toBe(200);
    const config = await getJson(t.app, '/.well-known/smart-configuration');
    expect(config['token_endpoint']).toBe(`${ORIGIN}/oauth2/token`);
  });

  it('serves a config-described profile swapped in at run time at its own paths', async ({ sandboxWith }) => {
    const t = await sandboxWith({});
    const config = parseConfig({ ...t.app.sandbox.config, profile: 'acme', profiles: [ACME] });
    expect(resolveProfile(config).tokenPath).toBe('/connect/token');
    // What importing a config does: the document and the profile it chooses change together.
    t.app.sandbox.config = config;
    t.app.sandbox.profile = resolveProfile(config);
    const res = await clientCredentials(t.app, 'conf-app', 's3cret', { path: '/connect/token', params: {} });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ region: 'eu-west' });
    expect((await t.app.inject({ url: '/authorize?client_id=conf-app' })).statusCode).toBe(404);
  });

  it('does not serve the internal routes the profile paths are rewritten to', async ({ sandboxWith }) => {
    const t = await sandboxWith({});
    const res = await clientCredentials(t.app, 'conf-app', 's3cret', {
      path: '/_sandbox/profile/token',
      params: {},
    });
    expect(res.statusCode).toBe(404);
    expect((await t.app.inject({ url: '/_sandbox/profile/authorize' })).statusCode).toBe(404);
  });
});
