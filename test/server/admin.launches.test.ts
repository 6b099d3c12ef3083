import { describe, expect } from 'vitest';
import { decodeJwt } from 'jose';
import {
  admin,
  authorize,
  FHIR_BASE,
  LAUNCH_URL,
  redeem,
  sandboxTest,
  launchClients,
} from '../helpers/sandbox.js';

const it = sandboxTest({ clients: [...launchClients] });

describe('admin API: POST /launches (docs/admin-api.md#launches, SMART App Launch 2.2 §EHR launch)', () => {
  it('mints a launch bound to the chosen context and answers with the app launch URL', async ({ t }) => {
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
    // Fields left out come from the config's launch defaults, but pat-1's encounter never goes with pat-2.
    expect(body.context).toMatchObject({
      patient: 'pat-2',
      intent: 'reconcile',
      fhirUser: 'Practitioner/prac-1',
    });
    expect(body.context).not.toHaveProperty('encounter');
  });

  it('keeps the default encounter with the default patient', async ({ t }) => {
    const res = await admin(t.app, 'POST', '/launches', { clientId: 'launch-app' });
    expect(res.json<{ context: unknown }>().context).toMatchObject({ patient: 'pat-1', encounter: 'enc-1' });
  });

  it("gives a config naming another patient no encounter rather than pat-1's enc-1", async ({
    sandboxWith,
  }) => {
    const t = await sandboxWith({
      clients: [...launchClients],
      launch: { patient: 'pat-3' },
    });
    const res = await admin(t.app, 'POST', '/launches', { clientId: 'launch-app' });
    expect(res.statusCode).toBe(201);
    expect(res.json<{ context: unknown }>().context).toMatchObject({ patient: 'pat-3' });
    expect(res.json<{ context: unknown }>().context).not.toHaveProperty('encounter');
  });

  it.for<[Record<string, unknown>, string, RegExp]>([
    [{ patient: 'pat-99' }, 'patient', /no Patient "pat-99" in the FHIR data; expected one of pat-1, pat-2/],
    [
      { patient: 'pat-2', encounter: 'enc-1' },
      'encounter',
      /enc-1" belongs to pat-1, not pat-2.*pat-2's: enc-3/,
    ],
    [{ encounter: 'enc-3' }, 'encounter', /enc-3" belongs to pat-2, not pat-1/],
    [{ patient: 'pat-3', encounter: 'enc-77' }, 'encounter', /no Encounter "enc-77".*pat-3's: enc-4/],
    [{ fhirUser: 'Practitioner/nope' }, 'fhirUser', /no Practitioner "nope".*Practitioner\/prac-1/],
    [
      { fhirUser: 'javascript:alert(1)' },
      'fhirUser',
      /not a reference to a Patient, Practitioner, PractitionerRole, RelatedPerson, Person/,
    ],
    [{ fhirUser: 'Device/dev-1' }, 'fhirUser', /not a reference to a Patient, Practitioner/],
    [{ fhirUser: 'RelatedPerson/nope' }, 'fhirUser', /no RelatedPerson "nope" in the FHIR data/],
    [{ fhirContext: [{ reference: 'Patient/zzz' }] }, 'fhirContext[0].reference', /no Patient "zzz"/],
    [
      { patient: 'pat-2', fhirContext: [{ reference: 'Encounter/enc-1' }] },
      'fhirContext[0].reference',
      /Encounter "enc-1" belongs to pat-1, not pat-2/,
    ],
  ])(
    'refuses a context the FHIR data contradicts (%j), naming the field and why',
    async ([context, field, why], { t }) => {
      const res = await admin(t.app, 'POST', '/launches', { clientId: 'launch-app', ...context });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid_input', field });
      expect(res.json<{ message: string }>().message).toMatch(why);
    },
  );

  it('takes a RelatedPerson or Person of the FHIR data as fhirUser (SMART App Launch 2.2 §fhirUser)', async ({
    t,
  }) => {
    const users = [
      { resourceType: 'RelatedPerson', id: 'rp-1', patient: { reference: 'Patient/pat-1' } },
      { resourceType: 'Person', id: 'person-1', link: [{ target: { reference: 'Patient/pat-1' } }] },
    ];
    const content = users.map((u) => JSON.stringify(u)).join('\n');
    expect((await admin(t.app, 'POST', '/fhir/load', { file: 'users.ndjson', content })).statusCode).toBe(
      201,
    );
    for (const fhirUser of ['RelatedPerson/rp-1', 'Person/person-1']) {
      const res = await admin(t.app, 'POST', '/launches', { clientId: 'launch-app', fhirUser });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ context: { fhirUser } });
    }
  });

  it('lists the patients and their encounters a launch can name', async ({ t }) => {
    const res = await admin(t.app, 'GET', '/launches/choices');
    expect(res.statusCode).toBe(200);
    const { patients } = res.json<{
      patients: { id: string; name: string; encounters: { id: string; label: string }[] }[];
    }>();
    expect(patients.map((p) => p.id)).toEqual(['pat-1', 'pat-2', 'pat-3', 'pat-4']);
    expect(patients[0]).toMatchObject({ name: 'Maria Elena Alvarez' });
    expect(patients[0]?.encounters.map((e) => e.id)).toEqual(['enc-1', 'enc-2']);
    expect(patients[1]?.encounters[0]?.label).toBe('enc-3 (Hospital admission, 2026-09-02)');
  });

  it('binds the launch: the app that uses it gets that patient in the token response', async ({ t }) => {
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

  it('answers 404 for an unknown client', async ({ t }) => {
    const unknown = await admin(t.app, 'POST', '/launches', { clientId: 'nobody' });
    expect(unknown.statusCode).toBe(404);
  });

  it('mints a launch for a client without launchUrl, with url null, and the launch value works', async ({
    t,
  }) => {
    const res = await admin(t.app, 'POST', '/launches', { clientId: 'conf-app', patient: 'pat-3' });
    expect(res.statusCode).toBe(201);
    const body = res.json<{ launch: string; url: string | null }>();
    expect(body.url).toBeNull();
    const { code } = await authorize(t.app, { scope: 'launch openid patient/*.rs', launch: body.launch });
    expect((await redeem(t.app, code ?? '')).json()).toMatchObject({ patient: 'pat-3' });
  });

  it('opens the launchUrl given in the request instead of the registered one', async ({ t }) => {
    const given = 'http://127.0.0.1:4000/launch?app=1';
    for (const clientId of ['conf-app', 'launch-app']) {
      const res = await admin(t.app, 'POST', '/launches', { clientId, launchUrl: given });
      expect(res.statusCode, clientId).toBe(201);
      const body = res.json<{ launch: string; url: string }>();
      const url = new URL(body.url);
      expect(`${url.origin}${url.pathname}`, clientId).toBe('http://127.0.0.1:4000/launch');
      expect(url.searchParams.get('app'), clientId).toBe('1');
      expect(url.searchParams.get('launch'), clientId).toBe(body.launch);
    }
    const bad = await admin(t.app, 'POST', '/launches', { clientId: 'conf-app', launchUrl: 'javascript:x' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ field: 'launchUrl' });
  });

  it('refuses unknown fields and wrong types with the field named', async ({ t }) => {
    const res = await admin(t.app, 'POST', '/launches', { clientId: 'launch-app', patientId: 'x' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: 'patientId' });
  });

  it('is guarded like the rest of the admin API', async ({ t }) => {
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
