import { afterEach, describe, expect, it } from 'vitest';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import type { FastifyInstance } from 'fastify';
import { KeyRing } from '../../server/keys/key-ring.js';
import { SigningPool } from '../../server/keys/signing-pool.js';
import {
  FHIR_BASE,
  fullCodeFlow,
  ORIGIN,
  startSandbox,
  type TestSandbox,
  clientCredentials,
} from '../helpers/sandbox.js';

let t: TestSandbox | undefined;
afterEach(async () => {
  await t?.app.close();
  t = undefined;
});

async function jwks(app: FastifyInstance): Promise<JSONWebKeySet> {
  return (await app.inject({ url: '/.well-known/jwks.json' })).json<JSONWebKeySet>();
}

async function clientCredentialsToken(app: FastifyInstance): Promise<string> {
  const res = await clientCredentials(app, 'conf-app', 's3cret');
  expect(res.statusCode).toBe(200);
  return String(res.json<Record<string, unknown>>()['access_token']);
}

function pool(app: FastifyInstance): SigningPool {
  const p = app.sandbox.signingPool;
  if (p === undefined) throw new Error('the sandbox was built without a signing pool');
  return p;
}

describe('tokens signed by the signing workers', () => {
  for (const alg of ['RS256', 'ES256'] as const) {
    it(`${alg}: a client_credentials access token signed in a worker verifies against the JWKS with jose`, async () => {
      t = await startSandbox({ tokens: { signingAlg: alg } }, { signingWorkers: 1 });
      await pool(t.app).start();
      const token = await clientCredentialsToken(t.app);
      expect(pool(t.app).signatures).toBe(1);
      const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(await jwks(t.app)), {
        issuer: ORIGIN,
        audience: FHIR_BASE,
        typ: 'at+jwt',
        algorithms: [alg],
        currentDate: new Date(t.clock.now()),
      });
      const published = (await jwks(t.app)).keys.find((k) => k.alg === alg);
      expect(protectedHeader).toEqual({ alg, kid: published?.kid, typ: 'at+jwt' });
      expect(payload).toMatchObject({ client_id: 'conf-app', sub: 'conf-app', scope: 'system/*.rs' });
      expect(payload.exp).toBe(Number(payload.iat) + 3600);
    });
  }

  it('signs the id_token of a code flow in a worker too, and it verifies as an OIDC id_token', async () => {
    t = await startSandbox({ tokens: { signingAlg: 'ES256' } }, { signingWorkers: 2 });
    await pool(t.app).start();
    const body = await fullCodeFlow(t.app);
    expect(pool(t.app).signatures).toBe(2);
    const keys = createLocalJWKSet(await jwks(t.app));
    const id = await jwtVerify(String(body['id_token']), keys, {
      issuer: ORIGIN,
      audience: 'conf-app',
      typ: 'JWT',
      currentDate: new Date(t.clock.now()),
    });
    expect(id.payload).toMatchObject({ nonce: 'n0nce', fhirUser: `${FHIR_BASE}/Practitioner/prac-1` });
    await expect(
      jwtVerify(String(body['access_token']), keys, { typ: 'at+jwt', currentDate: new Date(t.clock.now()) }),
    ).resolves.toBeDefined();
  });

  it('signs on the event loop with jose while the workers are still starting', async () => {
    t = await startSandbox({}, { signingWorkers: 1 });
    const token = await clientCredentialsToken(t.app);
    expect(pool(t.app).signatures).toBe(0);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
    await expect(
      jwtVerify(token, createLocalJWKSet(await jwks(t.app)), { currentDate: new Date(t.clock.now()) }),
    ).resolves.toBeDefined();
  });

  it('builds no pool unless asked: buildServer signs on the event loop by default', async () => {
    t = await startSandbox();
    expect(t.app.sandbox.signingPool).toBeUndefined();
  });
});

describe('the signing pool shuts down', () => {
  it('closing the app stops every worker; later signing falls back to the event loop', async () => {
    t = await startSandbox({}, { signingWorkers: 2 });
    const p = pool(t.app);
    await p.start();
    expect(p.readyWorkers).toBe(2);
    await t.app.close();
    t = undefined;
    expect(p.readyWorkers).toBe(0);
    const key = await (await KeyRing.load(undefined)).signingKey('ES256');
    expect(p.sign(key, 'e30.e30')).toBeUndefined();
  });

  it('rejects a signature still in flight when the pool closes', async () => {
    const p = new SigningPool(1);
    await p.start();
    const key = await (await KeyRing.load(undefined)).signingKey('RS256');
    const pending = p.sign(key, 'e30.e30');
    expect(pending).toBeDefined();
    const rejected = expect(pending).rejects.toThrow('the signing pool was closed');
    await p.close();
    await rejected;
  });

  it('refuses a pool without workers', () => {
    expect(() => new SigningPool(0)).toThrow(RangeError);
  });
});
