import { describe, expect } from 'vitest';
import { decodeJwt } from 'jose';
import type { LightMyRequestResponse } from 'fastify';
import {
  admin,
  answer,
  authorize,
  basic,
  clientCredentials,
  confidentialClient,
  FHIR_BASE,
  form,
  redeem,
  sandboxTest,
  signIn,
  standardClients,
  type TestSandbox,
} from '../helpers/sandbox.js';
import { parseConfig } from '../../server/config/validate.js';
import type { Exchange } from '../../server/exchanges/exchange.js';
import type { PersonaConfig } from '../../server/config/schema.js';

const nurse: PersonaConfig = {
  id: 'nurse-kim',
  fhirUser: 'Practitioner/prac-3',
  sub: 'user-4711',
  name: 'Kim Park',
  givenName: 'Kim',
  familyName: 'Park',
  email: 'kim.park@example-clinic.test',
  emailVerified: true,
  claims: { department: 'oncology', tier: 'persona' },
};
const mum: PersonaConfig = {
  id: 'mum',
  fhirUser: 'RelatedPerson/rp-1',
  name: 'Ana Alvarez',
  claims: { relationship: 'mother' },
};

const it = sandboxTest({
  authorize: { mode: 'interactive' },
  personas: [nurse, mum],
  clients: [
    {
      ...confidentialClient,
      scope: `${confidentialClient.scope ?? ''} email`,
      claims: { tier: 'client', org: 'acme' },
    },
    ...standardClients.slice(1),
  ],
});

/** Approves a consent page and redeems the code as conf-app: the token response body. */
async function approveAndRedeem(
  t: TestSandbox,
  page: LightMyRequestResponse,
  fields: Record<string, string> = {},
) {
  const res = await answer(t.app, page, { decision: 'approve', ...fields });
  expect(res.statusCode, res.body).toBe(303);
  const code = new URL(String(res.headers.location)).searchParams.get('code') ?? '';
  const token = await redeem(t.app, code);
  expect(token.statusCode, token.body).toBe(200);
  return token.json<Record<string, unknown>>();
}

async function lastAuthorizeChoices(t: TestSandbox) {
  const list = (await admin(t.app, 'GET', '/exchanges')).json<{ exchanges: Exchange[] }>().exchanges;
  const decided = list.filter((e) => e.verdict.details?.choices !== undefined);
  return decided.at(-1)?.verdict.details?.choices;
}

const ID_SCOPE = 'openid fhirUser profile email launch/patient patient/*.rs';

