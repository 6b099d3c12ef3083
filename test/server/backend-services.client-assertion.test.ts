import { createServer, type Server } from 'node:http';
import { createSecretKey, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { base64url, exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { LightMyRequestResponse } from 'fastify';
import type { SandboxConfig } from '../../server/config/schema.js';
import { fhirGet, ORIGIN, postForm, startSandbox, type TestSandbox } from '../helpers/sandbox.js';

const TOKEN_URL = `${ORIGIN}/token`;
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

interface Pair {
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  /** RFC 7517 §4.1: `kty` is required (jose types it as optional). */
  readonly jwk: JWK & { readonly kty: string };
}

async function pair(alg: string, kid: string, options: { crv?: string } = {}): Promise<Pair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...options });
  return { privateKey, publicKey, jwk: { kty: '', ...(await exportJWK(publicKey)), kid } };
}

let rsa: Pair;
let rsa256: Pair;
let pss: Pair;
let ec384: Pair;
let ec256: Pair;
let stranger: Pair;
let jwksServer: Server;
let jwksUri: string;

beforeAll(async () => {
  [rsa, rsa256, pss, ec384, ec256, stranger] = await Promise.all([
    pair('RS384', 'rsa-1'),
    pair('RS256', 'rsa-256'),
    pair('PS384', 'rsa-1'),
    pair('ES384', 'ec-384'),
    pair('ES256', 'ec-256'),
    pair('RS384', 'rsa-1'),
  ]);
  jwksServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [rsa.jwk] }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  jwksUri = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
});
afterAll(async () => {
  await new Promise((resolve) => jwksServer.close(resolve));
});

let t: TestSandbox;
afterEach(async () => {
  await t.app.close();
});

async function start(config: SandboxConfig = {}): Promise<void> {
  t = await startSandbox({
    clients: [
      {
        clientId: 'backend',
        grantTypes: ['client_credentials'],
        scope: 'system/Observation.rs system/Patient.r',
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: { keys: [rsa.jwk, rsa256.jwk, ec384.jwk, ec256.jwk] },
      },
      {
        clientId: 'backend-uri',
        grantTypes: ['client_credentials'],
        scope: 'system/*.rs',
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwksUri,
      },
      {
        clientId: 'backend-2',
        grantTypes: ['client_credentials'],
        scope: 'system/*.rs',
        jwks: { keys: [rsa.jwk] },
      },
    ],
    ...config,
  });
}

interface AssertionOptions {
  readonly alg?: string;
  readonly kid?: string | undefined;
  readonly key?: CryptoKey | Uint8Array | ReturnType<typeof createSecretKey>;
  readonly claims?: Record<string, unknown>;
  readonly omit?: readonly string[];
}

async function assertion(options: AssertionOptions = {}): Promise<string> {
  const now = Math.floor(t.clock.now() / 1000);
  const all: Record<string, unknown> = {
    iss: 'backend',
    sub: 'backend',
    aud: TOKEN_URL,
    exp: now + 240,
    iat: now,
    jti: randomUUID(),
    ...options.claims,
  };
  const omit = options.omit ?? [];
  const claims = Object.fromEntries(Object.entries(all).filter(([name]) => !omit.includes(name)));
  const kid = 'kid' in options ? options.kid : 'rsa-1';
  return new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? 'RS384', typ: 'JWT', ...(kid === undefined ? {} : { kid }) })
    .sign(options.key ?? rsa.privateKey);
}

function tokenRequest(
  clientAssertion: string,
  extra: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return postForm(t.app, '/token', {
    grant_type: 'client_credentials',
    client_assertion_type: JWT_BEARER,
    client_assertion: clientAssertion,
    scope: 'system/Observation.rs',
    ...extra,
  });
}

async function expectRejected(res: LightMyRequestResponse, contains: string): Promise<void> {
  expect(res.statusCode).toBe(401);
  expect(res.json()).toMatchObject({ error: 'invalid_client' });
  expect(res.json<{ error_description: string }>().error_description).toContain(contains);
}

