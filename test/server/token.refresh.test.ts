import { describe, expect } from 'vitest';
import { decodeJwt } from 'jose';
import {
  basic,
  fullCodeFlow,
  postForm,
  REDIRECT,
  sandboxTest,
  type TestSandbox,
} from '../helpers/sandbox.js';

const it = sandboxTest();

const auth = { authorization: basic('conf-app', 's3cret') };
/** The confidential test client, with only the scopes a code flow with refresh needs. */
const refreshingClient = {
  clientId: 'conf-app',
  clientSecret: 's3cret',
  redirectUris: [REDIRECT],
  scope: 'openid launch/patient patient/*.rs offline_access fhirUser',
};

async function refresh(
  t: TestSandbox,
  token: string,
  extra: Record<string, string> = {},
  headers: Record<string, string> = auth,
) {
  return postForm(t.app, '/token', { grant_type: 'refresh_token', refresh_token: token, ...extra }, headers);
}

describe('RFC 6749 §6 and RFC 9700 §4.14.2: refreshing', () => {
  it('answers a refresh without scope with the original scope and a rotated token (RFC 6749 §6)', async ({
    t,
  }) => {
    const first = await fullCodeFlow(t.app);
    const res = await refresh(t, String(first['refresh_token']));
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json<Record<string, unknown>>();
    expect(body['scope']).toBe(first['scope']);
    expect(body['refresh_token']).not.toBe(first['refresh_token']);
    expect(body['patient']).toBe('pat-1');
  });

  it('refuses a refresh that widens scope and allows one that narrows it (RFC 6749 §6)', async ({ t }) => {
    const first = await fullCodeFlow(t.app);
    const wider = await refresh(t, String(first['refresh_token']), { scope: 'openid user/*.rs' });
    expect(wider.statusCode).toBe(400);
    expect(wider.json()).toMatchObject({ error: 'invalid_scope' });
    const narrower = await refresh(t, String(first['refresh_token']), { scope: 'openid offline_access' });
    expect(narrower.json()).toMatchObject({ scope: 'openid offline_access' });
    // The narrowed refresh does not shrink the grant: the next refresh gets the original scope back.
    const again = await refresh(t, narrower.json<{ refresh_token: string }>().refresh_token);
    expect(again.json<{ scope: string }>().scope).toBe(first['scope']);
  });

  it('refuses a refresh token presented by another client (RFC 6749 §10.4)', async ({ t }) => {
    const first = await fullCodeFlow(t.app);
    const res = await refresh(
      t,
      String(first['refresh_token']),
      { client_id: 'post-app', client_secret: 's3cret' },
      {},
    );
    expect(res.json()).toMatchObject({ error: 'invalid_grant' });
    expect(res.json<{ error_description: string }>().error_description).toContain('another client');
  });

  it('revokes the whole family when a rotated refresh token is reused (RFC 9700 §4.14.2)', async ({ t }) => {
    const first = await fullCodeFlow(t.app);
    const rt1 = String(first['refresh_token']);
    const second = (await refresh(t, rt1)).json<{ refresh_token: string; access_token: string }>();
    const reuse = await refresh(t, rt1);
    expect(reuse.statusCode).toBe(400);
    expect(reuse.json<{ error_description: string }>().error_description).toContain(
      'revoked the whole grant',
    );
    const rt2 = await refresh(t, second.refresh_token);
    expect(rt2.json()).toMatchObject({ error: 'invalid_grant' });
    const introspection = await postForm(t.app, '/introspect', { token: second.access_token }, auth);
    expect(introspection.json()).toEqual({ active: false });
  });

  it('lets only one of two concurrent refreshes with the same token win (docs/endpoints.md#refresh-token)', async ({
    t,
  }) => {
    const first = await fullCodeFlow(t.app);
    const results = await Promise.all([
      refresh(t, String(first['refresh_token'])),
      refresh(t, String(first['refresh_token'])),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 400]);
  });

  it('refuses a bogus, a revoked and an expired refresh token (docs/endpoints.md#refresh-token)', async ({
    t,
  }) => {
    expect((await refresh(t, 'bogus')).json()).toMatchObject({ error: 'invalid_grant' });

    const a = await fullCodeFlow(t.app);
    await postForm(t.app, '/revoke', { token: String(a['refresh_token']) }, auth);
    expect((await refresh(t, String(a['refresh_token']))).json()).toMatchObject({ error: 'invalid_grant' });

    const b = await fullCodeFlow(t.app);
    t.clock.advance(31 * 24 * 3600 * 1000);
    const expired = await refresh(t, String(b['refresh_token']));
    expect(expired.json<{ error_description: string }>().error_description).toContain('expired');
  });

  it('returns an id_token with the same sub and aud, a new iat and no nonce (OpenID Connect Core §12.2)', async ({
    t,
  }) => {
    const first = await fullCodeFlow(t.app);
    t.clock.advance(5_000);
    const body = (await refresh(t, String(first['refresh_token']))).json<{ id_token: string }>();
    const before = decodeJwt(String(first['id_token']));
    const after = decodeJwt(body.id_token);
    expect(after.sub).toBe(before.sub);
    expect(after.aud).toBe(before.aud);
    expect(after['auth_time']).toBe(before['auth_time']);
    expect(after.iat).toBeGreaterThan(before.iat ?? 0);
    expect(after['nonce']).toBeUndefined();
  });

  it('keeps the token when a client has rotation off, and reuse then is fine', async ({ sandboxWith }) => {
    const t = await sandboxWith({
      clients: [{ ...refreshingClient, refreshTokenRotation: false }],
    });
    const first = await fullCodeFlow(t.app);
    const a = await refresh(t, String(first['refresh_token']));
    const b = await refresh(t, String(first['refresh_token']));
    expect(a.json<{ refresh_token: string }>().refresh_token).toBe(first['refresh_token']);
    expect(b.statusCode).toBe(200);
  });

  it('refuses reuse without revoking the family when reuse detection is off', async ({ sandboxWith }) => {
    const t = await sandboxWith({
      clients: [{ ...refreshingClient, refreshTokenReuseDetection: false }],
    });
    const first = await fullCodeFlow(t.app);
    const second = (await refresh(t, String(first['refresh_token']))).json<{ refresh_token: string }>();
    expect((await refresh(t, String(first['refresh_token']))).json()).toMatchObject({
      error: 'invalid_grant',
    });
    expect((await refresh(t, second.refresh_token)).statusCode).toBe(200);
  });
});
