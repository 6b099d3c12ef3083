import { describe, expect } from 'vitest';
import { authorize, CHALLENGE, FHIR_BASE, ORIGIN, REDIRECT, sandboxTest } from '../helpers/sandbox.js';

const it = sandboxTest();

function redirectError(location: URL | undefined): { error: string | null; state: string | null } {
  return {
    error: location?.searchParams.get('error') ?? null,
    state: location?.searchParams.get('state') ?? null,
  };
}

describe('RFC 6749 §4.1.2: a valid request is answered with a code', () => {
  it('redirects to the redirect_uri with code, the exact state and iss (RFC 6749 §4.1.2, RFC 9207)', async ({
    t,
  }) => {
    const { response, location, code } = await authorize(t.app, { state: 'a b&c' });
    expect(response.statusCode).toBe(302);
    expect(`${location?.origin ?? ''}${location?.pathname ?? ''}`).toBe(REDIRECT);
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(location?.searchParams.get('state')).toBe('a b&c');
    expect(location?.searchParams.get('iss')).toBe(ORIGIN);
  });

  it('accepts the same request as a form POST and answers 303 (SMART App Launch 2.2 authorize-post)', async ({
    t,
  }) => {
    const body = new URLSearchParams({
      response_type: 'code',
      client_id: 'conf-app',
      redirect_uri: REDIRECT,
      scope: 'openid',
      state: 's',
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
    }).toString();
    const res = await t.app.inject({
      method: 'POST',
      url: '/authorize',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: body,
    });
    expect(res.statusCode).toBe(303);
    expect(new URL(String(res.headers.location)).searchParams.get('code')).toBeTruthy();
  });

  it('ignores unknown parameters (RFC 6749 §3.1)', async ({ t }) => {
    const { code } = await authorize(t.app, { extra: 'foobar' });
    expect(code).toBeTruthy();
  });

  it('uses the only registered redirect URI when none is sent', async ({ t }) => {
    const { location } = await authorize(t.app, { redirect_uri: undefined });
    expect(location?.href.startsWith(REDIRECT)).toBe(true);
  });

  it('accepts any port on a loopback IP redirect URI (RFC 8252 §7.3)', async ({ t }) => {
    const { location, code } = await authorize(t.app, { redirect_uri: 'http://127.0.0.1:49152/cb' });
    expect(location?.port).toBe('49152');
    expect(code).toBeTruthy();
  });
});

describe('RFC 6749 §4.1.2.1: never redirect to an untrusted target', () => {
  it('shows a 400 page for an unknown or missing client (RFC 6749 §4.1.2.1)', async ({ t }) => {
    for (const overrides of [{ client_id: 'nobody' }, { client_id: undefined }]) {
      const { response } = await authorize(t.app, overrides);
      expect(response.statusCode).toBe(400);
      expect(response.headers.location).toBeUndefined();
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.headers['x-frame-options']).toBe('DENY');
    }
  });

  it('shows invalid_request naming the 64 KiB limit for an over-long POST body, not server_error', async ({
    t,
  }) => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/authorize',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `client_id=conf-app&nonce=${'x'.repeat(70 * 1024)}`,
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers.location).toBeUndefined();
    expect(response.body).toContain('invalid_request');
    expect(response.body).toContain('larger than 64 KiB');
    expect(response.body).not.toContain('server_error');
  });

  it('shows a 400 page for a redirect_uri that is not an exact match (RFC 9700 §2.1)', async ({ t }) => {
    for (const uri of [
      `${REDIRECT}/x`,
      `${REDIRECT}?x=1`,
      'http://127.0.0.1:5555/CB',
      'https://evil.example/cb',
    ]) {
      const { response } = await authorize(t.app, { redirect_uri: uri });
      expect(response.statusCode, uri).toBe(400);
      expect(response.headers.location).toBeUndefined();
      expect(response.body).toContain('not registered');
    }
  });

  it('requires redirect_uri when the client has several (RFC 6749 §3.1.2.3)', async ({ t }) => {
    const { response } = await authorize(t.app, { client_id: 'public-app', redirect_uri: undefined });
    expect(response.statusCode).toBe(400);
    expect(response.headers.location).toBeUndefined();
  });

  it('shows a 400 page naming the parameter with malformed percent-encoding, never its value (RFC 3986 §2.1)', async ({
    t,
  }) => {
    const res = await t.app.inject({
      url: `/authorize?response_type=code&client_id=conf-app&redirect_uri=${encodeURIComponent(REDIRECT)}&state=Hunter2%zz`,
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers.location).toBeUndefined();
    expect(res.body).toContain('malformed percent-encoding in the value of parameter state');
    expect(res.body).not.toContain('Hunter2');
  });

  it('escapes what it echoes into the page (docs/endpoints.md#authorization-endpoint)', async ({ t }) => {
    const { response } = await authorize(t.app, { client_id: '<script>alert(1)</script>' });
    expect(response.body).not.toContain('<script>');
    expect(response.body).toContain('&lt;script&gt;');
  });
});