describe('SMART Backend Services: client_credentials with private_key_jwt (default: aud = token URL)', () => {
  it('issues a system access token without a refresh token, that reads the FHIR base (docs/endpoints.md#client-credentials-and-backend-services)', async () => {
    await start();
    const res = await tokenRequest(await assertion());
    expect(res.statusCode).toBe(200);
    const body = res.json<Record<string, unknown>>();
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'system/Observation.rs' });
    expect(body['refresh_token']).toBeUndefined();
    expect(body['id_token']).toBeUndefined();
    const read = await fhirGet(t.app, 'Observation?patient=pat-2', String(body['access_token']));
    expect(read.statusCode).toBe(200);
  });

  it.each([
    ['RS384', 'rsa-1'],
    ['RS256', 'rsa-256'],
    ['ES384', 'ec-384'],
    ['ES256', 'ec-256'],
  ])('accepts %s assertions', async (alg, kid) => {
    await start();
    const keys: Record<string, Pair> = { 'rsa-1': rsa, 'rsa-256': rsa256, 'ec-384': ec384, 'ec-256': ec256 };
    const key = keys[kid]?.privateKey ?? rsa.privateKey;
    expect((await tokenRequest(await assertion({ alg, kid, key }))).statusCode).toBe(200);
  });

  it('refuses a replayed jti (RFC 7523 §3)', async () => {
    await start();
    const jwt = await assertion();
    expect((await tokenRequest(jwt)).statusCode).toBe(200);
    await expectRejected(await tokenRequest(jwt), 'jti was already used');
  });

  it('lets exactly one of ten concurrent uses of one assertion win (docs/endpoints.md#client-credentials-and-backend-services)', async () => {
    await start();
    const jwt = await assertion();
    const results = await Promise.all(Array.from({ length: 10 }, () => tokenRequest(jwt)));
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);
    expect(results.filter((r) => r.statusCode === 401)).toHaveLength(9);
  });

  it('refuses exp an hour ahead, in milliseconds, missing or past (RFC 7523 §3)', async () => {
    await start();
    const now = Math.floor(t.clock.now() / 1000);
    await expectRejected(
      await tokenRequest(await assertion({ claims: { exp: now + 3600 } })),
      'more than 300',
    );
    await expectRejected(
      await tokenRequest(await assertion({ claims: { exp: now * 1000 } })),
      'milliseconds',
    );
    await expectRejected(await tokenRequest(await assertion({ omit: ['exp'] })), 'exp claim is missing');
    await expectRejected(await tokenRequest(await assertion({ claims: { exp: now - 120 } })), 'expired');
  });

  it('refuses an aud other than the token URL, or one shared with another audience (RFC 7523 §3)', async () => {
    await start();
    await expectRejected(
      await tokenRequest(await assertion({ claims: { aud: 'https://other.example/token' } })),
      `aud must be the token URL ${TOKEN_URL}`,
    );
    await expectRejected(await tokenRequest(await assertion({ claims: { aud: ORIGIN } })), 'aud must be');
    await expectRejected(
      await tokenRequest(await assertion({ claims: { aud: [TOKEN_URL, 'https://evil.example'] } })),
      'only audience',
    );
  });

  it('refuses iss different from sub, an unknown iss, and a body client_id that differs (RFC 7523 §3)', async () => {
    await start();
    await expectRejected(
      await tokenRequest(await assertion({ claims: { sub: 'backend-2' } })),
      'iss and sub must both be the client_id',
    );
    await expectRejected(
      await tokenRequest(await assertion({ claims: { iss: 'ghost', sub: 'ghost' } })),
      'is not registered',
    );
    await expectRejected(
      await tokenRequest(await assertion(), { client_id: 'backend-2' }),
      'client_id differs from the client_assertion iss',
    );
  });

  it('refuses an assertion without jti (RFC 7523 §3)', async () => {
    await start();
    await expectRejected(await tokenRequest(await assertion({ omit: ['jti'] })), 'jti claim is missing');
  });

  it('refuses an unknown client_assertion_type (RFC 7521 §4.2)', async () => {
    await start();
    const res = await tokenRequest(await assertion(), { client_assertion_type: 'not_an_assertion_type' });
    await expectRejected(res, 'client_assertion_type must be');
  });

  it('refuses an unregistered key, an unknown kid, a missing kid and a kid whose kty does not fit alg (docs/endpoints.md#client-credentials-and-backend-services)', async () => {
    await start();
    await expectRejected(
      await tokenRequest(await assertion({ key: stranger.privateKey })),
      'the signature does not verify',
    );
    await expectRejected(await tokenRequest(await assertion({ kid: 'nope' })), 'no registered key matches');
    await expectRejected(await tokenRequest(await assertion({ kid: undefined })), 'has no kid');
    await expectRejected(
      await tokenRequest(await assertion({ alg: 'ES384', kid: 'rsa-1', key: ec384.privateKey })),
      'no registered key matches',
    );
  });

  it('refuses alg none, HS256 keyed with the public key, and algorithms not offered (RFC 8725 §3.1)', async () => {
    await start();
    const now = Math.floor(t.clock.now() / 1000);
    const enc = (o: unknown) => base64url.encode(JSON.stringify(o));
    const claims = { iss: 'backend', sub: 'backend', aud: TOKEN_URL, exp: now + 240, jti: randomUUID() };
    const none = `${enc({ alg: 'none', kid: 'rsa-1', typ: 'JWT' })}.${enc(claims)}.`;
    await expectRejected(await tokenRequest(none), 'alg none is not accepted');
    const pem = await exportSPKI(rsa.publicKey);
    const confused = await assertion({ alg: 'HS256', key: createSecretKey(Buffer.from(pem)) });
    await expectRejected(await tokenRequest(confused), 'alg HS256 is not accepted');
    const ps = await assertion({ alg: 'PS384', key: pss.privateKey });
    await expectRejected(await tokenRequest(ps), 'alg PS384 is not accepted');
  });

  it('refuses a malformed assertion and a header that decodes to JSON null (docs/endpoints.md#client-credentials-and-backend-services)', async () => {
    await start();
    await expectRejected(await tokenRequest('abc.def'), 'not a well-formed JWT');
    const enc = (o: unknown) => base64url.encode(JSON.stringify(o));
    await expectRejected(
      await tokenRequest(`${enc(null)}.${enc({ iss: 'backend' })}.c2ln`),
      'not a well-formed JWT',
    );
  });

  it('refuses a scope beyond the pre-authorized one, and one that breaks the scope grammar (RFC 6749 §3.3)', async () => {
    await start();
    const beyond = await tokenRequest(await assertion(), { scope: 'system/Condition.rs' });
    expect(beyond.statusCode).toBe(400);
    expect(beyond.json()).toMatchObject({ error: 'invalid_scope' });
    const grammar = await tokenRequest(await assertion(), { scope: 'system/Observation.rs "x"' });
    expect(grammar.statusCode).toBe(400);
    expect(grammar.json()).toMatchObject({ error: 'invalid_scope' });
  });

  it('verifies keys registered by jwksUri as well as inline jwks (docs/config.md#clients)', async () => {
    await start();
    const jwt = await assertion({ claims: { iss: 'backend-uri', sub: 'backend-uri' } });
    const res = await tokenRequest(jwt, { scope: 'system/Patient.rs' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ scope: 'system/Patient.rs' });
  });
});

describe('RFC 10070 strict audience (tokens.assertionAudience = "issuer-strict")', () => {
  it('accepts the issuer as the sole audience, as a string', async () => {
    await start({ tokens: { assertionAudience: 'issuer-strict' } });
    expect((await tokenRequest(await assertion({ claims: { aud: ORIGIN } }))).statusCode).toBe(200);
  });

  it('refuses the token URL, an array holding the issuer, and an extra audience (RFC 10070)', async () => {
    await start({ tokens: { assertionAudience: 'issuer-strict' } });
    await expectRejected(await tokenRequest(await assertion()), `the issuer ${ORIGIN} as its only audience`);
    await expectRejected(await tokenRequest(await assertion({ claims: { aud: [ORIGIN] } })), 'not an array');
    await expectRejected(
      await tokenRequest(await assertion({ claims: { aud: [ORIGIN, 'https://evil.example'] } })),
      'aud must be',
    );
  });
});
