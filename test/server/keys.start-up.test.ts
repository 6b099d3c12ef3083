import { afterEach, describe, expect, it } from 'vitest';
import { exportJWK, type JSONWebKeySet } from 'jose';
import { startRs256KeyGeneration } from '../../server/keys/early-key.js';
import { KeyRing } from '../../server/keys/key-ring.js';
import { startSandbox, type TestSandbox } from '../helpers/sandbox.js';

let t: TestSandbox | undefined;
afterEach(async () => {
  await t?.app.close();
  t = undefined;
});

describe('start-up does not wait for the signing key', () => {
  it('shares one key between requests that arrive while it is being generated', async () => {
    const ring = await KeyRing.load(undefined);
    const [a, b] = await Promise.all([ring.signingKey('RS256'), ring.signingKey('RS256')]);
    expect(a.kid).toBe(b.kid);
    expect(ring.publicJwks().keys).toHaveLength(1);
  });

  it('publishes the active key in the JWKS even when it is the first thing asked for', async () => {
    t = await startSandbox();
    const keys = (await t.app.inject({ url: '/.well-known/jwks.json' })).json<JSONWebKeySet>();
    expect(keys.keys).toHaveLength(1);
    expect(keys.keys[0]).toMatchObject({ alg: 'RS256', kty: 'RSA', use: 'sig' });
    expect(keys.keys[0]).not.toHaveProperty('d');
  });

  it('takes the RS256 key whose generation the command started before loading the server', async () => {
    const early = startRs256KeyGeneration();
    const ring = await KeyRing.load(undefined, early);
    const key = await ring.signingKey('RS256');
    const earlyPublic = await exportJWK((await early).publicKey);
    expect(key.publicJwk.n).toBe(earlyPublic.n);
    expect(ring.publicJwks().keys).toHaveLength(1);
  });

  it('leaves the early RS256 key unused when the server signs with ES256', async () => {
    const early = startRs256KeyGeneration();
    const ring = await KeyRing.load(undefined, early);
    const key = await ring.signingKey('ES256');
    expect(key.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
    expect(ring.publicJwks().keys).toHaveLength(1);
  });
});
