import { describe, expect } from 'vitest';
import { authorize, fhirGet, postForm, sandboxTest, type TestSandbox } from '../helpers/sandbox.js';

const APP = 'http://localhost:3000';
const it = sandboxTest();

function preflight(t: TestSandbox, url: string, method = 'POST', headers = 'content-type') {
  return t.app.inject({
    method: 'OPTIONS',
    url,
    headers: {
      origin: APP,
      'access-control-request-method': method,
      'access-control-request-headers': headers,
    },
  });
}

describe('CORS for browser apps (SMART App Launch 2.2; RFC 9700 §2.6)', () => {
  it('opens discovery under the root and the FHIR base, and the JWKS (docs/endpoints.md#cors)', async ({
    t,
  }) => {
    for (const url of [
      '/.well-known/smart-configuration',
      '/fhir/.well-known/smart-configuration',
      '/.well-known/openid-configuration',
      '/.well-known/jwks.json',
      '/fhir/metadata',
    ]) {
      const res = await t.app.inject({ url, headers: { origin: APP } });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['access-control-allow-origin'], url).toBe(APP);
      expect(String(res.headers.vary), url).toContain('Origin');
    }
  });

  it('answers a token endpoint preflight, and its errors carry CORS headers too (docs/endpoints.md#cors)', async ({
    t,
  }) => {
    const pre = await preflight(t, '/token');
    expect(pre.statusCode).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe(APP);
    expect(pre.headers['access-control-allow-methods']).toContain('POST');
    expect(pre.headers['access-control-allow-headers']).toBe('content-type');
    const res = await postForm(
      t.app,
      '/token',
      { grant_type: 'authorization_code', code: 'nope' },
      {
        origin: APP,
      },
    );
    expect(res.statusCode).toBe(401);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
  });

  it('opens the FHIR base and exposes WWW-Authenticate to the app on a 401', async ({ t }) => {
    const pre = await preflight(t, '/fhir/Patient/pat-1', 'GET', 'authorization');
    expect(pre.statusCode).toBe(204);
    expect(pre.headers['access-control-allow-headers']).toBe('authorization');
    const res = await fhirGet(t.app, 'Patient/pat-1', undefined, { origin: APP });
    expect(res.statusCode).toBe(401);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['access-control-expose-headers']).toContain('WWW-Authenticate');
  });

  it('never answers CORS at the authorization endpoint (RFC 9700 §2.6)', async ({ t }) => {
    const pre = await preflight(t, '/authorize', 'GET');
    expect(pre.statusCode).toBe(404);
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    const res = await t.app.inject({ url: '/authorize?client_id=conf-app', headers: { origin: APP } });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const { response } = await authorize(t.app);
    expect(response.statusCode).toBe(302);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('keeps introspection closed to browsers (a resource server call)', async ({ t }) => {
    const pre = await preflight(t, '/introspect');
    expect(pre.statusCode).toBe(404);
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
  });
});
