import { afterEach, describe, expect, it } from 'vitest';
import { decodeProtectedHeader, exportJWK, type JSONWebKeySet } from 'jose';
import { startRs256KeyGeneration } from '../../server/keys/early-key.js';
import { KeyRing, type StoredKeys } from '../../server/keys/key-ring.js';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSandbox, type TestSandbox, clientCredentials } from '../helpers/sandbox.js';

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
    // No keys handed in: the sandbox generates its own while it starts.
    t = await startSandbox({}, { signingKeys: { keys: [] } });
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

describe('signing keys handed to the server factory', () => {
  async function tokenKid(sandbox: TestSandbox): Promise<string | undefined> {
    const res = await clientCredentials(sandbox.app, 'conf-app', 's3cret');
    const token = String(res.json<Record<string, unknown>>()['access_token']);
    return decodeProtectedHeader(token).kid;
  }

  it('signs with the keys it is given and publishes them, generating none', async () => {
    const ring = await KeyRing.load(undefined);
    const given = await ring.signingKey('RS256');
    t = await startSandbox({}, { signingKeys: ring.toStored() });
    expect(await tokenKid(t)).toBe(given.kid);
    const keys = (await t.app.inject({ url: '/.well-known/jwks.json' })).json<JSONWebKeySet>();
    expect(keys.keys.map((k) => k.kid)).toEqual([given.kid]);
  });

  it("keeps a data folder's own keys over the ones it is given, and stores the given ones in a new folder", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'token-sandbox-keys-'));
    try {
      const first = await KeyRing.load(undefined);
      const firstKey = await first.signingKey('RS256');
      t = await startSandbox({}, { dataDir: dir, signingKeys: first.toStored() });
      expect(await tokenKid(t)).toBe(firstKey.kid);
      const kept = JSON.parse(await readFile(path.join(dir, 'keys.json'), 'utf8')) as StoredKeys;
      expect(kept.keys.map((k) => k.jwk.kid)).toEqual([firstKey.kid]);
      await t.app.close();

      const other = await KeyRing.load(undefined);
      await other.signingKey('RS256');
      t = await startSandbox({}, { dataDir: dir, signingKeys: other.toStored() });
      expect(await tokenKid(t)).toBe(firstKey.kid);
    } finally {
      await t?.app.close();
      t = undefined;
      await rm(dir, { recursive: true, force: true });
    }
  });
});
