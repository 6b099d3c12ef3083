import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { basic, ORIGIN, postForm, startSandbox, type TestSandbox } from '../helpers/sandbox.js';

let t: TestSandbox;
afterEach(async () => {
  await t.app.close();
});

describe('RFC 6749 §4.4: client credentials with a client secret', () => {
  beforeEach(async () => {
    t = await startSandbox();
  });
  const auth = { authorization: basic('conf-app', 's3cret') };

  it('issues an access token and no refresh or id token (B-01 shape)', async () => {
    const res = await postForm(
      t.app,
      '/token',
      { grant_type: 'client_credentials', scope: 'system/Observation.rs' },
      auth,
    );
    expect(res.statusCode).toBe(200);
    const body = res.json<Record<string, unknown>>();
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'system/Observation.rs' });
    expect(body['refresh_token']).toBeUndefined();
    expect(body['id_token']).toBeUndefined();
    expect(decodeJwt(String(body['access_token'])).sub).toBe('conf-app');
  });

  it('grants the client scopes that need no user when none is asked', async () => {
    const res = await postForm(t.app, '/token', { grant_type: 'client_credentials' }, auth);
    expect(res.json<{ scope: string }>().scope).toBe('patient/*.rs user/*.rs system/*.rs');
  });

  it('refuses a scope the client was not given (B-12)', async () => {
    const res = await postForm(
      t.app,
      '/token',
      { grant_type: 'client_credentials', scope: 'system/*.cruds' },
      auth,
    );
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_scope' });
  });

  it('refuses a scope that breaks the scope-token grammar (B-13)', async () => {
    const res = await postForm(
      t.app,
      '/token',
      { grant_type: 'client_credentials', scope: 'system/"x' },
      auth,
    );
    expect(res.json()).toMatchObject({ error: 'invalid_scope' });
  });
});

describe('SMART Backend Services: client_credentials with private_key_jwt', () => {
  const tokenUrl = `${ORIGIN}/token`;
  let privateKey: CryptoKey;

  beforeEach(async () => {
    const pair = await generateKeyPair('ES384', { extractable: true });
    privateKey = pair.privateKey;
    const jwk = { kty: '', ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES384' };
    t = await startSandbox({
      clients: [
        {
          clientId: 'backend',
          grantTypes: ['client_credentials'],
          scope: 'system/*.rs',
          jwks: { keys: [jwk] },
        },
      ],
    });
  });

  async function assertion(claims: Record<string, unknown> = {}, expiresIn = 240): Promise<string> {
    const now = Math.floor(t.clock.now() / 1000);
    return new SignJWT({ jti: crypto.randomUUID(), ...claims })
      .setProtectedHeader({ alg: 'ES384', kid: 'k1', typ: 'JWT' })
      .setIssuer('backend')
      .setSubject('backend')
      .setAudience(tokenUrl)
      .setIssuedAt(now)
      .setExpirationTime(now + expiresIn)
      .sign(privateKey);
  }

  function request(jwt: string) {
    return postForm(t.app, '/token', {
      grant_type: 'client_credentials',
      scope: 'system/Observation.rs',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: jwt,
    });
  }

  it('accepts a valid ES384 assertion (B-01)', async () => {
    const res = await request(await assertion());
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ scope: 'system/Observation.rs', token_type: 'Bearer' });
  });

  it('refuses the same assertion twice (B-02)', async () => {
    const jwt = await assertion();
    expect((await request(jwt)).statusCode).toBe(200);
    const replay = await request(jwt);
    expect(replay.statusCode).toBe(401);
    expect(replay.json<{ error_description: string }>().error_description).toContain('jti was already used');
  });

  it('refuses an assertion whose exp is more than five minutes ahead (B-04)', async () => {
    const res = await request(await assertion({}, 3600));
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'invalid_client' });
  });
});
