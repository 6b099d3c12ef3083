import { describe, expect } from 'vitest';
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet } from 'jose';
import {
  authorize,
  basic,
  fullCodeFlow,
  ORIGIN,
  FHIR_BASE,
  postForm,
  redeem,
  sandboxTest,
} from '../helpers/sandbox.js';
import { atHash } from '../../server/tokens/mint.js';

const it = sandboxTest();

describe('RFC 6749 §4.1.3 + RFC 7636 §4.6: exchanging a code', () => {
  it('answers the RFC 7636 appendix B vector with tokens and no-store headers (RFC 7636 appendix B, RFC 6749 §5.1)', async ({
    t,
  }) => {
    const { code } = await authorize(t.app);
    const res = await redeem(t.app, code ?? '');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json<Record<string, unknown>>();
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, patient: 'pat-1' });
    expect(body['scope']).toBe('openid fhirUser launch/patient patient/*.rs offline_access');
    expect(typeof body['access_token']).toBe('string');
    expect(typeof body['refresh_token']).toBe('string');
  });

  it('signs an RS256 id_token with iss, aud, nonce, at_hash and fhirUser that verifies against the JWKS (docs/endpoints.md#id-token)', async ({
    t,
  }) => {
    const body = await fullCodeFlow(t.app);
    const jwks = (await t.app.inject({ url: '/.well-known/jwks.json' })).json<JSONWebKeySet>();
    const { payload, protectedHeader } = await jwtVerify(String(body['id_token']), createLocalJWKSet(jwks), {
      issuer: ORIGIN,
      audience: 'conf-app',
      currentDate: new Date(t.clock.now()),
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload['nonce']).toBe('n0nce');
    expect(payload['at_hash']).toBe(atHash(String(body['access_token'])));
    expect(payload['fhirUser']).toBe(`${FHIR_BASE}/Practitioner/prac-1`);
    expect(Number.isInteger(payload.iat)).toBe(true);
  });

  it('issues a JWT access token for the FHIR base whose exp - iat equals expires_in (docs/endpoints.md#token-response)', async ({
    t,
  }) => {
    const body = await fullCodeFlow(t.app);
    const claims = decodeJwt(String(body['access_token']));
    expect(claims.aud).toBe(FHIR_BASE);
    expect(claims['client_id']).toBe('conf-app');
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(body['expires_in']);
  });

  it('refuses a code without its code_verifier (RFC 7636 §4.6)', async ({ t }) => {
    const { code } = await authorize(t.app);
    const res = await redeem(t.app, code ?? '', { code_verifier: undefined });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_grant' });
    expect(res.json<{ error_description: string }>().error_description).toContain('code_verifier is missing');
  });

  it('refuses a wrong verifier, and the failed attempt burns the code (RFC 7636 §4.6, docs/endpoints.md#authorization-code)', async ({
    t,
  }) => {
    const { code } = await authorize(t.app);
    const wrong = await redeem(t.app, code ?? '', { code_verifier: 'x'.repeat(43) });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toMatchObject({ error: 'invalid_grant' });
    expect(wrong.json<{ error_description: string }>().error_description).toContain(
      'PKCE verification failed',
    );
    const retry = await redeem(t.app, code ?? '');
    expect(retry.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses a malformed verifier with invalid_request (RFC 7636 §4.1)', async ({ t }) => {
    const { code } = await authorize(t.app);
    const res = await redeem(t.app, code ?? '', { code_verifier: 'short' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('refuses a replayed code and revokes the tokens issued from it (RFC 6749 §4.1.2)', async ({ t }) => {
    const { code } = await authorize(t.app);
    const first = await redeem(t.app, code ?? '');
    expect(first.statusCode).toBe(200);
    const replay = await redeem(t.app, code ?? '');
    expect(replay.statusCode).toBe(400);
    expect(replay.json<{ error_description: string }>().error_description).toContain('already used');
    const introspection = await postForm(
      t.app,
      '/introspect',
      { token: first.json<{ access_token: string }>().access_token },
      { authorization: basic('conf-app', 's3cret') },
    );
    expect(introspection.json()).toEqual({ active: false });
    const refresh = await postForm(
      t.app,
      '/token',
      { grant_type: 'refresh_token', refresh_token: first.json<{ refresh_token: string }>().refresh_token },
      { authorization: basic('conf-app', 's3cret') },
    );
    expect(refresh.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('lets exactly one of 20 concurrent redemptions of one code win (docs/endpoints.md#authorization-code)', async ({
    t,
  }) => {
    const { code } = await authorize(t.app);
    const results = await Promise.all(Array.from({ length: 20 }, () => redeem(t.app, code ?? '')));
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);
    expect(results.filter((r) => r.statusCode === 400)).toHaveLength(19);
  });

  it('refuses a code presented by another client (RFC 6749 §4.1.3)', async ({ t }) => {
    const { code } = await authorize(t.app);
    const res = await redeem(t.app, code ?? '', { client_id: 'post-app', client_secret: 's3cret' }, {});
    expect(res.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses a redirect_uri that differs from the one the code was issued for (RFC 6749 §4.1.3)', async ({
    t,
  }) => {
    const { code } = await authorize(t.app);
    const res = await redeem(t.app, code ?? '', { redirect_uri: 'http://127.0.0.1:5555/cb?thensome' });
    expect(res.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('requires redirect_uri when it was sent to /authorize (RFC 6749 §4.1.3)', async ({ t }) => {
    const { code } = await authorize(t.app);
    const res = await redeem(t.app, code ?? '', { redirect_uri: undefined });
    expect(res.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('refuses a code older than its 60 second lifetime (RFC 6749 §4.1.2)', async ({ t }) => {
    const { code } = await authorize(t.app);
    t.clock.advance(61_000);
    const res = await redeem(t.app, code ?? '');
    expect(res.json()).toMatchObject({ error: 'invalid_grant' });
    expect(res.json<{ error_description: string }>().error_description).toContain('expired');
  });

  it('refuses a code it never issued (docs/endpoints.md#authorization-code)', async ({ t }) => {
    const res = await redeem(t.app, 'bogus-code');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('issues no refresh token without offline_access or online_access (docs/endpoints.md#authorization-code)', async ({
    t,
  }) => {
    const body = await fullCodeFlow(t.app, { scope: 'openid launch/patient patient/*.rs' });
    expect(body['refresh_token']).toBeUndefined();
  });

  it('issues no id_token without openid (OpenID Connect Core §3.1.2.1)', async ({ t }) => {
    const body = await fullCodeFlow(t.app, { scope: 'launch/patient patient/*.rs' });
    expect(body['id_token']).toBeUndefined();
  });
});
