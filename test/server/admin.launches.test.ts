import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import {
  admin,
  authorize,
  FHIR_BASE,
  LAUNCH_URL,
  launchClient,
  redeem,
  standardClients,
  startSandbox,
  type TestSandbox,
} from '../helpers/sandbox.js';

let t: TestSandbox;
beforeEach(async () => {
  t = await startSandbox({ clients: [...standardClients, launchClient] });
});
afterEach(async () => {
  await t.app.close();
});

describe('admin API: POST /launches (docs/admin-api.md#launches, SMART App Launch 2.2 §EHR launch)', () => {
  it('mints a launch bound to the chosen context and answers with the app launch URL', async () => {
    const res = await admin(t.app, 'POST', '/launches', {
      clientId: 'launch-app',
      patient: 'pat-2',
      intent: 'reconcile',
    });
    expect(res.statusCode).toBe(201);
    const body = res.json<{ launch: string; url: string; context: Record<string, unknown> }>();
    const url = new URL(body.url);
    expect(`${url.origin}${url.pathname}`).toBe(LAUNCH_URL);
    expect(url.searchParams.get('iss')).toBe(FHIR_BASE);
    expect(url.searchParams.get('launch')).toBe(body.launch);
    // Fields left out come from the config's launch defaults.
    expect(body.context).toMatchObject({ patient: 'pat-2', intent: 'reconcile', encounter: 'enc-1' });
  });

  it('binds the launch: the app that uses it gets that patient in the token response', async () => {
    const { launch } = (
      await admin(t.app, 'POST', '/launches', { clientId: 'launch-app', patient: 'pat-3' })
    ).json<{
      launch: string;
    }>();
    const { code } = await authorize(t.app, {
      client_id: 'launch-app',
      scope: 'launch openid patient/*.rs',
      launch,
    });
    const tokens = await redeem(t.app, code ?? '', { client_id: 'launch-app' }, {});
    expect(tokens.json()).toMatchObject({ patient: 'pat-3' });
    expect(decodeJwt(tokens.json<{ access_token: string }>().access_token)['patient']).toBe('pat-3');
  });

  it('answers 404 for an unknown client and 400 naming clientId for a client without launchUrl', async () => {
    const unknown = await admin(t.app, 'POST', '/launches', { clientId: 'nobody' });
    expect(unknown.statusCode).toBe(404);
    const noUrl = await admin(t.app, 'POST', '/launches', { clientId: 'conf-app' });
    expect(noUrl.statusCode).toBe(400);
    expect(noUrl.json()).toMatchObject({ field: 'clientId' });
  });

  it('refuses unknown fields and wrong types with the field named', async () => {
    const res = await admin(t.app, 'POST', '/launches', { clientId: 'launch-app', patientId: 'x' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: 'patientId' });
  });

  it('is guarded like the rest of the admin API', async () => {
    const res = await admin(
      t.app,
      'POST',
      '/launches',
      { clientId: 'launch-app' },
      { authorization: undefined },
    );
    expect(res.statusCode).toBe(401);
  });
});
