import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import {
  authorize,
  basic,
  postForm,
  redeem,
  REDIRECT,
  startSandbox,
  VERIFIER,
  type TestSandbox,
} from '../helpers/sandbox.js';
import type { ClientConfig } from '../../server/config/schema.js';
import { BUILT_IN_PROFILES, type BuiltInProfileName } from '../../server/profiles/profile.js';

/**
 * Discovery advertises what the active profile serves, and each thing it advertises works: every grant type
 * answers, every scope can be granted, every claim is in the id_token, and the capabilities follow from them
 * (SMART App Launch 2.2 §capabilities; OpenID Connect Discovery 1.0 §3).
 */

interface Discovery {
  grant_types_supported: string[];
  scopes_supported: string[];
  claims_supported: string[];
  capabilities: string[];
  token_endpoint_auth_methods_supported: string[];
}

describe.each(Object.keys(BUILT_IN_PROFILES) as BuiltInProfileName[])('under the %s profile', (name) => {
  const profile = BUILT_IN_PROFILES[name];
  let t: TestSandbox;
  let doc: Discovery;
  const conf = basic('all-app', 's3cret');

  beforeAll(async () => {
    const all = (await startSandbox({ profile: name })).app;
    const scopes = (await all.inject({ url: '/.well-known/smart-configuration' })).json<Discovery>()
      .scopes_supported;
    await all.close();
    // A client registered for everything the profile advertises.
    const client: ClientConfig = {
      clientId: 'all-app',
      clientSecret: 's3cret',
      redirectUris: [REDIRECT],
      grantTypes: [...profile.grantTypes],
      scope: scopes.join(' '),
      tokenEndpointAuthMethod: 'client_secret_basic',
    };
    t = await startSandbox({ profile: name, clients: [client] });
    doc = (await t.app.inject({ url: '/.well-known/smart-configuration' })).json<Discovery>();
  });
  afterAll(async () => {
    await t.app.close();
  });

  /** An authorization_code exchange for the asked scopes (the launch scope needs an EHR launch). */
  async function codeFlow(scope: string): Promise<Record<string, unknown>> {
    const { code, response } = await authorize(
      t.app,
      { client_id: 'all-app', scope, ...(profile.requireAud ? {} : { aud: undefined }) },
      profile.authorizePath,
    );
    expect(code, response.headers.location?.toString()).toBeDefined();
    const res = await redeem(
      t.app,
      code ?? '',
      { client_id: 'all-app' },
      { authorization: conf },
      profile.tokenPath,
    );
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  }
  const userScopes = () => doc.scopes_supported.filter((s) => s !== 'launch' && !s.startsWith('system/'));

  it('advertises its own grants, and each one answers', async () => {
    expect(doc.grant_types_supported).toEqual([...profile.grantTypes]);
    const body = await codeFlow(userScopes().join(' '));
    if (doc.grant_types_supported.includes('refresh_token')) {
      expect(typeof body['refresh_token']).toBe('string');
      const refreshed = await postForm(
        t.app,
        profile.tokenPath,
        { grant_type: 'refresh_token', refresh_token: String(body['refresh_token']) },
        { authorization: conf },
      );
      expect(refreshed.statusCode, refreshed.body).toBe(200);
    } else {
      // No refresh token is issued where none could be redeemed.
      expect(body['refresh_token']).toBeUndefined();
    }
    if (doc.grant_types_supported.includes('client_credentials')) {
      const system = doc.scopes_supported.filter((s) => s.startsWith('system/')).join(' ');
      const cc = await postForm(
        t.app,
        profile.tokenPath,
        { grant_type: 'client_credentials', ...(system === '' ? {} : { scope: system }) },
        { authorization: conf },
      );
      expect(cc.statusCode, cc.body).toBe(200);
    }
  });

  it('grants every scope it advertises', async () => {
    const asked = userScopes();
    const body = await codeFlow(asked.join(' '));
    const granted = String(decodeJwt(String(body['access_token']))['scope']).split(' ');
    for (const scope of asked) expect(granted, scope).toContain(scope);
    if (doc.capabilities.includes('launch-ehr')) expect(doc.scopes_supported).toContain('launch');
  });

  it('puts every claim it advertises in the id_token', async () => {
    const body = await codeFlow(userScopes().join(' '));
    const claims = decodeJwt(String(body['id_token']));
    for (const claim of doc.claims_supported) expect(Object.keys(claims), claim).toContain(claim);
  });

  it('derives each capability from what it serves', () => {
    const caps = doc.capabilities;
    const served = (scope: string) => doc.scopes_supported.includes(scope);
    expect(caps.includes('permission-offline')).toBe(served('offline_access'));
    expect(caps.includes('permission-offline')).toBe(doc.grant_types_supported.includes('refresh_token'));
    expect(caps.includes('sso-openid-connect')).toBe(served('openid'));
    expect(caps.includes('launch-ehr')).toBe(served('launch'));
    const fields: readonly string[] = profile.tokenResponse.fields;
    expect(caps.includes('context-passthrough-banner')).toBe(fields.includes('need_patient_banner'));
    expect(caps.includes('client-public')).toBe(doc.token_endpoint_auth_methods_supported.includes('none'));
    expect(caps.includes('client-confidential-asymmetric')).toBe(
      doc.token_endpoint_auth_methods_supported.includes('private_key_jwt'),
    );
  });
});

describe('MediRecords discovery (no refresh_token grant)', () => {
  it('advertises neither offline_access nor permission-offline', async () => {
    const t = await startSandbox({ profile: 'medirecords' });
    const doc = (await t.app.inject({ url: '/.well-known/smart-configuration' })).json<Discovery>();
    await t.app.close();
    expect(doc.scopes_supported).not.toContain('offline_access');
    expect(doc.scopes_supported).not.toContain('online_access');
    expect(doc.capabilities).not.toContain('permission-offline');
    expect(doc.grant_types_supported).toEqual(['authorization_code']);
  });

  it('a profile that names the profile scope serves name in the id_token', async () => {
    const t = await startSandbox();
    const { code } = await authorize(t.app, { scope: 'openid fhirUser profile launch/patient' });
    const res = await redeem(t.app, code ?? '', { code_verifier: VERIFIER });
    await t.app.close();
    expect(decodeJwt(res.json<{ id_token: string }>().id_token)).toMatchObject({
      name: 'Sarah Chen',
      given_name: 'Sarah',
      family_name: 'Chen',
    });
  });
});
