import { describe, expect } from 'vitest';
import { decodeProtectedHeader, exportJWK, type JSONWebKeySet } from 'jose';
import { startRs256KeyGeneration } from '../../server/keys/early-key.js';
import { KeyRing, type StoredKeys } from '../../server/keys/key-ring.js';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  clientCredentials,
  getJson,
  sandboxTest,
  startSandbox,
  type TestSandbox,
} from '../helpers/sandbox.js';

const it = sandboxTest();

describe('start-up does not wait for the signing key', () => {
  it('shares one key between requests that arrive while it is being generated', async () => {
    const ring = await KeyRing.load(undefined);
    const [a, b] = await Promise.all([ring.signingKey('RS256'), ring.signingKey('RS256')]);
    expect(a.kid).toBe(b.kid);
    expect(ring.publicJwks().keys).toHaveLength(1);
  });

  it('publishes the active key in the JWKS even when it is the first thing asked for', async ({
    sandboxWith,
  }) => {
    // No keys handed in: the sandbox generates its own while it starts.
    const t = await sandboxWith({}, { signingKeys: { keys: [] } });
    const keys = await getJson<JSONWebKeySet>(t.app, '/.well-known/jwks.json');
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

  it('signs with the keys it is given and publishes them, generating none', async ({ sandboxWith }) => {
    const ring = await KeyRing.load(undefined);
    const given = await ring.signingKey('RS256');
    const t = await sandboxWith({}, { signingKeys: ring.toStored() });
    expect(await tokenKid(t)).toBe(given.kid);
    const keys = await getJson<JSONWebKeySet>(t.app, '/.well-known/jwks.json');
    expect(keys.keys.map((k) => k.kid)).toEqual([given.kid]);
  });

  it("keeps a data folder's own keys over the ones it is given, and stores the given ones in a new folder", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'token-sandbox-keys-'));
    try {
      const first = await KeyRing.load(undefined);
      const firstKey = await first.signingKey('RS256');
      // Each sandbox is closed before the next opens the folder, and before the folder is removed.
      const before = await startSandbox({}, { dataDir: dir, signingKeys: first.toStored() });
      try {
        expect(await tokenKid(before)).toBe(firstKey.kid);
        const kept = JSON.parse(await readFile(path.join(dir, 'keys.json'), 'utf8')) as StoredKeys;
        expect(kept.keys.map((k) => k.jwk.kid)).toEqual([firstKey.kid]);
      } finally {
        await before.app.close();
      }

      const other = await KeyRing.load(undefined);
      await other.signingKey('RS256');
      const after = await startSandbox({}, { dataDir: dir, signingKeys: other.toStored() });
      try {
        expect(await tokenKid(after)).toBe(firstKey.kid);
      } finally {
        await after.app.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
