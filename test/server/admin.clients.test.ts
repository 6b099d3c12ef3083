import { describe, expect } from 'vitest';
import {
  admin,
  basic,
  clientCredentials,
  ORIGIN,
  postForm,
  sandboxTest,
  getJson,
} from '../helpers/sandbox.js';

const it = sandboxTest();

const backend = {
  clientId: 'backend',
  clientSecret: 'b4ckend-secret',
  grantTypes: ['client_credentials'],
  scope: 'system/*.rs',
};

describe('admin API: clients (docs/admin-api.md#clients)', () => {
  it('registers a client that can get a token at once', async ({ t }) => {
    const created = await admin(t.app, 'POST', '/clients', backend);
    expect(created.statusCode).toBe(201);
    expect(created.headers.location).toBe('/_sandbox/api/clients/backend');
    expect(created.json()).toEqual(backend);
    expect((await clientCredentials(t.app, 'backend', 'b4ckend-secret')).statusCode).toBe(200);
    expect((await admin(t.app, 'GET', '/clients/backend')).json()).toEqual(backend);
  });

  it('refuses to register a client_id twice with 409', async ({ t }) => {
    const res = await admin(t.app, 'POST', '/clients', { ...backend, clientId: 'conf-app' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: 'conflict', field: 'clientId' });
  });

  it.for([
    [{ ...backend, clientId: 7 }, 'clientId'],
    [{ ...backend, redirectUri: 'http://x/cb' }, 'redirectUri'],
    [{ ...backend, grantTypes: ['implicit'] }, 'grantTypes[0]'],
    [{ ...backend, clientSecret: undefined, tokenEndpointAuthMethod: 'client_secret_basic' }, 'clientSecret'],
    [{ ...backend, clientSecret: undefined }, 'grantTypes'],
    [{ ...backend, grantTypes: ['authorization_code'] }, 'redirectUris'],
    [{ ...backend, redirectUris: ['not a url'] }, 'redirectUris[0]'],
    [{ ...backend, accessTokenLifetime: 0 }, 'accessTokenLifetime'],
    [{ clientSecret: 'x' }, 'clientId'],
  ])('refuses an invalid client with 400 naming the field (%#)', async ([body, field], { t }) => {
    const res = await admin(t.app, 'POST', '/clients', body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_input', field });
    expect(res.json<{ message: string }>().message).toContain(field);
    expect((await admin(t.app, 'GET', '/clients')).json<{ clients: unknown[] }>().clients).toHaveLength(3);
  });

  it('refuses a body that is not JSON with 400', async ({ t }) => {
    const res = await admin(t.app, 'POST', '/clients', '{"clientId":');
    expect(res.statusCode).toBe(400);
  });

  it('refuses __proto__ in a body (docs/admin-api.md#guard)', async ({ t }) => {
    const res = await admin(t.app, 'POST', '/clients', '{"clientId":"x","__proto__":{"admin":true}}');
    expect(res.statusCode).toBe(400);
  });

  it('replaces a client with PUT; the old secret stops working', async ({ t }) => {
    const res = await admin(t.app, 'PUT', '/clients/conf-app', {
      ...backend,
      clientId: 'conf-app',
      clientSecret: 'n3w',
    });
    expect(res.statusCode).toBe(200);
    expect((await clientCredentials(t.app, 'conf-app', 's3cret')).statusCode).toBe(401);
    expect((await clientCredentials(t.app, 'conf-app', 'n3w')).statusCode).toBe(200);
  });

  it('creates a client with PUT (201)', async ({ t }) => {
    const res = await admin(t.app, 'PUT', '/clients/backend', backend);
    expect(res.statusCode).toBe(201);
  });

  it('refuses a PUT whose body names another client', async ({ t }) => {
    const res = await admin(t.app, 'PUT', '/clients/other', backend);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: 'clientId' });
  });

  it('deletes a client: it can no longer authenticate; a second delete is 404', async ({ t }) => {
    expect((await admin(t.app, 'DELETE', '/clients/conf-app')).statusCode).toBe(204);
    expect((await admin(t.app, 'DELETE', '/clients/conf-app')).statusCode).toBe(404);
    expect((await admin(t.app, 'GET', '/clients/conf-app')).statusCode).toBe(404);
    const res = await clientCredentials(t.app, 'conf-app', 's3cret', { params: {} });
    expect(res.statusCode).toBe(401);
  });
});

