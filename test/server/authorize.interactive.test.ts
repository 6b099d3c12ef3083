import { describe, expect } from 'vitest';
import { decodeJwt } from 'jose';
import {
  answer,
  authorize,
  decide,
  FHIR_BASE,
  ORIGIN,
  pendingRequestId,
  REDIRECT,
  redeem,
  sandboxTest,
  signIn,
  type TestSandbox,
  launchClients,
} from '../helpers/sandbox.js';

const it = sandboxTest({
  clients: [...launchClients],
  authorize: { mode: 'interactive' },
});

const SCOPE = 'openid fhirUser launch/patient launch/encounter patient/Observation.rs?category=laboratory';

/** The consent page of an authorization request, past the sign-in step when the scopes ask for one. */
async function consent(t: TestSandbox, params: Record<string, string | undefined>, persona = 'prac-1') {
  const { response } = await authorize(t.app, params);
  if (!response.body.includes('name="step" value="sign-in"')) return response;
  const res = await signIn(t.app, response, persona);
  expect(res.statusCode, res.body).toBe(200);
  return res;
}

describe('interactive mode: the consent page', () => {
  it('shows the client, the redirect target and each scope in plain words, with pickers', async ({ t }) => {
    const response = await consent(t, { scope: SCOPE });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-security-policy']).toContain(
      "form-action 'self' http://127.0.0.1:5555;",
    );
    expect(response.headers['x-frame-options']).toBe('DENY');
    const html = response.body;
    expect(html).toContain('client id <code>conf-app</code>');
    expect(html).toContain(`<code>${REDIRECT}</code>`);
    expect(html).toContain(
      'Read and search Observation resources of the selected patient, limited to those matching category laboratory.',
    );
    expect(html).toContain('Work with one patient: the patient chosen here.');
    expect(html).toContain('<legend>Patient</legend>');
    expect(html).toContain('<legend>Encounter</legend>');
    expect(html).toContain('Signed in as <strong>Sarah Chen</strong> (<code>Practitioner/prac-1</code>)');
    expect(html).toMatch(/<input type="radio" id="patient-0" name="patient" value="pat-1" checked required>/);
    expect(html).toContain('<label for="patient-0">Maria Elena Alvarez');
    expect(html).toContain(
      '<button type="submit" name="decision" value="approve" class="primary">Approve</button>',
    );
    expect(html).toContain('<button type="submit" name="decision" value="deny" formnovalidate>Deny</button>');
    expect(html).not.toContain('<script');
  });

  it('describes a registered scope named like an Object property (toString) as unknown', async ({
    sandboxWith,
  }) => {
    const t = await sandboxWith({
      authorize: { mode: 'interactive' },
      clients: [{ clientId: 'x-app', scope: 'openid toString constructor', redirectUris: [REDIRECT] }],
    });
    const response = await consent(t, { client_id: 'x-app', scope: 'openid toString constructor' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<code>toString</code> — A scope this sandbox does not describe.');
    expect(response.body).toContain('<code>constructor</code> — A scope this sandbox does not describe.');
  });

  it('escapes what the client registered', async ({ sandboxWith }) => {
    const t = await sandboxWith({
      authorize: { mode: 'interactive' },
      clients: [{ clientId: 'x-app', clientName: '<img src=x onerror=alert(1)>', redirectUris: [REDIRECT] }],
    });
    const { response } = await authorize(t.app, { client_id: 'x-app', scope: 'openid' });
    expect(response.body).not.toContain('<img');
    expect(response.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('issues a code for the signed-in persona and the picked patient on Approve', async ({ t }) => {
    const response = await consent(t, { scope: SCOPE }, 'prac-2');
    const res = await answer(t.app, response, { decision: 'approve', patient: 'pat-3' });
    expect(res.statusCode).toBe(303);
    const location = new URL(String(res.headers.location));
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    expect(location.searchParams.get('state')).toBe('st4te');
    expect(location.searchParams.get('iss')).toBe(ORIGIN);
    const token = await redeem(t.app, location.searchParams.get('code') ?? '');
    expect(token.statusCode).toBe(200);
    const body = token.json<Record<string, unknown>>();
    expect(body).toMatchObject({ patient: 'pat-3', encounter: 'enc-4' });
    expect(decodeJwt(String(body['id_token']))['fhirUser']).toBe(`${FHIR_BASE}/Practitioner/prac-2`);
  });

  it('redirects with access_denied and the state on Deny', async ({ t }) => {
    const response = await consent(t, { scope: SCOPE });
    const res = await answer(t.app, response, { decision: 'deny' });
    expect(res.statusCode).toBe(303);
    const location = new URL(String(res.headers.location));
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe('st4te');
    expect(location.searchParams.get('code')).toBeNull();
  });

  it('accepts each decision once (the pending id is single-use)', async ({ t }) => {
    const response = await consent(t, { scope: SCOPE });
    const id = pendingRequestId(response);
    const fields = { request: id, decision: 'approve', patient: 'pat-1' };
    expect((await decide(t.app, fields)).statusCode).toBe(303);
    const again = await decide(t.app, fields);
    expect(again.statusCode).toBe(400);
    expect(again.headers.location).toBeUndefined();
    expect(again.body).toContain('already decided');
  });

  it('refuses a forged decision without a valid pending id, and a patient that was not offered', async ({
    t,
  }) => {
    const forged = await decide(t.app, { request: 'guess', decision: 'approve', patient: 'pat-1' });
    expect(forged.statusCode).toBe(400);
    expect(forged.headers.location).toBeUndefined();
    const response = await consent(t, { scope: SCOPE });
    const odd = await answer(t.app, response, { decision: 'approve', patient: 'pat-99' });
    expect(odd.statusCode).toBe(400);
    expect(odd.body).toContain('incomplete');
  });

  it('still redirects invalid requests with an error instead of showing the page', async ({ t }) => {
    const { location, response } = await authorize(t.app, { code_challenge_method: 'plain' });
    expect(response.statusCode).toBe(302);
    expect(location?.searchParams.get('error')).toBe('invalid_request');
  });

  it('shows the EHR launch context instead of the pickers, and uses it on Approve', async ({ t }) => {
    const { launch } = await t.app.sandbox.launches.create({ clientId: 'launch-app', patient: 'pat-2' });
    const { response } = await authorize(t.app, {
      client_id: 'launch-app',
      scope: 'openid fhirUser launch launch/patient patient/*.rs',
      launch,
    });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Launched from the EHR for patient <strong>James Okafor</strong>');
    expect(response.body).not.toContain('<legend>Patient</legend>');
    expect(response.body).not.toContain('<legend>Sign in as</legend>');
    const res = await answer(t.app, response, { decision: 'approve' });
    expect(res.statusCode).toBe(303);
    const code = new URL(String(res.headers.location)).searchParams.get('code') ?? '';
    const token = await redeem(t.app, code, { client_id: 'launch-app' }, {});
    expect(token.json()).toMatchObject({ patient: 'pat-2' });
  });
});
