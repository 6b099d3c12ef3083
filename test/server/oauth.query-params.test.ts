import { describe, expect } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import {
  basic,
  form,
  REDIRECT,
  sandboxTest,
  VERIFIER,
  authorize,
  type TestSandbox,
} from '../helpers/sandbox.js';

/**
 * docs/endpoints.md#request-parsing: the token, introspection and revocation endpoints read their parameters
 * from the form body; a parameter in the URL is refused with 400 invalid_request, never silently ignored,
 * and a credential in the URL is refused under RFC 6749 §2.3.1 however it is percent-encoded.
 */

const it = sandboxTest();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const CONF = { authorization: basic('conf-app', 's3cret') };

/** A request each endpoint answers 200 without a query, so only the URL can make it fail. */
const CLIENT_CREDENTIALS = { grant_type: 'client_credentials', scope: 'system/*.rs' };
const VALID: Readonly<Record<string, Record<string, string>>> = {
  '/token': CLIENT_CREDENTIALS,
  '/introspect': { token: 'not-a-token' },
  '/revoke': { token: 'not-a-token' },
};

async function post(t: TestSandbox, url: string, params: Record<string, string>, headers = CONF) {
  return t.app.inject({ method: 'POST', url, headers: { ...FORM, ...headers }, payload: form(params) });
}

function description(res: LightMyRequestResponse): string {
  return res.json<{ error_description: string }>().error_description;
}

describe('parameters in the URL of a body-only endpoint (docs/endpoints.md#request-parsing)', () => {
  for (const [path, valid] of Object.entries(VALID)) {
    it(`${path}: a valid form body without a query is answered 200`, async ({ t }) => {
      expect((await post(t, path, valid)).statusCode).toBe(200);
    });

    for (const query of ['client_secret=x', 'client%5Fsecret=x', 'client_s%65cret=x', 'refresh%5ftoken=x']) {
      it(`${path}?${query}: a credential in the URL is refused, encoded or not (RFC 6749 §2.3.1)`, async ({
        t,
      }) => {
        const res = await post(t, `${path}?${query}`, valid);
        expect(res.statusCode).toBe(400);
        expect(res.json()).toMatchObject({ error: 'invalid_request' });
        expect(description(res)).toMatch(/^credentials must be sent in the request body, never in the URL/);
        // The value is a secret: the answer names the parameter only.
        expect(res.body).not.toContain('=x');
        expect(res.headers['cache-control']).toBe('no-store');
      });
    }

    it(`${path}?foo=bar&baz: an unknown parameter in the URL is refused, named, and told where it belongs`, async ({
      t,
    }) => {
      const res = await post(t, `${path}?foo=bar&baz`, valid);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid_request' });
      expect(description(res)).toBe(
        'parameters in the URL are not read here (foo, baz); send them in the application/x-www-form-urlencoded request body',
      );
    });
  }

  it('a parameter the body also holds is refused in the URL too (/token?grant_type=…)', async ({ t }) => {
    const res = await post(t, '/token?grant_type=client_credentials', CLIENT_CREDENTIALS);
    expect(res.statusCode).toBe(400);
    expect(description(res)).toContain('(grant_type)');
  });

  it('an empty query (a bare "?") holds no parameter and is answered as without one', async ({ t }) => {
    expect((await post(t, '/token?', CLIENT_CREDENTIALS)).statusCode).toBe(200);
  });

  it('a URL holding many names lists five and counts the rest', async ({ t }) => {
    const names = Array.from({ length: 12 }, (_, i) => `p${String(i)}=1`).join('&');
    const res = await post(t, `/token?${names}`, CLIENT_CREDENTIALS);
    expect(res.statusCode).toBe(400);
    expect(description(res)).toContain('(p0, p1, p2, p3, p4 and 7 more)');
  });
});

describe('the refusal is in the active vendor words', () => {
  const iehr = sandboxTest({ profile: 'iehr' });

  iehr(
    'iEHR: POST /oauth2/token?foo=bar with a valid body is {"error":"invalid_request"}, 400',
    async ({ t }) => {
      const params = { grant_type: 'client_credentials' };
      expect((await post(t, '/oauth2/token', params)).statusCode).toBe(200);
      const res = await post(t, '/oauth2/token?foo=bar', params);
      expect(res.statusCode).toBe(400);
      // The iEHR sample error has no description (docs/profiles.md, "iEHR").
      expect(res.json()).toEqual({ error: 'invalid_request' });
      const secret = await post(t, '/oauth2/token?client%5Fsecret=x', params);
      expect(secret.statusCode).toBe(400);
      expect(secret.json()).toEqual({ error: 'invalid_request' });
    },
  );

  const medirecords = sandboxTest({ profile: 'medirecords' });

  medirecords(
    'MediRecords: a valid code redemption with ?foo=bar is 400 invalid_request naming foo, and still redeemable',
    async ({ t }) => {
      const { code } = await authorize(t.app, { aud: undefined }, '/oauth/smartauth/authorize');
      const params = {
        grant_type: 'authorization_code',
        code: code ?? '',
        redirect_uri: REDIRECT,
        code_verifier: VERIFIER,
        client_id: 'conf-app',
      };
      const res = await post(t, '/oauth/smartauth/token?foo=bar', params);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({
        error: 'invalid_request',
        error_description:
          'parameters in the URL are not read here (foo); send them in the application/x-www-form-urlencoded request body',
      });
      // Refused before anything was consumed: the same code still redeems from the body.
      expect((await post(t, '/oauth/smartauth/token', params)).statusCode).toBe(200);
    },
  );
});

describe('a query-or-body profile reads the URL and the body as one request (docs/endpoints.md#request-parsing)', () => {
  const queryOrBody = sandboxTest({
    profile: 'smart-query',
    profiles: [{ name: 'smart-query', extends: 'smart', parameterLocation: 'query-or-body' }],
  });
  const TOKEN = '/token';

  queryOrBody(
    'an empty parameter in one place is omitted (RFC 6749 §3.1), so the other place may send it',
    async ({ t }) => {
      for (const [url, params] of [
        [`${TOKEN}?scope=`, CLIENT_CREDENTIALS],
        [`${TOKEN}?scope=system%2F*.rs`, { grant_type: 'client_credentials', scope: '' }],
      ] as const) {
        const res = await post(t, url, params);
        expect(res.statusCode, res.body).toBe(200);
      }
    },
  );

  queryOrBody('a name with a value in both places is sent twice, and refused', async ({ t }) => {
    const res = await post(t, `${TOKEN}?scope=system%2F*.rs`, CLIENT_CREDENTIALS);
    expect(res.statusCode).toBe(400);
    expect(description(res)).toBe('parameter scope was sent more than once');
  });
});