describe('the sign-in step (interactive mode)', () => {
  it('asks who signs in, then issues tokens about that persona', async ({ t }) => {
    const { response } = await authorize(t.app, { scope: ID_SCOPE });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<legend>Sign in as</legend>');
    expect(response.body).toContain('<label for="persona-0">Kim Park');
    expect(response.body).toContain('Remember this choice for conf-app');
    const consent = await signIn(t.app, response, 'nurse-kim');
    expect(consent.statusCode).toBe(200);
    expect(consent.body).toContain('Signed in as <strong>Kim Park</strong>');
    const body = await approveAndRedeem(t, consent, { patient: 'pat-1' });
    const id = decodeJwt(String(body['id_token']));
    expect(id).toMatchObject({
      sub: 'user-4711',
      fhirUser: `${FHIR_BASE}/Practitioner/prac-3`,
      name: 'Kim Park',
      given_name: 'Kim',
      family_name: 'Park',
      email: 'kim.park@example-clinic.test',
      email_verified: true,
    });
    expect(decodeJwt(String(body['access_token'])).sub).toBe('user-4711');
    expect(await lastAuthorizeChoices(t)).toEqual({
      persona: { id: 'nurse-kim', sub: 'user-4711', via: 'signed-in' },
      patient: { id: 'pat-1', via: 'picked' },
      skipped: ['encounter'],
    });
  });

  it('remembers the choice for the client until it is cleared through the admin API', async ({ t }) => {
    const first = (await authorize(t.app, { scope: ID_SCOPE })).response;
    await approveAndRedeem(t, await signIn(t.app, first, 'mum', true), { patient: 'pat-1' });
    const listed = await admin(t.app, 'GET', '/personas');
    expect(listed.json()).toMatchObject({ remembered: { 'conf-app': 'mum' } });

    const again = (await authorize(t.app, { scope: ID_SCOPE })).response;
    expect(again.body).not.toContain('<legend>Sign in as</legend>');
    expect(again.body).toContain('Signed in as <strong>Ana Alvarez</strong>');
    expect(again.body).toContain('remembered for this app');
    const body = await approveAndRedeem(t, again, { patient: 'pat-1' });
    expect(decodeJwt(String(body['id_token'])).sub).toBe('RelatedPerson/rp-1');
    expect((await lastAuthorizeChoices(t))?.persona).toEqual({
      id: 'mum',
      sub: 'RelatedPerson/rp-1',
      via: 'remembered',
    });

    expect((await admin(t.app, 'DELETE', '/clients/conf-app/remembered-persona')).statusCode).toBe(204);
    const cleared = (await authorize(t.app, { scope: ID_SCOPE })).response;
    expect(cleared.body).toContain('<legend>Sign in as</legend>');
  });

  it('forgets a deleted client’s remembered choice and queued claims, so a new client of that id starts clean', async ({
    t,
  }) => {
    const first = (await authorize(t.app, { scope: ID_SCOPE })).response;
    expect((await signIn(t.app, first, 'mum', true)).statusCode).toBe(200);
    t.app.sandbox.queueClaims('conf-app', { tier: 'queued' }, 5);
    const client = (await admin(t.app, 'GET', '/clients/conf-app')).json<Record<string, unknown>>();
    expect((await admin(t.app, 'DELETE', '/clients/conf-app')).statusCode).toBe(204);
    expect((await admin(t.app, 'POST', '/clients', client)).statusCode).toBe(201);
    expect((await admin(t.app, 'GET', '/personas')).json()).toMatchObject({ remembered: {} });
    expect((await admin(t.app, 'GET', '/clients/conf-app/queued-claims')).json()).toEqual({ queued: [] });
    const again = (await authorize(t.app, { scope: ID_SCOPE })).response;
    expect(again.body).toContain('<legend>Sign in as</legend>');
  });

  it('skips the sign-in step when no persona is left to pick', async ({ sandboxWith }) => {
    const t = await sandboxWith({ authorize: { mode: 'interactive' }, personas: [] });
    const { response } = await authorize(t.app, { scope: 'openid fhirUser launch/patient patient/*.rs' });
    expect(response.body).not.toContain('<legend>Sign in as</legend>');
    expect(response.body).toContain('<h1>Authorize conf-app</h1>');
  });

  it('refuses a consent decision posted for a request still at the sign-in step', async ({ t }) => {
    const { response } = await authorize(t.app, { scope: ID_SCOPE });
    const res = await answer(t.app, response, { decision: 'approve', patient: 'pat-1' });
    expect(res.statusCode).toBe(400);
    expect(res.headers.location).toBeUndefined();
    expect(res.body).toContain('waits for the sign-in step');
  });

  it('refuses a persona that does not exist, and denies on Cancel', async ({ t }) => {
    const forged = await signIn(t.app, (await authorize(t.app, { scope: ID_SCOPE })).response, 'nobody');
    expect(forged.statusCode).toBe(400);
    expect(forged.body).toContain('one of the offered personas');
    const { response } = await authorize(t.app, { scope: ID_SCOPE });
    const cancel = await answer(t.app, response, { step: 'sign-in', decision: 'deny' });
    expect(cancel.statusCode).toBe(303);
    expect(new URL(String(cancel.headers.location)).searchParams.get('error')).toBe('access_denied');
  });
});

