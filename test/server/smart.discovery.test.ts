import { describe, expect } from 'vitest';
import {
  authorize,
  clientCredentials,
  form,
  launchAuthorize,
  launchClients,
  ORIGIN,
  redeem,
  redeemPublic,
  REDIRECT,
  sandboxTest,
  type TestSandbox,
} from '../helpers/sandbox.js';

const it = sandboxTest({
  clients: [...launchClients],
});

type TokenBody = Record<string, unknown>;

/** A standalone code flow as the confidential client; the token response body. */
async function standalone(t: TestSandbox, scope: string): Promise<TokenBody> {
  const { code } = await authorize(t.app, { scope });
  const res = await redeem(t.app, code ?? '');
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** An EHR launch (SMART App Launch 2.2 §EHR launch) of the public launch client; the token response body. */
async function ehrLaunch(t: TestSandbox): Promise<TokenBody> {
  const { launch } = await t.app.sandbox.launches.create({
    clientId: 'launch-app',
    smartStyleUrl: 'http://127.0.0.1:5555/style.json',
  });
  const { code } = await launchAuthorize(t.app, launch);
  const res = await redeemPublic(t.app, code ?? '');
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

const granted = async (t: TestSandbox, scope: string) =>
  String((await standalone(t, scope))['scope']).split(' ');

/**
 * For each capability the default profile advertises, a request that shows it works. The capabilities that
 * follow from other advertised fields (offline access, OpenID Connect, EHR launch, the banner, public and
 * asymmetric clients) are proved per profile in discovery.served.test.ts.
 */
const PROVED_ELSEWHERE = new Set([
  'permission-offline',
  'sso-openid-connect',
  'launch-ehr',
  'context-passthrough-banner',
  'client-public',
  'client-confidential-asymmetric',
]);
const PROOFS: Record<string, (t: TestSandbox) => Promise<void>> = {
  'launch-standalone': async (t) => {
    expect(await standalone(t, 'openid fhirUser launch/patient patient/*.rs')).toHaveProperty(
      'patient',
      'pat-1',
    );
  },
  'context-standalone-patient': async (t) => {
    expect(await standalone(t, 'launch/patient patient/*.rs')).toHaveProperty('patient');
  },
  'context-standalone-encounter': async (t) => {
    expect(await standalone(t, 'launch/encounter patient/*.rs')).toHaveProperty('encounter');
  },
  'context-ehr-patient': async (t) => {
    expect(await ehrLaunch(t)).toHaveProperty('patient', 'pat-1');
  },
  'context-ehr-encounter': async (t) => {
    expect(await ehrLaunch(t)).toHaveProperty('encounter', 'enc-1');
  },
  'context-passthrough-style': async (t) => {
    expect(await ehrLaunch(t)).toHaveProperty('smart_style_url', 'http://127.0.0.1:5555/style.json');
  },
  'authorize-post': async (t) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/authorize',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({
        response_type: 'code',
        client_id: 'conf-app',
        redirect_uri: REDIRECT,
        scope: 'patient/*.rs',
        state: 'st4te',
        aud: `${ORIGIN}/fhir`,
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      }),
    });
    // RFC 9700 §4.12: a redirect after a POST is 303, so the browser does not re-post the form.
    expect(res.statusCode, res.body).toBe(303);
    expect(new URL(String(res.headers.location)).searchParams.get('code')).toBeTruthy();
  },
  'client-confidential-symmetric': async (t) => {
    expect((await clientCredentials(t.app)).statusCode).toBe(200);
  },
  'permission-online': async (t) => {
    expect(await granted(t, 'online_access patient/*.rs')).toContain('online_access');
  },
  'permission-patient': async (t) => {
    expect(await granted(t, 'launch/patient patient/*.rs')).toContain('patient/*.rs');
  },
  'permission-user': async (t) => {
    expect(await granted(t, 'user/*.rs')).toContain('user/*.rs');
  },
  'permission-v1': async (t) => {
    expect(await granted(t, 'launch/patient patient/*.read')).toContain('patient/*.read');
  },
  'permission-v2': async (t) => {
    expect(await granted(t, 'launch/patient patient/Observation.rs')).toContain('patient/Observation.rs');
  },
};

describe('SMART App Launch 2.2 §discovery under the FHIR base (the iss of a launch)', () => {
  it('answers application/json whatever the Accept header says (docs/endpoints.md#discovery)', async ({
    t,
  }) => {
    for (const accept of [undefined, 'application/fhir+json', 'text/html']) {
      const res = await t.app.inject({
        url: '/fhir/.well-known/smart-configuration',
        headers: accept === undefined ? {} : { accept },
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
    }
  });

  it('advertises a capability only where a request proves it works (docs/endpoints.md#discovery)', async ({
    t,
  }) => {
    const config = (await t.app.inject({ url: '/fhir/.well-known/smart-configuration' })).json<{
      capabilities: string[];
    }>();
    for (const capability of config.capabilities) {
      const proof = PROOFS[capability];
      if (proof === undefined) {
        expect(PROVED_ELSEWHERE, `${capability} is advertised but nothing proves it`).toContain(capability);
        continue;
      }
      await proof(t);
    }
    // Every proof here is of something advertised: a capability that stops being advertised is noticed.
    expect(config.capabilities).toEqual(expect.arrayContaining(Object.keys(PROOFS)));
  });

  it('advertises S256 only, absolute endpoints and the asymmetric algorithms (docs/endpoints.md#discovery)', async ({
    t,
  }) => {
    const config = (await t.app.inject({ url: '/fhir/.well-known/smart-configuration' })).json<
      Record<string, unknown>
    >();
    expect(config['code_challenge_methods_supported']).toEqual(['S256']);
    expect(config['authorization_endpoint']).toBe(`${ORIGIN}/authorize`);
    expect(config['token_endpoint']).toBe(`${ORIGIN}/token`);
    expect(config['token_endpoint_auth_methods_supported']).toContain('private_key_jwt');
    expect(config['token_endpoint_auth_signing_alg_values_supported']).toEqual(
      expect.arrayContaining(['RS384', 'ES384']),
    );
  });
});
