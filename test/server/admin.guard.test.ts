import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, startSandbox, type TestSandbox } from '../helpers/sandbox.js';

let t: TestSandbox;
beforeAll(async () => {
  t = await startSandbox();
});
afterAll(async () => {
  await t.app.close();
});

describe('admin API guard (docs/admin-api.md#guard; DNS rebinding and CSRF)', () => {
  it('answers the workbench: own Host, bearer token, JSON', async () => {
    const res = await admin(t.app, 'GET', '/clients');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json<{ clients: unknown[] }>().clients).toHaveLength(3);
  });

  it('refuses a request without the admin token with 401 and a Bearer challenge', async () => {
    const res = await admin(t.app, 'GET', '/clients', undefined, { authorization: undefined });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="token-sandbox-admin"');
    expect(res.json()).toMatchObject({ error: 'unauthorized' });
  });

  it('never runs the route of a refused request: nothing is armed or registered', async () => {
    const body = { id: 'token.server_error' };
    expect((await admin(t.app, 'POST', '/failures', body, { authorization: undefined })).statusCode).toBe(
      401,
    );
    expect((await admin(t.app, 'POST', '/failures', body, { host: 'evil.example:9710' })).statusCode).toBe(
      403,
    );
    const client = { clientId: 'x', clientSecret: 'y', grantTypes: ['client_credentials'] };
    expect(
      (await admin(t.app, 'POST', '/clients', client, { authorization: 'Bearer nope' })).statusCode,
    ).toBe(401);
    expect((await admin(t.app, 'GET', '/failures')).json<{ armed: unknown[] }>().armed).toEqual([]);
    expect((await admin(t.app, 'GET', '/clients/x')).statusCode).toBe(404);
  });

  it('refuses a wrong admin token with 401', async () => {
    const res = await admin(t.app, 'GET', '/clients', undefined, { authorization: 'Bearer not-the-token' });
    expect(res.statusCode).toBe(401);
  });

  it('refuses the token as a query parameter outside the event stream', async () => {
    const res = await admin(t.app, 'GET', '/clients?token=admin-token-for-tests', undefined, {
      authorization: undefined,
    });
    expect(res.statusCode).toBe(401);
  });

  it.each([
    'evil.example:9710',
    'evil.example',
    '127.0.0.1:9999',
    'localhost6:9710',
    '127.0.0.1.nip.io:9710',
  ])('refuses Host %s with 403 even with the right token', async (host) => {
    const res = await admin(t.app, 'GET', '/clients', undefined, { host });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ error: 'forbidden' });
    expect(res.json<{ message: string }>().message).toContain('DNS rebinding');
  });

  it.each(['127.0.0.1:9710', 'localhost:9710', '[::1]:9710', 'LOCALHOST:9710'])(
    'accepts the loopback Host %s',
    async (host) => {
      const res = await admin(t.app, 'GET', '/failures', undefined, { host });
      expect(res.statusCode).toBe(200);
    },
  );

  it('refuses a foreign Origin with 403', async () => {
    const res = await admin(
      t.app,
      'POST',
      '/failures',
      { id: 'token.server_error' },
      {
        origin: 'http://evil.example',
      },
    );
    expect(res.statusCode).toBe(403);
    expect((await admin(t.app, 'GET', '/failures')).json<{ armed: unknown[] }>().armed).toEqual([]);
  });

  it("accepts the server's own Origin in either loopback spelling", async () => {
    for (const origin of ['http://127.0.0.1:9710', 'http://localhost:9710']) {
      const res = await admin(t.app, 'GET', '/failures', undefined, { origin });
      expect(res.statusCode).toBe(200);
    }
  });

  it('sends no CORS headers, even to a preflight from a foreign page (docs/admin-api.md#guard)', async () => {
    const res = await admin(t.app, 'OPTIONS', '/clients', undefined, {
      origin: 'http://evil.example',
      'access-control-request-method': 'POST',
      authorization: undefined,
    });
    expect(res.statusCode).toBe(403);
    expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  });

  it('refuses a text/plain body: 401 without the token, 415 with it (docs/admin-api.md#guard)', async () => {
    const body = JSON.stringify({ id: 'token.server_error' });
    const anonymous = await admin(t.app, 'POST', '/failures', body, {
      'content-type': 'text/plain',
      authorization: undefined,
    });
    expect(anonymous.statusCode).toBe(401);
    const typed = await admin(t.app, 'POST', '/failures', body, { 'content-type': 'text/plain' });
    expect(typed.statusCode).toBe(415);
    expect(typed.json()).toMatchObject({ error: 'unsupported_media_type' });
  });

  it('refuses a form body with 415', async () => {
    const res = await admin(t.app, 'POST', '/failures', 'id=token.server_error', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(res.statusCode).toBe(415);
  });

  it('answers an unknown admin route with a guarded 404 in the admin shape', async () => {
    expect((await admin(t.app, 'GET', '/nothing', undefined, { authorization: undefined })).statusCode).toBe(
      401,
    );
    const res = await admin(t.app, 'GET', '/nothing');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'not_found' });
  });

  it('has no state-changing GET routes (docs/admin-api.md#guard)', async () => {
    const res = await admin(t.app, 'GET', '/failures/token.server_error');
    expect(res.statusCode).toBe(404);
  });

  it('serves the workbench page only under its own Host', async () => {
    const own = await t.app.inject({ url: '/', headers: { host: '127.0.0.1:9710' } });
    expect(own.statusCode).toBe(200);
    const foreign = await t.app.inject({ url: '/', headers: { host: 'evil.example:9710' } });
    expect(foreign.statusCode).toBe(403);
  });
});
