import { describe, expect } from 'vitest';
import { DEFAULT_EFFECTIVE_CONFIG } from '../helpers/effective-config.js';
import { admin, REDIRECT, sandboxTest } from '../helpers/sandbox.js';

const it = sandboxTest();

/** A client that says only what it must: every other field takes its default. */
const terse = { clientId: 'terse', clientSecret: 'terse-secret', redirectUris: [REDIRECT] };

describe('admin API: the values in force (docs/admin-api.md#config, docs/config.md)', () => {
  it('gives every documented default as the settings in force, while GET /config exports only what was set', async ({
    sandboxWith,
  }) => {
    const t = await sandboxWith({ clients: [] });
    const effective = await admin(t.app, 'GET', '/config/effective');
    expect(effective.statusCode).toBe(200);
    expect(effective.json()).toEqual(DEFAULT_EFFECTIVE_CONFIG);
    expect((await admin(t.app, 'GET', '/config')).json()).toEqual({ clients: [] });
  });

  it('shows a FHIR upstream in force with its secret masked, while the export keeps it so it imports back', async ({
    sandboxWith,
  }) => {
    const fhir = { upstream: 'http://127.0.0.1:9/fhir', upstreamAuthorization: 'Bearer s3cr3t-upstream' };
    const t = await sandboxWith({ clients: [], fhir, launch: { patient: 'pat-2' } });
    const effective = await admin(t.app, 'GET', '/config/effective');
    expect(effective.json()).toMatchObject({
      fhir: { fixtures: true, load: [], upstream: fhir.upstream, upstreamAuthorization: 'Bearer ****' },
      // The default encounter is the default patient's: another patient does not inherit it.
      launch: { patient: 'pat-2', fhirUser: 'Practitioner/prac-1' },
    });
    expect(effective.body).not.toContain('s3cr3t');
    expect(effective.json<{ launch: object }>().launch).not.toHaveProperty('encounter');
    expect((await admin(t.app, 'GET', '/config')).json()).toMatchObject({ fhir });
  });

  it('follows an imported config, and the exported document still imports as it is', async ({
    sandboxWith,
  }) => {
    const t = await sandboxWith({ clients: [] });
    const doc = { tokens: { accessTokenLifetime: 900 }, exchangeLog: { verdictHeader: false } };
    expect((await admin(t.app, 'PUT', '/config', doc)).statusCode).toBe(200);
    const effective = (await admin(t.app, 'GET', '/config/effective')).json<{
      tokens: { accessTokenLifetime: number; refreshTokenLifetime: number };
      exchangeLog: { verdictHeader: boolean };
    }>();
    expect(effective.tokens).toMatchObject({ accessTokenLifetime: 900, refreshTokenLifetime: 2592000 });
    expect(effective.exchangeLog.verdictHeader).toBe(false);
    const exported = (await admin(t.app, 'GET', '/config')).json<Record<string, unknown>>();
    expect(exported).toEqual({ ...doc, clients: [] });
    expect((await admin(t.app, 'PUT', '/config', exported)).json()).toEqual(exported);
  });

  it('lists each client with its values in force: the auth method its credentials imply, the server’s lifetimes', async ({
    sandboxWith,
  }) => {
    const t = await sandboxWith({
      clients: [terse, { ...terse, clientId: 'own-lifetime', accessTokenLifetime: 120 }],
      tokens: { accessTokenLifetime: 1200 },
    });
    const listed = (await admin(t.app, 'GET', '/clients')).json<{
      clients: { clientId: string; effective: Record<string, unknown> }[];
    }>().clients;
    expect(listed.find((c) => c.clientId === 'terse')?.effective).toEqual({
      authMethod: 'client_secret_basic',
      grantTypes: ['authorization_code', 'refresh_token'],
      scope:
        'openid fhirUser profile launch launch/patient launch/encounter patient/*.rs user/*.rs offline_access online_access',
      requirePkce: true,
      accessTokenLifetime: 1200,
      refreshTokenLifetime: 2592000,
      refreshTokenRotation: true,
      refreshTokenReuseDetection: true,
    });
    expect(listed.find((c) => c.clientId === 'own-lifetime')?.effective).toMatchObject({
      accessTokenLifetime: 120,
    });
    // The document itself stays as registered: read alone, it has no effective values to send back.
    const one = (await admin(t.app, 'GET', '/clients/terse')).json<Record<string, unknown>>();
    expect(one).toEqual(terse);
  });

  it('says a public client needs PKCE whatever its document says (RFC 9700 §2.1.1)', async ({
    sandboxWith,
  }) => {
    const t = await sandboxWith({
      clients: [{ clientId: 'spa', redirectUris: [REDIRECT], requirePkce: false }],
    });
    const listed = (await admin(t.app, 'GET', '/clients')).json<{
      clients: {
        clientId: string;
        requirePkce: boolean;
        effective: { authMethod: string; requirePkce: boolean };
      }[];
    }>().clients;
    expect(listed[0]).toMatchObject({
      requirePkce: false,
      effective: { authMethod: 'none', requirePkce: true },
    });
  });

  it('changes a client’s lifetimes in force when the server’s defaults change', async ({ sandboxWith }) => {
    const t = await sandboxWith({ clients: [terse] });
    const before = (await admin(t.app, 'GET', '/clients')).json<{
      clients: { effective: { accessTokenLifetime: number } }[];
    }>().clients;
    expect(before[0]?.effective.accessTokenLifetime).toBe(3600);
    const doc = (await admin(t.app, 'GET', '/config')).json<Record<string, unknown>>();
    await admin(t.app, 'PUT', '/config', { ...doc, tokens: { accessTokenLifetime: 60 } });
    const after = (await admin(t.app, 'GET', '/clients')).json<{
      clients: { effective: { accessTokenLifetime: number } }[];
    }>().clients;
    expect(after[0]?.effective.accessTokenLifetime).toBe(60);
  });
});
