import { describe, expect } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildServer } from '../../server/app.js';
import { fullCodeFlow, ORIGIN, postForm, basic, sandboxTest } from '../helpers/sandbox.js';

const it = sandboxTest();

describe('discovery (SMART App Launch 2.2, OpenID Connect Discovery)', () => {
  it('serves the SMART configuration as JSON whatever the Accept header (docs/endpoints.md#discovery)', async ({
    t,
  }) => {
    for (const url of ['/.well-known/smart-configuration', '/fhir/.well-known/smart-configuration']) {
      const res = await t.app.inject({ url, headers: { accept: 'text/html' } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const doc = res.json<Record<string, unknown>>();
      expect(doc['code_challenge_methods_supported']).toEqual(['S256']);
      expect(doc['grant_types_supported']).toEqual([
        'authorization_code',
        'refresh_token',
        'client_credentials',
      ]);
      expect(doc['capabilities']).toEqual(expect.arrayContaining(['sso-openid-connect', 'client-public']));
    }
  });

  it('lists absolute endpoint URLs under the exact issuer (docs/endpoints.md#discovery)', async ({ t }) => {
    const doc = (await t.app.inject({ url: '/.well-known/openid-configuration' })).json<
      Record<string, unknown>
    >();
    expect(doc).toMatchObject({
      issuer: ORIGIN,
      authorization_endpoint: `${ORIGIN}/authorize`,
      token_endpoint: `${ORIGIN}/token`,
      jwks_uri: `${ORIGIN}/.well-known/jwks.json`,
      introspection_endpoint: `${ORIGIN}/introspect`,
      revocation_endpoint: `${ORIGIN}/revoke`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    });
  });

  it('publishes public key members only (docs/endpoints.md#jwks)', async ({ t }) => {
    const jwks = (await t.app.inject({ url: '/.well-known/jwks.json' })).json<{
      keys: Record<string, unknown>[];
    }>();
    expect(jwks.keys).toHaveLength(1);
    const [key] = jwks.keys;
    expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(typeof key?.['kid']).toBe('string');
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(key?.[member]).toBeUndefined();
  });

  it('signs with ES256 when configured, and says so', async ({ sandboxWith }) => {
    const t = await sandboxWith({ tokens: { signingAlg: 'ES256' } });
    const doc = (await t.app.inject({ url: '/.well-known/openid-configuration' })).json<
      Record<string, unknown>
    >();
    expect(doc['id_token_signing_alg_values_supported']).toEqual(['ES256']);
    const tokens = await fullCodeFlow(t.app);
    const header = JSON.parse(
      Buffer.from(String(tokens['access_token']).split('.')[0] ?? '', 'base64url').toString(),
    ) as {
      alg: string;
    };
    expect(header.alg).toBe('ES256');
  });
});

describe('signing keys in the data folder', () => {
  it('keeps keys across restarts, so tokens issued before a restart still introspect as active', async ({
    t,
  }) => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'sandbox-keys-'));
    const config = t.app.sandbox.config;
    const first = await buildServer({ config, dataDir, origin: ORIGIN });
    const tokens = await fullCodeFlow(first);
    const jwksBefore = (await first.inject({ url: '/.well-known/jwks.json' })).body;
    await first.close();
    const stored = JSON.parse(await readFile(path.join(dataDir, 'keys.json'), 'utf8')) as { keys: unknown[] };
    expect(stored.keys).toHaveLength(1);

    const second = await buildServer({ config, dataDir, origin: ORIGIN });
    expect((await second.inject({ url: '/.well-known/jwks.json' })).body).toBe(jwksBefore);
    const res = await postForm(
      second,
      '/introspect',
      { token: String(tokens['access_token']) },
      { authorization: basic('conf-app', 's3cret') },
    );
    expect(res.json()).toMatchObject({ active: true });
    await second.close();
  });

  it('refuses to start on a damaged key file and leaves it untouched', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'sandbox-keys-'));
    await writeFile(path.join(dataDir, 'keys.json'), '{"keys": [', { mode: 0o600 });
    await expect(buildServer({ dataDir })).rejects.toThrow(/keys\.json is not valid JSON .* left untouched/);
    expect(await readFile(path.join(dataDir, 'keys.json'), 'utf8')).toBe('{"keys": [');
  });
});