describe('pickers that fit the app', () => {
  it('skips the patient picker for population-level scopes, and the sign-in step without openid or fhirUser', async ({
    t,
  }) => {
    const { response } = await authorize(t.app, { scope: 'user/*.rs' });
    expect(response.statusCode).toBe(200);
    expect(response.body).not.toContain('<legend>Sign in as</legend>');
    expect(response.body).not.toContain('<legend>Patient</legend>');
    expect(response.body).not.toContain('<legend>Encounter</legend>');
    const body = await approveAndRedeem(t, response);
    expect(body['patient']).toBeUndefined();
    expect(await lastAuthorizeChoices(t)).toEqual({
      persona: { id: 'nurse-kim', sub: 'user-4711', via: 'default' },
      skipped: ['sign-in', 'patient', 'encounter'],
    });
  });

  it('shows the encounter picker for launch/encounter and issues the picked encounter', async ({ t }) => {
    const scope = 'launch/patient launch/encounter patient/*.rs';
    const { response } = await authorize(t.app, { scope });
    expect(response.body).toContain('<legend>Encounter</legend>');
    expect(response.body).toContain('Follow-up encounter — Maria Elena Alvarez');
    const body = await approveAndRedeem(t, response, { patient: 'pat-1', encounter: 'enc-2' });
    expect(body).toMatchObject({ patient: 'pat-1', encounter: 'enc-2' });
    expect(await lastAuthorizeChoices(t)).toMatchObject({
      patient: { id: 'pat-1', via: 'picked' },
      encounter: { id: 'enc-2', via: 'picked' },
      skipped: ['sign-in'],
    });
  });

  it('refuses an encounter of another patient, naming both', async ({ t }) => {
    const { response } = await authorize(t.app, { scope: 'launch/patient launch/encounter patient/*.rs' });
    const res = await answer(t.app, response, { decision: 'approve', patient: 'pat-1', encounter: 'enc-3' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('encounter enc-3 is Patient/pat-2’s, not the chosen Patient/pat-1’s');
  });

  it('keeps an EHR launch’s context without asking', async ({ t }) => {
    const { launch } = await t.app.sandbox.launches.create({
      clientId: 'conf-app',
      patient: 'pat-2',
      encounter: 'enc-3',
      fhirUser: 'Practitioner/prac-3',
    });
    const { response } = await authorize(t.app, {
      scope: 'openid fhirUser launch launch/patient launch/encounter patient/*.rs',
      launch,
    });
    expect(response.body).not.toContain('<legend>Sign in as</legend>');
    expect(response.body).not.toContain('<legend>Patient</legend>');
    expect(response.body).not.toContain('<legend>Encounter</legend>');
    const body = await approveAndRedeem(t, response);
    expect(body).toMatchObject({ patient: 'pat-2', encounter: 'enc-3' });
    expect(await lastAuthorizeChoices(t)).toEqual({
      persona: { id: 'nurse-kim', sub: 'user-4711', via: 'ehr-launch' },
      patient: { id: 'pat-2', via: 'ehr-launch' },
      encounter: { id: 'enc-3', via: 'ehr-launch' },
      skipped: ['sign-in', 'patient', 'encounter'],
    });
  });
});

describe('the shipped personas follow the FHIR data', () => {
  const personaIds = async (t: TestSandbox) =>
    (await admin(t.app, 'GET', '/personas')).json<{ personas: PersonaConfig[] }>().personas.map((p) => p.id);

  it('adds one for a Patient loaded at run time and drops the one of a deleted Patient', async ({
    sandboxWith,
  }) => {
    const t = await sandboxWith({ clients: [{ ...confidentialClient, scope: 'system/*.cruds' }] });
    expect(await personaIds(t)).toContain('pat-4');
    const patient = { resourceType: 'Patient', id: 'pat-new', name: [{ given: ['Noa'], family: 'Berg' }] };
    const load = { file: 'p.json', content: JSON.stringify(patient) };
    expect((await admin(t.app, 'POST', '/fhir/load', load)).statusCode).toBe(201);
    expect((await admin(t.app, 'GET', '/personas/pat-new')).json()).toMatchObject({
      fhirUser: 'Patient/pat-new',
      name: 'Noa Berg',
    });

    const token = (
      await clientCredentials(t.app, 'conf-app', 's3cret', { params: { scope: 'system/*.cruds' } })
    ).json<{ access_token: string }>().access_token;
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: '/fhir/Patient/pat-4',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(deleted.statusCode).toBe(204);
    expect(await personaIds(t)).not.toContain('pat-4');
    expect((await admin(t.app, 'GET', '/personas')).json()).toMatchObject({ shipped: true });
  });

  it('leaves a list someone defined as it is', async ({ sandboxWith }) => {
    const t = await sandboxWith({ personas: [nurse] });
    const load = { file: 'p.json', content: JSON.stringify({ resourceType: 'Patient', id: 'pat-new' }) };
    expect((await admin(t.app, 'POST', '/fhir/load', load)).statusCode).toBe(201);
    expect(await personaIds(t)).toEqual(['nurse-kim']);
  });
});

describe('a user who is no persona', () => {
  it('takes no persona’s claims when that persona’s sub is the user’s fhirUser', async ({ sandboxWith }) => {
    // mallory's own sub is prac-2's reference; prac-2, launched by the EHR, is no persona and has it as sub.
    const mallory: PersonaConfig = {
      id: 'mallory',
      fhirUser: 'Practitioner/prac-3',
      sub: 'Practitioner/prac-2',
      name: 'Mallory',
      claims: { role: 'admin' },
    };
    const t = await sandboxWith({ personas: [mallory], clients: [...standardClients] });
    const { launch } = await t.app.sandbox.launches.create({
      clientId: 'conf-app',
      patient: 'pat-1',
      fhirUser: 'Practitioner/prac-2',
    });
    const { code } = await authorize(t.app, { scope: 'openid fhirUser profile launch patient/*.rs', launch });
    const token = await redeem(t.app, code ?? '');
    expect(token.statusCode, token.body).toBe(200);
    const body = token.json<Record<string, string>>();
    for (const jwt of [body['access_token'], body['id_token']]) {
      const claims = decodeJwt(jwt ?? '');
      expect(claims['fhirUser']).toMatch(/Practitioner\/prac-2$/);
      expect(claims['role']).toBeUndefined();
      expect(claims['name']).not.toBe('Mallory');
    }
    const info = await t.app.inject({
      method: 'GET',
      url: '/userinfo',
      headers: { authorization: `Bearer ${body['access_token'] ?? ''}` },
    });
    expect(info.json()).not.toHaveProperty('role');
    expect(info.json()).not.toMatchObject({ name: 'Mallory' });
  });
});

describe('custom claims and their precedence', () => {
  async function tokens(t: TestSandbox) {
    const consent = await signIn(t.app, (await authorize(t.app, { scope: ID_SCOPE })).response, 'nurse-kim');
    return approveAndRedeem(t, consent, { patient: 'pat-1' });
  }

  it('puts client and persona claims in the access token, id_token and userinfo, the persona’s winning', async ({
    t,
  }) => {
    const body = await tokens(t);
    const expected = { tier: 'persona', org: 'acme', department: 'oncology' };
    expect(decodeJwt(String(body['access_token']))).toMatchObject(expected);
    expect(decodeJwt(String(body['id_token']))).toMatchObject(expected);
    const info = await t.app.inject({
      method: 'GET',
      url: '/userinfo',
      headers: { authorization: `Bearer ${String(body['access_token'])}` },
    });
    expect(info.json()).toMatchObject({ ...expected, sub: 'user-4711', name: 'Kim Park' });
  });

  it('puts queued claims over all others for the next N token responses, then stops', async ({ t }) => {
    const queued = await admin(t.app, 'POST', '/clients/conf-app/queued-claims', {
      claims: { tier: 'queued', roles: ['admin'] },
      count: 2,
    });
    expect(queued.statusCode, queued.body).toBe(201);
    expect(queued.json()).toEqual({
      queued: [{ claims: { tier: 'queued', roles: ['admin'] }, remaining: 2 }],
    });

    for (let i = 0; i < 2; i++) {
      const body = await tokens(t);
      expect(decodeJwt(String(body['access_token']))).toMatchObject({
        tier: 'queued',
        roles: ['admin'],
        org: 'acme',
      });
      expect(decodeJwt(String(body['id_token']))).toMatchObject({ tier: 'queued', department: 'oncology' });
    }
    expect((await admin(t.app, 'GET', '/clients/conf-app/queued-claims')).json()).toEqual({ queued: [] });
    const after = await tokens(t);
    expect(decodeJwt(String(after['access_token']))['tier']).toBe('persona');
  });

  it('queues through the sandbox itself too (the typed test API wraps queueClaims), and clears', async ({
    t,
  }) => {
    t.app.sandbox.queueClaims('conf-app', { tier: 'direct' }, 1);
    expect((await admin(t.app, 'GET', '/clients/conf-app/queued-claims')).json()).toEqual({
      queued: [{ claims: { tier: 'direct' }, remaining: 1 }],
    });
    expect((await admin(t.app, 'DELETE', '/clients/conf-app/queued-claims')).statusCode).toBe(204);
    const body = await tokens(t);
    expect(decodeJwt(String(body['access_token']))['tier']).toBe('persona');
  });

  it('gives client claims to client_credentials tokens, which are about no persona', async ({ t }) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/token',
      headers: {
        authorization: basic('conf-app', 's3cret'),
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: form({ grant_type: 'client_credentials', scope: 'system/*.rs' }),
    });
    expect(res.statusCode, res.body).toBe(200);
    const claims = decodeJwt(String(res.json<Record<string, unknown>>()['access_token']));
    expect(claims).toMatchObject({ tier: 'client', org: 'acme' });
    expect(claims['department']).toBeUndefined();
  });
});

