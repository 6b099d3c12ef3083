import { describe, expect } from 'vitest';
import {
  admin,
  armFailure,
  authorize,
  clientCredentials,
  REDIRECT,
  type TestSandbox,
  sharedSandboxTest,
} from '../helpers/sandbox.js';

const it = sharedSandboxTest(['/failures']);

describe('authorize.* failures redirect back with error= (RFC 6749 §4.1.2.1)', () => {
  it.for([
    ['authorize.access_denied', 'access_denied'],
    ['authorize.invalid_scope', 'invalid_scope'],
    ['authorize.server_error', 'server_error'],
  ])('%s → error=%s with state and iss, then the next authorization succeeds', async ([id, error], { t }) => {
    await armFailure(t.app, { id, times: 1 });
    const failed = await authorize(t.app);
    expect(failed.response.statusCode).toBe(302);
    expect(`${failed.location?.origin ?? ''}${failed.location?.pathname ?? ''}`).toBe(REDIRECT);
    expect(failed.location?.searchParams.get('error')).toBe(error);
    expect(failed.location?.searchParams.get('error_description')).not.toContain('injected');
    expect(failed.response.headers['x-sandbox-verdict']).toContain(`injected by failure mode ${id}`);
    expect(failed.location?.searchParams.get('state')).toBe('st4te');
    expect(failed.location?.searchParams.get('iss')).toBe('http://127.0.0.1:9710');
    expect(failed.code).toBeUndefined();
    const next = await authorize(t.app);
    expect(next.code).toBeDefined();
  });

  it('never redirects to an untrusted redirect_uri, and does not spend the failure on it', async ({ t }) => {
    await armFailure(t.app, { id: 'authorize.access_denied', times: 1 });
    const untrusted = await authorize(t.app, { redirect_uri: 'http://evil.example/cb' });
    expect(untrusted.response.statusCode).toBe(400);
    expect(untrusted.location).toBeUndefined();
    const next = await authorize(t.app);
    expect(next.location?.searchParams.get('error')).toBe('access_denied');
  });

  it('leaves other clients alone when scoped with clientId', async ({ t }) => {
    await armFailure(t.app, { id: 'authorize.access_denied', times: 1, clientId: 'public-app' });
    expect((await authorize(t.app)).code).toBeDefined();
    const pub = await authorize(t.app, { client_id: 'public-app' });
    expect(pub.location?.searchParams.get('error')).toBe('access_denied');
  });

  it('does not touch the token endpoint', async ({ t }) => {
    await armFailure(t.app, { id: 'authorize.server_error', times: 1 });
    expect((await clientCredentials(t.app)).statusCode).toBe(200);
    expect((await authorize(t.app)).location?.searchParams.get('error')).toBe('server_error');
  });
});

describe('fhir.* failures answer as a resource server (RFC 6750 §3.1)', () => {
  async function read(t: TestSandbox): Promise<{
    status: number;
    headers: Record<string, unknown>;
    body: Record<string, unknown>;
  }> {
    const token = (await clientCredentials(t.app)).json<{ access_token: string }>().access_token;
    const res = await t.app.inject({
      url: '/fhir/Patient/pat-1',
      headers: { authorization: `Bearer ${token}` },
    });
    return { status: res.statusCode, headers: res.headers, body: res.json() };
  }

  it('fhir.invalid_token → 401 with WWW-Authenticate, then the next read succeeds', async ({ t }) => {
    await armFailure(t.app, { id: 'fhir.invalid_token', times: 1 });
    const failed = await read(t);
    expect(failed.status).toBe(401);
    // As the FHIR base's own bearer check answers: an OperationOutcome, not OAuth JSON.
    expect(failed.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'login' }] });
    expect(failed.headers['www-authenticate']).toMatch(
      /^Bearer realm="token-sandbox", error="invalid_token"/,
    );
    expect((await read(t)).status).toBe(200);
  });

  it('fhir.insufficient_scope → 403 with WWW-Authenticate, then the next read succeeds', async ({ t }) => {
    await armFailure(t.app, { id: 'fhir.insufficient_scope', times: 1 });
    const failed = await read(t);
    expect(failed.status).toBe(403);
    expect(failed.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'forbidden' }] });
    expect(failed.headers['www-authenticate']).toContain('error="insufficient_scope"');
    expect((await read(t)).status).toBe(200);
  });

  it('scopes to the client the token was issued to', async ({ t }) => {
    await armFailure(t.app, { id: 'fhir.invalid_token', times: 1, clientId: 'someone-else' });
    expect((await read(t)).status).toBe(200);
    await armFailure(t.app, { id: 'fhir.invalid_token', times: 1, clientId: 'conf-app' });
    expect((await read(t)).status).toBe(401);
  });

  it('leaves the public CapabilityStatement alone and is marked in the exchange log', async ({ t }) => {
    const before = (await admin(t.app, 'GET', '/exchanges?limit=1')).json<{ latestSeq: number }>().latestSeq;
    await armFailure(t.app, { id: 'fhir.invalid_token', times: 1 });
    expect((await t.app.inject({ url: '/fhir/metadata' })).statusCode).toBe(200);
    expect((await read(t)).status).toBe(401);
    const log = (await admin(t.app, 'GET', `/exchanges?failure=fhir.invalid_token&since=${before}`)).json<{
      exchanges: { path: string; status: number; verdict: { summary: string } }[];
    }>();
    expect(log.exchanges.map((e) => `${e.status} ${e.path}`)).toEqual(['401 /fhir/Patient/pat-1']);
    expect(log.exchanges[0]?.verdict.summary).toContain('— RFC 6750 §3.1');
  });
});