describe('RFC 6749 §4.1.2.1: other errors go back to the client with state', () => {
  it('refuses a duplicated parameter without echoing a duplicated state (RFC 6749 §3.1)', async ({ t }) => {
    const res = await t.app.inject({
      url: `/authorize?response_type=code&client_id=conf-app&redirect_uri=${encodeURIComponent(REDIRECT)}&state=a&state=b`,
    });
    expect(res.statusCode).toBe(302);
    expect(redirectError(new URL(String(res.headers.location)))).toEqual({
      error: 'invalid_request',
      state: null,
    });
  });

  it('refuses a missing or unsupported response_type (RFC 6749 §3.1.1)', async ({ t }) => {
    expect(redirectError((await authorize(t.app, { response_type: undefined })).location)).toEqual({
      error: 'invalid_request',
      state: 'st4te',
    });
    expect(redirectError((await authorize(t.app, { response_type: 'token' })).location).error).toBe(
      'unsupported_response_type',
    );
  });

  it('refuses a response_mode other than query, which discovery does not advertise', async ({ t }) => {
    for (const mode of ['fragment', 'form_post']) {
      const { location } = await authorize(t.app, { response_mode: mode });
      expect(redirectError(location)).toEqual({ error: 'invalid_request', state: 'st4te' });
      expect(location?.searchParams.get('error_description')).toContain(
        `response_mode ${mode} is not supported`,
      );
      expect(location?.searchParams.get('code')).toBeNull();
    }
    expect((await authorize(t.app, { response_mode: 'query' })).code).toBeDefined();
  });

  it('requires PKCE S256 in the SMART profile, even for a confidential client (RFC 7636 §4.4.1)', async ({
    t,
  }) => {
    const { location } = await authorize(t.app, {
      code_challenge: undefined,
      code_challenge_method: undefined,
    });
    expect(redirectError(location)).toEqual({ error: 'invalid_request', state: 'st4te' });
    expect(location?.searchParams.get('error_description')).toContain('PKCE is required');
  });

  it('refuses plain and unknown challenge methods (RFC 7636 §4.3)', async ({ t }) => {
    for (const method of ['plain', 'bar', undefined]) {
      const { location } = await authorize(t.app, { code_challenge_method: method });
      expect(redirectError(location).error, String(method)).toBe('invalid_request');
    }
  });

  it('checks the challenge syntax (RFC 7636 §4.2)', async ({ t }) => {
    for (const challenge of ['a'.repeat(42), 'a'.repeat(129), `${'a'.repeat(42)}&`]) {
      const { location } = await authorize(t.app, { code_challenge: challenge });
      expect(redirectError(location).error).toBe('invalid_request');
    }
    const { location } = await authorize(t.app, { code_challenge: undefined });
    expect(redirectError(location).error).toBe('invalid_request');
  });

  it('refuses a scope outside the client allow-list (RFC 6749 §3.3)', async ({ t }) => {
    const { location } = await authorize(t.app, { client_id: 'public-app', scope: 'openid user/*.cruds' });
    expect(redirectError(location).error).toBe('invalid_scope');
    expect(location?.searchParams.get('error_description')).toContain('user/*.cruds');
  });

  it('refuses an aud other than the FHIR base, and requires it with SMART scopes (docs/endpoints.md#authorization-endpoint)', async ({
    t,
  }) => {
    expect(redirectError((await authorize(t.app, { aud: 'https://evil.example/fhir' })).location).error).toBe(
      'invalid_request',
    );
    expect(redirectError((await authorize(t.app, { aud: undefined })).location).error).toBe(
      'invalid_request',
    );
    expect((await authorize(t.app, { aud: undefined, scope: 'openid' })).code).toBeTruthy();
    expect((await authorize(t.app, { aud: FHIR_BASE })).code).toBeTruthy();
  });

  it('refuses a client that may not use the code grant', async ({ sandboxWith }) => {
    const t = await sandboxWith({
      clients: [
        { clientId: 'svc', clientSecret: 'x', grantTypes: ['client_credentials'], redirectUris: [REDIRECT] },
      ],
    });
    const { location } = await authorize(t.app, { client_id: 'svc', scope: 'system/*.rs' });
    expect(redirectError(location).error).toBe('unauthorized_client');
  });

  it('keeps the query of a registered redirect URI (RFC 6749 §3.1.2)', async ({ sandboxWith }) => {
    const t = await sandboxWith({
      clients: [{ clientId: 'q', redirectUris: ['https://app.example/cb?tenant=7'] }],
    });
    const { location } = await authorize(t.app, {
      client_id: 'q',
      redirect_uri: 'https://app.example/cb?tenant=7',
      scope: 'openid',
    });
    expect(location?.searchParams.get('tenant')).toBe('7');
    expect(location?.searchParams.get('code')).toBeTruthy();
  });

  it('never sends CORS headers from the authorization endpoint (RFC 9700 §2.6)', async ({ t }) => {
    const res = await t.app.inject({
      method: 'OPTIONS',
      url: '/authorize',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});
