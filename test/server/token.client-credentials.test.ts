import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import type { Exchange } from '../../server/exchanges/exchange.js';
import {
  admin,
  ORIGIN,
  postForm,
  startSandbox,
  type TestSandbox,
  clientCredentials,
} from '../helpers/sandbox.js';

let t: TestSandbox;
afterEach(async () => {
  await t.app.close();
});

describe('RFC 6749 §4.4: client credentials with a client secret', () => {
  beforeEach(async () => {
    t = await startSandbox();
  });

  it('issues an access token and no refresh or id token (RFC 6749 §4.4.3)', async () => {
    const res = await clientCredentials(t.app, 'conf-app', 's3cret', {
      params: { scope: 'system/Observation.rs' },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json<Record<string, unknown>>();
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'system/Observation.rs' });
    expect(body['refresh_token']).toBeUndefined();
    expect(body['id_token']).toBeUndefined();
    expect(decodeJwt(String(body['access_token'])).sub).toBe('conf-app');
  });

  it('grants the client scopes that need no user or patient when none is asked', async () => {
    const res = await clientCredentials(t.app, 'conf-app', 's3cret', { params: {} });
    expect(res.json<{ scope: string }>().scope).toBe('system/*.rs');
  });

  it('refuses patient/ and user/ scopes, naming the system/ scopes to ask for (SMART Backend Services)', async () => {
    const res = await clientCredentials(t.app, 'conf-app', 's3cret', {
      params: { scope: 'patient/*.rs user/Observation.rs' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_scope' });
    const description = res.json<{ error_description: string }>().error_description;
    expect(description).toContain('client_credentials cannot grant patient/*.rs user/Observation.rs');
    expect(description).toContain('ask for system/*.rs system/Observation.rs instead');
    // The client may have system/*.rs, so nothing needs adding to its registration.
    expect(description).not.toContain('add ');
  });

  it('says which system/ scopes to add when the client has none', async () => {
    await t.app.close();
    t = await startSandbox({
      clients: [
        { clientId: 'ehr-app', clientSecret: 'x', grantTypes: ['client_credentials'], scope: 'patient/*.rs' },
      ],
    });
    const res = await clientCredentials(t.app, 'ehr-app', 'x', { params: { scope: 'patient/*.rs' } });
    expect(res.json<{ error_description: string }>().error_description).toContain(
      "ask for system/*.rs instead (and add system/*.rs to client ehr-app's scope)",
    );
    const none = await clientCredentials(t.app, 'ehr-app', 'x', { params: {} });
    expect(none.statusCode).toBe(400);
    expect(none.json<{ error_description: string }>().error_description).toContain(
      'client ehr-app has no scope a client_credentials token can carry; add system/ scopes',
    );
  });

  it('refuses a scope the client was not given (RFC 6749 §3.3)', async () => {
    const res = await clientCredentials(t.app, 'conf-app', 's3cret', { params: { scope: 'system/*.cruds' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_scope' });
  });

  it('refuses a scope that breaks the scope-token grammar (RFC 6749 §3.3)', async () => {
    const res = await clientCredentials(t.app, 'conf-app', 's3cret', { params: { scope: 'system/"x' } });
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

  it('accepts a valid ES384 assertion (docs/endpoints.md#client-credentials-and-backend-services)', async () => {
    const res = await request(await assertion());
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ scope: 'system/Observation.rs', token_type: 'Bearer' });
  });

  it('refuses the same assertion twice (RFC 7523 §3)', async () => {
    const jwt = await assertion();
    expect((await request(jwt)).statusCode).toBe(200);
    const replay = await request(jwt);
    expect(replay.statusCode).toBe(401);
    expect(replay.json<{ error_description: string }>().error_description).toContain('jti was already used');
  });

  it('refuses an assertion whose exp is more than five minutes ahead (docs/endpoints.md#client-credentials-and-backend-services)', async () => {
    const res = await request(await assertion({}, 3600));
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'invalid_client' });
  });
});

describe('client_credentials scopes under a vendor profile', () => {
  it('iEHR grants an enabled patient/ scope and ignores one not enabled, saying so in the verdict', async () => {
    t = await startSandbox({
      profile: 'iehr',
      clients: [
        {
          clientId: 'iehr-app',
          clientSecret: 'x',
          grantTypes: ['client_credentials'],
          scope: 'patient/*.rs',
        },
      ],
    });
    const res = await clientCredentials(t.app, 'iehr-app', 'x', {
      path: '/oauth2/token',
      params: { scope: 'patient/*.rs system/*.rs' },
    });
    expect(res.statusCode).toBe(200);
    expect(decodeJwt(res.json<{ access_token: string }>().access_token)['scope']).toBe('patient/*.rs');
    const log = await admin(t.app, 'GET', '/exchanges');
    const entry = log.json<{ exchanges: Exchange[] }>().exchanges.at(-1);
    expect(entry?.verdict.summary).toContain('scope ignored, not enabled for client iehr-app: system/*.rs');
  });
});