describe('reserved claims are refused, naming the claim and why', () => {
  it('in the config file', () => {
    expect(() =>
      parseConfig({
        clients: [{ clientId: 'a', redirectUris: ['http://127.0.0.1/cb'], claims: { iss: 'x' } }],
      }),
    ).toThrow(/clients\[0\]\.claims\.iss: iss is a reserved claim and cannot be set \(RFC 7519 §4\.1\.1/);
    expect(() => parseConfig({ personas: [{ ...nurse, claims: { scope: 'x' } }] })).toThrow(
      /personas\[0\]\.claims\.scope: scope is a reserved claim .*RFC 9068 §2\.2\.3/,
    );
  });

  it('at the admin API, for clients, personas and queued claims', async ({ t }) => {
    const client = await admin(t.app, 'POST', '/clients', {
      clientId: 'new-app',
      redirectUris: ['http://127.0.0.1/cb'],
      claims: { exp: 1 },
    });
    expect(client.statusCode).toBe(400);
    expect(client.json()).toMatchObject({ field: 'claims.exp' });
    expect(client.json<{ message: string }>().message).toContain('exp is a reserved claim');
    const persona = await admin(t.app, 'POST', '/personas', {
      ...nurse,
      id: 'other',
      sub: 'x',
      claims: { cnf: {} },
    });
    expect(persona.statusCode).toBe(400);
    expect(persona.json<{ message: string }>().message).toContain('cnf is a reserved claim');
    const queued = await admin(t.app, 'POST', '/clients/conf-app/queued-claims', { claims: { sub: 'evil' } });
    expect(queued.statusCode).toBe(400);
    expect(queued.json()).toMatchObject({ field: 'claims.sub' });
    expect(queued.json<{ message: string }>().message).toContain('sub is a reserved claim');
    expect(() => t.app.sandbox.queueClaims('conf-app', { aud: 'x' })).toThrow(/aud is a reserved claim/);
  });

  it('bounds the queue per client, naming the limit', async ({ t }) => {
    for (let i = 0; i < 20; i++) t.app.sandbox.queueClaims('conf-app', { n: i });
    const over = await admin(t.app, 'POST', '/clients/conf-app/queued-claims', { claims: { n: 20 } });
    expect(over.statusCode).toBe(409);
    expect(over.json<{ message: string }>().message).toContain('the queued claims limit');
  });
});

describe('personas through the admin API and the config', () => {
  const itShipped = sandboxTest();

  itShipped('lists the shipped personas (from the FHIR data) when the config names none', async ({ t }) => {
    const listed = (await admin(t.app, 'GET', '/personas')).json<{
      personas: PersonaConfig[];
      shipped: boolean;
      defaultPersona: string | null;
    }>();
    expect(listed.shipped).toBe(true);
    expect(listed.defaultPersona).toBe('prac-1');
    expect(listed.personas[0]).toEqual({
      id: 'prac-1',
      fhirUser: 'Practitioner/prac-1',
      name: 'Sarah Chen',
      givenName: 'Sarah',
      familyName: 'Chen',
      email: 'sarah.chen@example-clinic.test',
      emailVerified: true,
    });
    expect(listed.personas.map((p) => p.id)).toEqual([
      'prac-1',
      'prac-2',
      'prac-3',
      'pat-1',
      'pat-2',
      'pat-3',
      'pat-4',
    ]);
  });

  itShipped(
    'adds, reads, replaces and removes a persona; a client can make it its default',
    async ({ t }) => {
      expect((await admin(t.app, 'POST', '/personas', nurse)).statusCode).toBe(201);
      expect((await admin(t.app, 'GET', '/personas/nurse-kim')).json()).toEqual(nurse);
      const renamed = { ...nurse, name: 'Kim P.' };
      expect((await admin(t.app, 'PUT', '/personas/nurse-kim', renamed)).json()).toEqual(renamed);
      const client = await admin(t.app, 'PUT', '/clients/conf-app', {
        ...confidentialClient,
        defaultPersona: 'nurse-kim',
      });
      expect(client.statusCode, client.body).toBe(200);
      // Auto mode signs in as the client's default persona.
      const { code } = await authorize(t.app, {
        scope: 'openid fhirUser profile launch/patient patient/*.rs',
      });
      const body = (await redeem(t.app, code ?? '')).json<Record<string, unknown>>();
      expect(decodeJwt(String(body['id_token']))).toMatchObject({ sub: 'user-4711', name: 'Kim P.' });
      const refused = await admin(t.app, 'DELETE', '/personas/nurse-kim');
      expect(refused.statusCode).toBe(409);
      expect(refused.json<{ message: string }>().message).toContain('default persona of client conf-app');
      await admin(t.app, 'PUT', '/clients/conf-app', confidentialClient);
      expect((await admin(t.app, 'DELETE', '/personas/nurse-kim')).statusCode).toBe(204);
      expect((await admin(t.app, 'GET', '/personas/nurse-kim')).statusCode).toBe(404);
    },
  );

  itShipped('refuses a default persona that does not exist, and a duplicate sub', async ({ t }) => {
    const client = await admin(t.app, 'PUT', '/clients/conf-app', {
      ...confidentialClient,
      defaultPersona: 'ghost',
    });
    expect(client.statusCode).toBe(400);
    expect(client.json()).toMatchObject({ field: 'defaultPersona' });
    const dup = await admin(t.app, 'POST', '/personas', { ...nurse, sub: 'Practitioner/prac-1' });
    expect(dup.statusCode).toBe(400);
    expect(dup.json<{ message: string }>().message).toContain('already the sub of persona prac-1');
    expect(() => parseConfig({ defaultPersona: 'ghost' })).toThrow(/defaultPersona: names no persona/);
  });

  itShipped('advertises exactly the claims personas release in discovery', async ({ t }) => {
    const doc = (await t.app.inject({ url: '/.well-known/smart-configuration' })).json<{
      scopes_supported: string[];
      claims_supported: string[];
    }>();
    expect(doc.scopes_supported).toContain('email');
    expect(doc.claims_supported).toEqual(
      expect.arrayContaining([
        'sub',
        'fhirUser',
        'name',
        'given_name',
        'family_name',
        'email',
        'email_verified',
      ]),
    );
  });
});
