import { describe, expect } from 'vitest';
import { decodeJwt } from 'jose';
import { basic, fullCodeFlow, postForm, sandboxTest, type TestSandbox } from '../helpers/sandbox.js';

const it = sandboxTest();

const auth = { authorization: basic('conf-app', 's3cret') };
const introspect = (t: TestSandbox, token: string, headers: Record<string, string> = auth) =>
  postForm(t.app, '/introspect', { token }, headers);

describe('RFC 7662 introspection', () => {
  it('describes an active access token like the token response did (RFC 7662 §2.2)', async ({ t }) => {
    const tokens = await fullCodeFlow(t.app);
    const res = await introspect(t, String(tokens['access_token']));
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json<Record<string, unknown>>();
    expect(body).toMatchObject({
      active: true,
      scope: tokens['scope'],
      client_id: 'conf-app',
      patient: 'pat-1',
      sub: 'Practitioner/prac-1',
      token_type: 'Bearer',
    });
    expect(body['exp']).toBe(Math.floor(t.clock.now() / 1000) + 3600);
  });

  it('describes an active refresh token', async ({ t }) => {
    const tokens = await fullCodeFlow(t.app);
    expect((await introspect(t, String(tokens['refresh_token']))).json()).toMatchObject({
      active: true,
      token_type: 'refresh_token',
      client_id: 'conf-app',
    });
  });

  it('answers exactly {"active": false} for bogus and expired tokens (RFC 7662 §2.2)', async ({ t }) => {
    expect((await introspect(t, 'bogus')).json()).toEqual({ active: false });
    const tokens = await fullCodeFlow(t.app);
    t.clock.advance(3601_000);
    expect((await introspect(t, String(tokens['access_token']))).json()).toEqual({ active: false });
  });

  it('requires client authentication (RFC 7662 §2.1) and the token parameter', async ({ t }) => {
    const noAuth = await introspect(t, 'x', {});
    expect(noAuth.statusCode).toBe(401);
    expect(noAuth.json()).toMatchObject({ error: 'invalid_client' });
    const noToken = await postForm(t.app, '/introspect', {}, auth);
    expect(noToken.statusCode).toBe(400);
    expect(noToken.json()).toMatchObject({ error: 'invalid_request' });
  });
});

describe('RFC 7009 revocation', () => {
  it('revokes a refresh token and the access tokens of its grant (RFC 7009 §2.1)', async ({ t }) => {
    const tokens = await fullCodeFlow(t.app);
    const res = await postForm(
      t.app,
      '/revoke',
      { token: String(tokens['refresh_token']), token_type_hint: 'access_token' },
      auth,
    );
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    expect((await introspect(t, String(tokens['access_token']))).json()).toEqual({ active: false });
    expect((await introspect(t, String(tokens['refresh_token']))).json()).toEqual({ active: false });
  });

  it('revokes a JWT access token so that it introspects as inactive (RFC 7009 §2)', async ({ t }) => {
    const tokens = await fullCodeFlow(t.app);
    expect(
      (await postForm(t.app, '/revoke', { token: String(tokens['access_token']) }, auth)).statusCode,
    ).toBe(200);
    expect((await introspect(t, String(tokens['access_token']))).json()).toEqual({ active: false });
    // The grant itself lives on: its refresh token still works.
    expect((await introspect(t, String(tokens['refresh_token']))).json()).toMatchObject({ active: true });
  });

  it('answers 200 to a garbage token (RFC 7009 §2.2)', async ({ t }) => {
    expect((await postForm(t.app, '/revoke', { token: 'garbage' }, auth)).statusCode).toBe(200);
  });

  it("does not revoke another client's token (RFC 7009 §2.1)", async ({ t }) => {
    const tokens = await fullCodeFlow(t.app);
    const res = await postForm(t.app, '/revoke', {
      token: String(tokens['refresh_token']),
      client_id: 'post-app',
      client_secret: 's3cret',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_request' });
    expect((await introspect(t, String(tokens['refresh_token']))).json()).toMatchObject({ active: true });
  });
});

describe('OpenID Connect userinfo', () => {
  it('answers a valid bearer token with sub and fhirUser', async ({ t }) => {
    const tokens = await fullCodeFlow(t.app);
    const res = await t.app.inject({
      url: '/userinfo',
      headers: { authorization: `Bearer ${String(tokens['access_token'])}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      sub: 'Practitioner/prac-1',
      fhirUser: 'http://127.0.0.1:9710/fhir/Practitioner/prac-1',
    });
  });

  it('carries the profile claims the id_token carries, and an absolute fhirUser is not prefixed twice', async ({
    sandboxWith,
  }) => {
    for (const fhirUser of ['Practitioner/prac-2', 'http://127.0.0.1:9710/fhir/Practitioner/prac-2']) {
      const t = await sandboxWith({ launch: { fhirUser } });
      const tokens = await fullCodeFlow(t.app, { scope: 'openid fhirUser profile' });
      const idToken = decodeJwt(String(tokens['id_token']));
      expect(idToken['fhirUser']).toBe('http://127.0.0.1:9710/fhir/Practitioner/prac-2');
      expect(idToken['name']).toBe('Miguel A. Santos');
      const res = await t.app.inject({
        url: '/userinfo',
        headers: { authorization: `Bearer ${String(tokens['access_token'])}` },
      });
      expect(res.json()).toMatchObject({
        fhirUser: 'http://127.0.0.1:9710/fhir/Practitioner/prac-2',
        name: 'Miguel A. Santos',
      });
    }
  });

  it('answers a missing or revoked token with 401 and a Bearer challenge (RFC 6750 §3.1)', async ({ t }) => {
    const none = await t.app.inject({ url: '/userinfo' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe(
      'Bearer realm="token-sandbox", error="invalid_token", error_description="no bearer token was sent"',
    );
    const tokens = await fullCodeFlow(t.app);
    await postForm(t.app, '/revoke', { token: String(tokens['access_token']) }, auth);
    const revoked = await t.app.inject({
      url: '/userinfo',
      headers: { authorization: `Bearer ${String(tokens['access_token'])}` },
    });
    expect(revoked.statusCode).toBe(401);
    expect(revoked.headers['www-authenticate']).toContain('error="invalid_token"');
  });
});