describe('admin API: config export and import (docs/config.md, docs/admin-api.md#config)', () => {
  it('exports the whole document, with clients added since start and armed failures', async ({ t }) => {
    await admin(t.app, 'POST', '/clients', backend);
    await admin(t.app, 'POST', '/failures', { id: 'token.server_error', times: 2 });
    const res = await admin(t.app, 'GET', '/config');
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ clients: { clientId: string }[]; failures: unknown[] }>();
    expect(doc.clients.map((c) => c.clientId)).toEqual(['conf-app', 'post-app', 'public-app', 'backend']);
    expect(doc.failures).toEqual([{ id: 'token.server_error', times: 2 }]);
  });

  it('imports a document: clients, settings and failures are replaced together', async ({ t }) => {
    const doc = {
      profile: 'smart',
      clients: [backend],
      tokens: { accessTokenLifetime: 120 },
      failures: [{ id: 'token.invalid_scope', times: 1 }],
    };
    const res = await admin(t.app, 'PUT', '/config', doc);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual(doc);
    expect((await clientCredentials(t.app)).statusCode).toBe(401);
    expect((await clientCredentials(t.app, 'backend', 'b4ckend-secret')).json()).toMatchObject({
      error: 'invalid_scope',
    });
    const token = await clientCredentials(t.app, 'backend', 'b4ckend-secret');
    expect(token.json()).toMatchObject({ expires_in: 120 });
    expect((await admin(t.app, 'GET', '/config')).json()).toEqual({ ...doc, failures: undefined });
  });

  it('refuses an invalid document with 400 naming the path, and changes nothing', async ({ t }) => {
    const res = await admin(t.app, 'PUT', '/config', {
      clients: [backend, { ...backend, grantTypes: ['password'] }],
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: 'clients[1].grantTypes[0]' });
    const dup = await admin(t.app, 'PUT', '/config', { clients: [backend, backend] });
    expect(dup.json()).toMatchObject({ field: 'clients[1].clientId' });
    expect((await clientCredentials(t.app)).statusCode).toBe(200);
  });

  it('switches the profile at once: the new vendor path answers, the old one is gone', async ({ t }) => {
    const res = await admin(t.app, 'PUT', '/config', {
      profile: 'iehr',
      clients: [
        { clientId: 'svc', clientSecret: 'x', grantTypes: ['client_credentials'], scope: 'system/*.rs' },
      ],
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ profile: 'iehr' });
    const auth = { authorization: basic('svc', 'x') };
    const iehr = await postForm(t.app, '/oauth2/token', { grant_type: 'client_credentials' }, auth);
    expect(iehr.statusCode).toBe(200);
    expect((await postForm(t.app, '/token', { grant_type: 'client_credentials' }, auth)).statusCode).toBe(
      404,
    );
    const discovery = await getJson(t.app, '/.well-known/smart-configuration');
    expect(discovery['token_endpoint']).toBe(`${ORIGIN}/oauth2/token`);
  });
});

describe('admin API: clock skew', () => {
  it('shifts every issued iat and exp by the offset', async ({ t }) => {
    const before = (await clientCredentials(t.app)).json<{ access_token: string }>().access_token;
    const put = await admin(t.app, 'PUT', '/clock', { offsetSeconds: -300 });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ offsetSeconds: -300 });
    const after = (await clientCredentials(t.app)).json<{ access_token: string }>().access_token;
    const iat = (jwt: string) =>
      (JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as { iat: number }).iat;
    expect(iat(before) - iat(after)).toBe(300);
    expect((await admin(t.app, 'GET', '/clock')).json()).toMatchObject({ offsetSeconds: -300 });
  });

  it('refuses a non-integer offset naming the field', async ({ t }) => {
    const res = await admin(t.app, 'PUT', '/clock', { offsetSeconds: 'soon' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: 'offsetSeconds' });
  });
});

describe('admin API: what the active profile cannot serve a client', () => {
  it('lists each client with its warnings, computed for the active profile', async ({ sandboxWith }) => {
    const t = await sandboxWith({ profile: 'medirecords' });
    const listed = (await admin(t.app, 'GET', '/clients')).json<{
      clients: { clientId: string; warnings: string[] }[];
    }>().clients;
    const conf = listed.find((c) => c.clientId === 'conf-app');
    expect(conf?.warnings).toEqual([
      'grant refresh_token, client_credentials is not served by the medirecords profile (it serves authorization_code); such requests get unsupported_grant_type',
      'scope offline_access online_access asks for a refresh token, which the medirecords profile does not issue (no refresh_token grant)',
      'scope system/*.rs needs the client_credentials grant, which the medirecords profile does not serve',
    ]);
    // A client read alone is exactly what was registered, so it can be sent back with PUT unchanged.
    const one = await admin(t.app, 'GET', '/clients/conf-app');
    expect(one.json()).not.toHaveProperty('warnings');
    expect((await admin(t.app, 'PUT', '/clients/conf-app', one.json())).statusCode).toBe(200);
  });

  it('warns about a client_credentials client without system/ scopes, whose every token request is refused', async ({
    t,
  }) => {
    // What the Clients view's "New client" form registers when only "Client credentials" is ticked.
    const created = await admin(t.app, 'POST', '/clients', {
      clientId: 'my-backend',
      clientSecret: 'b4ckend-secret',
      redirectUris: ['http://localhost:3000/callback'],
      grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
      scope: 'openid fhirUser launch launch/patient patient/*.rs offline_access',
    });
    expect(created.statusCode).toBe(201);
    const listed = (await admin(t.app, 'GET', '/clients')).json<{
      clients: { clientId: string; warnings: string[] }[];
    }>().clients;
    expect(listed.find((c) => c.clientId === 'my-backend')?.warnings).toEqual([
      'grant client_credentials: the smart profile grants it only system/ scopes (SMART Backend Services) and this client has none, so every client_credentials request is refused with invalid_scope; add system/*.rs to its scope',
    ]);
    const refused = await clientCredentials(t.app, 'my-backend', 'b4ckend-secret');
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ error: 'invalid_scope' });
  });

  it('has no warnings for a client the profile serves in full', async ({ t }) => {
    const listed = (await admin(t.app, 'GET', '/clients')).json<{
      clients: { clientId: string; warnings: string[] }[];
    }>().clients;
    expect(listed.map((c) => [c.clientId, c.warnings])).toEqual([
      ['conf-app', []],
      ['post-app', []],
      ['public-app', []],
    ]);
  });
});
