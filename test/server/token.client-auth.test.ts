import { describe, expect } from 'vitest';
import { authorize, basic, postForm, redeem, REDIRECT, VERIFIER, sandboxTest } from '../helpers/sandbox.js';

const it = sandboxTest({
  clients: [
    {
      clientId: 'odd:id+%',
      clientSecret: 'p@ss:word+%/',
      redirectUris: [REDIRECT],
      grantTypes: ['client_credentials'],
      scope: 'system/*.rs',
    },
    {
      clientId: 'conf-app',
      clientSecret: 's3cret',
      redirectUris: [REDIRECT],
      scope: 'openid system/*.rs',
      grantTypes: ['authorization_code', 'client_credentials'],
    },
    {
      clientId: 'post-app',
      clientSecret: 's3cret',
      tokenEndpointAuthMethod: 'client_secret_post',
      grantTypes: ['client_credentials'],
      scope: 'system/*.rs',
    },
    { clientId: 'public-app', redirectUris: [REDIRECT], scope: 'openid' },
  ],
});

const cc = { grant_type: 'client_credentials', scope: 'system/*.rs' };

describe('RFC 6749 §2.3: client authentication at the token endpoint', () => {
  it('answers a wrong Basic secret with 401 invalid_client and a Basic challenge (RFC 6749 §5.2)', async ({
    t,
  }) => {
    const res = await postForm(t.app, '/token', cc, { authorization: basic('conf-app', 'wrong') });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'invalid_client' });
    expect(res.headers['www-authenticate']).toBe('Basic realm="token-sandbox"');
  });

  it('answers a wrong client_secret_post secret with 401 and no challenge (RFC 6749 §5.2)', async ({ t }) => {
    const res = await postForm(t.app, '/token', { ...cc, client_id: 'post-app', client_secret: 'nope' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'invalid_client' });
    expect(res.headers['www-authenticate']).toBeUndefined();
  });

  it('answers an unknown client with 401 invalid_client (RFC 6749 §5.2)', async ({ t }) => {
    const res = await postForm(t.app, '/token', cc, { authorization: basic('ghost', 'x') });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('refuses credentials sent two ways with invalid_request (RFC 6749 §2.3)', async ({ t }) => {
    const res = await postForm(
      t.app,
      '/token',
      { ...cc, client_secret: 's3cret' },
      { authorization: basic('conf-app', 's3cret') },
    );
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('form-decodes Basic credentials as RFC 6749 appendix B says (RFC 6749 §2.3.1)', async ({ t }) => {
    const res = await postForm(t.app, '/token', cc, { authorization: basic('odd:id+%', 'p@ss:word+%/') });
    expect(res.statusCode).toBe(200);
  });

  it('refuses a malformed Basic header (docs/endpoints.md#client-authentication)', async ({ t }) => {
    for (const header of ['Basic !!!', `Basic ${Buffer.from('no-colon').toString('base64')}`, 'Bearer abc']) {
      const res = await postForm(t.app, '/token', cc, { authorization: header });
      expect(res.statusCode, header).toBe(401);
      expect(res.json()).toMatchObject({ error: 'invalid_client' });
    }
  });

  it('refuses a public client that sends a secret (docs/endpoints.md#client-authentication)', async ({
    t,
  }) => {
    const { code } = await authorize(t.app, { client_id: 'public-app', scope: 'openid' });
    const res = await redeem(t.app, code ?? '', { client_id: 'public-app', client_secret: 'x' }, {});
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('refuses a secret in the query string (RFC 6749 §2.3.1)', async ({ t }) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/token?client_secret=s3cret',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=client_credentials&client_id=post-app',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('refuses a confidential client that sends no credentials (docs/endpoints.md#client-authentication)', async ({
    t,
  }) => {
    const res = await postForm(t.app, '/token', { ...cc, client_id: 'conf-app' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('refuses the registered client using another method than the one it registered', async ({ t }) => {
    const res = await postForm(t.app, '/token', { ...cc, client_id: 'conf-app', client_secret: 's3cret' });
    expect(res.statusCode).toBe(401);
    expect(res.json<{ error_description: string }>().error_description).toContain(
      'registered for client_secret_basic',
    );
  });

  it('lets a public client redeem its code with client_id alone', async ({ t }) => {
    const { code } = await authorize(t.app, { client_id: 'public-app', scope: 'openid' });
    const res = await postForm(t.app, '/token', {
      grant_type: 'authorization_code',
      code,
      client_id: 'public-app',
      redirect_uri: REDIRECT,
      code_verifier: VERIFIER,
    });
    expect(res.statusCode).toBe(200);
  });

  it('refuses an unknown grant type and a grant the client is not allowed (RFC 6749 §5.2)', async ({ t }) => {
    const unknown = await postForm(
      t.app,
      '/token',
      { grant_type: 'password' },
      { authorization: basic('conf-app', 's3cret') },
    );
    expect(unknown.json()).toMatchObject({ error: 'unsupported_grant_type' });
    const missing = await postForm(t.app, '/token', {}, { authorization: basic('conf-app', 's3cret') });
    expect(missing.json()).toMatchObject({ error: 'invalid_request' });
    const notAllowed = await postForm(
      t.app,
      '/token',
      { grant_type: 'refresh_token', refresh_token: 'x' },
      { authorization: basic('conf-app', 's3cret') },
    );
    expect(notAllowed.json()).toMatchObject({ error: 'unauthorized_client' });
  });
});
