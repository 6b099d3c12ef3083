import { describe, expect } from 'vitest';
import { decodeJwt } from 'jose';
import {
  authorize,
  CHALLENGE,
  EHR_SCOPE,
  FHIR_BASE,
  expectFhirStatuses,
  LAUNCH_URL,
  launchAuthorize,
  launchClients,
  postForm,
  REDIRECT,
  redeemPublic,
  sandboxTest,
} from '../helpers/sandbox.js';
import { LAUNCH_LIFETIME_MS, LaunchError } from '../../server/launch/launches.js';

const it = sandboxTest({
  clients: [...launchClients],
  launch: { patient: 'pat-1', encounter: 'enc-1', fhirUser: 'Practitioner/prac-1', tenant: 'clinic-a' },
});

describe('SMART App Launch 2.2 §EHR launch: the sandbox launches the app as the EHR', () => {
  it('builds the launch URL from the client launchUrl with iss = FHIR base and an opaque launch value', async ({
    t,
  }) => {
    const created = await t.app.sandbox.launches.create({ clientId: 'launch-app', patient: 'pat-2' });
    const url = new URL(created.url ?? '');
    expect(`${url.origin}${url.pathname}`).toBe(LAUNCH_URL);
    expect(url.searchParams.get('iss')).toBe(FHIR_BASE);
    expect(url.searchParams.get('launch')).toBe(created.launch);
    expect(created.launch).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created.expiresAt).toBe(t.clock.now() + LAUNCH_LIFETIME_MS);
    expect((await t.app.sandbox.launches.create({ clientId: 'launch-app' })).launch).not.toBe(created.launch);
  });

  it('fills missing context fields from the config launch and keeps what the launch sets', async ({ t }) => {
    const created = await t.app.sandbox.launches.create({
      clientId: 'launch-app',
      patient: 'pat-3',
      encounter: 'enc-4',
      needPatientBanner: false,
      smartStyleUrl: 'http://127.0.0.1:5555/style.json',
      intent: 'reconcile-medications',
      fhirContext: [{ reference: 'MedicationRequest/medrx-4' }],
    });
    expect(created.context).toEqual({
      patient: 'pat-3',
      encounter: 'enc-4',
      fhirUser: 'Practitioner/prac-1',
      tenant: 'clinic-a',
      needPatientBanner: false,
      smartStyleUrl: 'http://127.0.0.1:5555/style.json',
      intent: 'reconcile-medications',
      fhirContext: [{ reference: 'MedicationRequest/medrx-4' }],
    });
  });

  it('refuses an unknown client and a context the FHIR data contradicts with a typed error', async ({
    t,
  }) => {
    await expect(t.app.sandbox.launches.create({ clientId: 'nobody' })).rejects.toThrow(LaunchError);
    try {
      await t.app.sandbox.launches.create({ clientId: 'nobody' });
    } catch (err) {
      expect((err as LaunchError).reason).toBe('unknown_client');
    }
    try {
      await t.app.sandbox.launches.create({ clientId: 'launch-app', patient: 'pat-2', encounter: 'enc-1' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(LaunchError);
      expect((err as LaunchError).reason).toBe('invalid_context');
      expect((err as LaunchError).issues.map((i) => i.path)).toEqual(['encounter']);
    }
  });

  it('returns the bound context in the token response and in the access token (docs/endpoints.md#ehr-launch)', async ({
    t,
  }) => {
    const { launch } = await t.app.sandbox.launches.create({
      clientId: 'launch-app',
      patient: 'pat-2',
      encounter: 'enc-3',
      needPatientBanner: true,
      smartStyleUrl: 'http://127.0.0.1:5555/style.json',
      intent: 'summary',
      fhirContext: [{ reference: 'Condition/cond-4' }],
    });
    const { code, location } = await launchAuthorize(t.app, launch);
    expect(location?.searchParams.get('state')).toBe('st4te');
    const res = await redeemPublic(t.app, code ?? '');
    expect(res.statusCode).toBe(200);
    const body = res.json<Record<string, unknown>>();
    expect(body).toMatchObject({
      patient: 'pat-2',
      encounter: 'enc-3',
      need_patient_banner: true,
      smart_style_url: 'http://127.0.0.1:5555/style.json',
      intent: 'summary',
      tenant: 'clinic-a',
      fhirContext: [{ reference: 'Condition/cond-4' }],
      scope: EHR_SCOPE,
    });
    const claims = decodeJwt(String(body['access_token']));
    expect(claims['patient']).toBe('pat-2');
    const idToken = decodeJwt(String(body['id_token']));
    expect(idToken['fhirUser']).toBe(`${FHIR_BASE}/Practitioner/prac-1`);
    // The token reads the launch patient, and only that patient.
    const token = String(body['access_token']);
    await expectFhirStatuses(t.app, token, { 'Patient/pat-2': 200, 'Patient/pat-1': 403 });
  });

  it('accepts the authorization request as a form POST (SMART App Launch 2.2 authorize-post)', async ({
    t,
  }) => {
    const { launch } = await t.app.sandbox.launches.create({ clientId: 'launch-app', patient: 'pat-3' });
    const res = await postForm(t.app, '/authorize', {
      response_type: 'code',
      client_id: 'launch-app',
      redirect_uri: REDIRECT,
      scope: EHR_SCOPE,
      state: 'p0st',
      aud: FHIR_BASE,
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
      launch,
    });
    expect(res.statusCode).toBe(303);
    const location = new URL(String(res.headers.location));
    expect(location.searchParams.get('state')).toBe('p0st');
    const token = await redeemPublic(t.app, location.searchParams.get('code') ?? '');
    expect(token.json()).toMatchObject({ patient: 'pat-3' });
  });

  it('may be authorized again while it lives (an app restarting its authorization)', async ({ t }) => {
    const { launch } = await t.app.sandbox.launches.create({ clientId: 'launch-app' });
    expect((await launchAuthorize(t.app, launch)).code).toBeDefined();
    expect((await launchAuthorize(t.app, launch)).code).toBeDefined();
  });

  it('refuses a launch value it never issued', async ({ t }) => {
    const { location } = await launchAuthorize(t.app, 'made-up-launch');
    expect(location?.searchParams.get('error')).toBe('invalid_request');
    expect(location?.searchParams.get('error_description')).toContain('not one this sandbox issued');
    expect(location?.searchParams.get('state')).toBe('st4te');
  });

  it('refuses an expired launch value', async ({ t }) => {
    const { launch } = await t.app.sandbox.launches.create({ clientId: 'launch-app' });
    t.clock.advance(LAUNCH_LIFETIME_MS);
    const { location, code } = await launchAuthorize(t.app, launch);
    expect(code).toBeUndefined();
    expect(location?.searchParams.get('error')).toBe('invalid_request');
    expect(location?.searchParams.get('error_description')).toContain('expired');
  });

  it('refuses a launch value bound to another client', async ({ sandboxWith }) => {
    const t = await sandboxWith({
      clients: [
        { clientId: 'launch-app', redirectUris: [REDIRECT], launchUrl: LAUNCH_URL },
        { clientId: 'other-app', redirectUris: [REDIRECT], launchUrl: 'http://127.0.0.1:5556/launch' },
      ],
    });
    const { launch } = await t.app.sandbox.launches.create({ clientId: 'other-app' });
    const { location } = await launchAuthorize(t.app, launch);
    expect(location?.searchParams.get('error')).toBe('invalid_request');
    expect(location?.searchParams.get('error_description')).toContain('another client');
  });

  it('requires the launch scope with a launch value', async ({ t }) => {
    const { launch } = await t.app.sandbox.launches.create({ clientId: 'launch-app' });
    const { location } = await launchAuthorize(t.app, launch, { scope: 'openid patient/*.rs' });
    expect(location?.searchParams.get('error')).toBe('invalid_scope');
    expect(location?.searchParams.get('error_description')).toContain('needs the launch scope');
  });

  it('checks aud against the FHIR base on an EHR launch too (docs/endpoints.md#authorization-endpoint)', async ({
    t,
  }) => {
    const { launch } = await t.app.sandbox.launches.create({ clientId: 'launch-app' });
    const { location } = await launchAuthorize(t.app, launch, { aud: 'https://evil.example/fhir' });
    expect(location?.searchParams.get('error')).toBe('invalid_request');
    expect(location?.searchParams.get('error_description')).toContain('FHIR base');
  });
});

describe('SMART App Launch 2.2 §standalone launch in auto mode', () => {
  it('takes patient and encounter from the config launch when launch/patient and launch/encounter are granted', async ({
    t,
  }) => {
    const { code } = await authorize(t.app, {
      client_id: 'launch-app',
      scope: 'launch/patient launch/encounter patient/*.rs',
      code_challenge: CHALLENGE,
    });
    const body = (await redeemPublic(t.app, code ?? '')).json<Record<string, unknown>>();
    expect(body).toMatchObject({ patient: 'pat-1', encounter: 'enc-1', tenant: 'clinic-a' });
  });

  it('gives no patient without launch/patient', async ({ t }) => {
    const { code } = await authorize(t.app, { client_id: 'launch-app', scope: 'openid fhirUser user/*.rs' });
    const body = (await redeemPublic(t.app, code ?? '')).json<Record<string, unknown>>();
    expect(body['patient']).toBeUndefined();
    expect(body['encounter']).toBeUndefined();
  });
});
