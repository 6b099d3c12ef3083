import { describe, expect } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import {
  accessToken,
  systemToken,
  basic,
  expectFhirStatuses,
  fhirGet,
  ORIGIN,
  FHIR_BASE,
  postForm,
  sandboxTest,
} from '../helpers/sandbox.js';

const it = sandboxTest();

interface Bundle {
  resourceType: string;
  type: string;
  total: number;
  link: { relation: string; url: string }[];
  entry: { fullUrl: string; resource: { resourceType: string; id: string } }[];
}
const ids = (b: Bundle) => b.entry.map((e) => e.resource.id);

function expectOutcome(res: LightMyRequestResponse, code: string) {
  expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
  expect(res.json()).toMatchObject({
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code }],
  });
}

describe('FHIR base: metadata (SMART App Launch 2.2 §conformance)', () => {
  it('serves a public R4 CapabilityStatement with the oauth-uris extension', async ({ t }) => {
    const res = await t.app.inject({ url: '/fhir/metadata' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
    const cs = res.json<{
      resourceType: string;
      fhirVersion: string;
      rest: { security: { extension: { url: string; extension: { url: string; valueUri: string }[] }[] } }[];
    }>();
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.fhirVersion).toBe('4.0.1');
    const ext = cs.rest[0]?.security.extension.find(
      (e) => e.url === 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
    );
    expect(ext?.extension).toEqual([
      { url: 'authorize', valueUri: `${ORIGIN}/authorize` },
      { url: 'token', valueUri: `${ORIGIN}/token` },
      { url: 'introspect', valueUri: `${ORIGIN}/introspect` },
      { url: 'revoke', valueUri: `${ORIGIN}/revoke` },
    ]);
  });
});

describe('FHIR base: RFC 6750 §3.1 bearer tokens', () => {
  it('answers a request without a token with 401 invalid_token saying no token was sent', async ({ t }) => {
    const res = await fhirGet(t.app, 'Patient/pat-1', undefined);
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="token-sandbox", error="invalid_token", error_description="no bearer token was sent"',
    );
    expectOutcome(res, 'login');
  });

  it('answers a token it did not issue with 401 invalid_token', async ({ t }) => {
    const res = await fhirGet(t.app, 'Patient/pat-1', 'not-a-token');
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="token-sandbox", error="invalid_token"/);
    expectOutcome(res, 'login');
  });

  it('answers an expired token with 401 invalid_token', async ({ t }) => {
    const token = await accessToken(t.app, 'launch/patient patient/*.rs');
    t.clock.advance(3601_000);
    const res = await fhirGet(t.app, 'Patient/pat-1', token);
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(res.headers['www-authenticate']).toContain('expired');
  });

  it('answers a revoked token with 401 invalid_token', async ({ t }) => {
    const token = await accessToken(t.app, 'launch/patient patient/*.rs');
    expect((await fhirGet(t.app, 'Patient/pat-1', token)).statusCode).toBe(200);
    await postForm(t.app, '/revoke', { token }, { authorization: basic('conf-app', 's3cret') });
    const res = await fhirGet(t.app, 'Patient/pat-1', token);
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toContain('revoked');
  });

  it('needs a token even for an unknown resource type', async ({ t }) => {
    expect((await fhirGet(t.app, 'Spaceship/1', undefined)).statusCode).toBe(401);
  });
});

describe('FHIR base: read and search', () => {
  it('reads the launch patient as application/fhir+json', async ({ t }) => {
    const token = await accessToken(t.app, 'launch/patient patient/*.rs');
    const res = await fhirGet(t.app, 'Patient/pat-1', token);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
    expect(res.json()).toMatchObject({ resourceType: 'Patient', id: 'pat-1', birthDate: '1974-03-12' });
  });

  it('answers 404 with an OperationOutcome for an unknown id or type', async ({ t }) => {
    const token = await systemToken(t.app, 'system/*.rs');
    const missing = await fhirGet(t.app, 'Patient/pat-99', token);
    expect(missing.statusCode).toBe(404);
    expectOutcome(missing, 'not-found');
    const type = await fhirGet(t.app, 'Spaceship/1', token);
    expect(type.statusCode).toBe(404);
    expectOutcome(type, 'not-supported');
  });

  it('returns a searchset Bundle with fullUrl, total and a self link', async ({ t }) => {
    const token = await accessToken(t.app, 'launch/patient patient/*.rs');
    const res = await fhirGet(t.app, 'Observation?patient=pat-1', token);
    expect(res.statusCode).toBe(200);
    const bundle = res.json<Bundle>();
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 5 });
    expect(ids(bundle)).toEqual(['obs-1', 'obs-2', 'obs-3', 'obs-4', 'obs-5']);
    expect(bundle.entry[0]?.fullUrl).toBe(`${FHIR_BASE}/Observation/obs-1`);
    expect(bundle.link).toEqual([{ relation: 'self', url: `${FHIR_BASE}/Observation?patient=pat-1` }]);
  });

  it('searches by subject, encounter, category, code, _id and clinical-status', async ({ t }) => {
    const token = await systemToken(t.app, 'system/*.rs');
    const search = async (q: string) => ids((await fhirGet(t.app, q, token)).json<Bundle>());
    expect(await search('Observation?subject=Patient/pat-2&category=laboratory')).toEqual(['obs-6', 'obs-8']);
    expect(await search('Observation?code=http://loinc.org|4548-4')).toEqual(['obs-3']);
    expect(await search('MedicationRequest?encounter=enc-1')).toEqual(['medrx-1', 'medrx-2']);
    expect(await search('Encounter?_id=enc-1,enc-3')).toEqual(['enc-1', 'enc-3']);
    expect(await search('Encounter?patient=pat-1')).toEqual(['enc-1', 'enc-2']);
    expect(await search('Condition?patient=pat-3&clinical-status=resolved')).toEqual(['cond-5']);
    expect(await search('Patient?name=okaf')).toEqual(['pat-2']);
    expect(await search(`Observation?patient=${encodeURIComponent(`${FHIR_BASE}/Patient/pat-4`)}`)).toEqual([
      'obs-11',
      'obs-12',
    ]);
  });

  it('ignores unsupported search parameters unless Prefer: handling=strict', async ({ t }) => {
    const token = await systemToken(t.app, 'system/*.rs');
    const lenient = await fhirGet(t.app, 'Encounter?patient=pat-1&_elements=id', token);
    expect(lenient.json<Bundle>().link[0]?.url).toBe(`${FHIR_BASE}/Encounter?patient=pat-1`);
    const strict = await fhirGet(t.app, 'Encounter?patient=pat-1&_elements=id', token, {
      prefer: 'handling=strict',
    });
    expect(strict.statusCode).toBe(400);
    expectOutcome(strict, 'not-supported');
  });

  it('treats __proto__, constructor, toString and other object property names as unknown parameters', async ({
    t,
  }) => {
    const token = await systemToken(t.app, 'system/*.rs');
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      const lenient = await fhirGet(t.app, `Encounter?patient=pat-1&${name}=x`, token);
      expect(lenient.statusCode, name).toBe(200);
      expect(ids(lenient.json<Bundle>()), name).toEqual(['enc-1', 'enc-2']);
      expect(lenient.json<Bundle>().link[0]?.url, name).toBe(`${FHIR_BASE}/Encounter?patient=pat-1`);
      const strict = await fhirGet(t.app, `Encounter?${name}=x`, token, { prefer: 'handling=strict' });
      expect(strict.statusCode, name).toBe(400);
      expectOutcome(strict, 'not-supported');
      expect(JSON.stringify(strict.json()), name).toContain(name);
    }
  });
});

describe('FHIR base: SMART App Launch 2.2 §scopes enforcement', () => {
  it("refuses another patient's record with 403 insufficient_scope", async ({ t }) => {
    const token = await accessToken(t.app, 'launch/patient patient/*.rs');
    const res = await fhirGet(t.app, 'Patient/pat-2', token);
    expect(res.statusCode).toBe(403);
    expect(res.headers['www-authenticate']).toMatch(
      /^Bearer realm="token-sandbox", error="insufficient_scope"/,
    );
    expectOutcome(res, 'forbidden');
    expect((await fhirGet(t.app, 'Observation/obs-6', token)).statusCode).toBe(403);
  });

  it("refuses a search naming another patient, and limits an open search to the token's patient", async ({
    t,
  }) => {
    const token = await accessToken(t.app, 'launch/patient patient/*.rs');
    const other = await fhirGet(t.app, 'Condition?patient=pat-2', token);
    expect(other.statusCode).toBe(403);
    expect(other.headers['www-authenticate']).toContain('insufficient_scope');
    expect((await fhirGet(t.app, 'Patient?_id=pat-2', token)).statusCode).toBe(403);
    const open = await fhirGet(t.app, 'Condition', token);
    expect(ids(open.json<Bundle>())).toEqual(['cond-1', 'cond-2']);
  });

  it('refuses patient/ scopes when the token has no patient in context', async ({ t }) => {
    const token = await accessToken(t.app, 'patient/*.rs');
    const res = await fhirGet(t.app, 'Patient/pat-1', token);
    expect(res.statusCode).toBe(403);
    expect(res.headers['www-authenticate']).toContain('need a patient in the launch context');
  });

  it('refuses a resource type no scope covers', async ({ t }) => {
    const token = await accessToken(t.app, 'launch/patient patient/Observation.rs');
    expect((await fhirGet(t.app, 'Observation/obs-1', token)).statusCode).toBe(200);
    const res = await fhirGet(t.app, 'Condition/cond-1', token);
    expect(res.statusCode).toBe(403);
    expect(res.json<{ issue: { diagnostics: string }[] }>().issue[0]?.diagnostics).toContain(
      'no granted scope allows reading Condition',
    );
  });

  it('enforces a v2 query restriction on read and search (patient/Observation.rs?category=laboratory)', async ({
    t,
  }) => {
    const token = await accessToken(t.app, 'launch/patient patient/Observation.rs?category=laboratory');
    await expectFhirStatuses(t.app, token, { 'Observation/obs-3': 200, 'Observation/obs-1': 403 });
    const labs = await fhirGet(t.app, 'Observation?patient=pat-1&category=laboratory', token);
    expect(ids(labs.json<Bundle>())).toEqual(['obs-3', 'obs-4']);
    await expectFhirStatuses(t.app, token, {
      'Observation?patient=pat-1': 403,
      'Observation?category=vital-signs': 403,
      'Observation?category=laboratory,vital-signs': 403,
    });
  });

  it('tells v2 read (r) from search (s)', async ({ t }) => {
    const readOnly = await accessToken(t.app, 'launch/patient patient/Patient.r');
    await expectFhirStatuses(t.app, readOnly, { 'Patient/pat-1': 200, 'Patient?_id=pat-1': 403 });
    const searchOnly = await accessToken(t.app, 'launch/patient patient/Observation.s');
    await expectFhirStatuses(t.app, searchOnly, {
      'Observation?patient=pat-1': 200,
      'Observation/obs-1': 403,
    });
  });

  it('honours v1 patient/*.read for read and search', async ({ sandboxWith }) => {
    const t = await sandboxWith({
      clients: [
        {
          clientId: 'conf-app',
          clientSecret: 's3cret',
          redirectUris: ['http://127.0.0.1:5555/cb'],
          scope: 'openid fhirUser launch/patient patient/*.read',
        },
      ],
    });
    const token = await accessToken(t.app, 'launch/patient patient/*.read');
    expect((await fhirGet(t.app, 'Patient/pat-1', token)).statusCode).toBe(200);
    expect((await fhirGet(t.app, 'MedicationRequest?patient=pat-1', token)).json<Bundle>().total).toBe(2);
    expect((await fhirGet(t.app, 'Patient/pat-2', token)).statusCode).toBe(403);
  });

  it('lets user/ scopes of a practitioner read any patient', async ({ t }) => {
    const token = await accessToken(t.app, 'openid fhirUser user/*.rs');
    expect((await fhirGet(t.app, 'Patient/pat-3', token)).statusCode).toBe(200);
    expect((await fhirGet(t.app, 'Condition?patient=pat-4', token)).json<Bundle>().total).toBe(1);
  });

  it('lets a patient user see only their own compartment with user/ scopes', async ({ sandboxWith }) => {
    const t = await sandboxWith({ launch: { fhirUser: 'Patient/pat-2' } });
    const token = await accessToken(t.app, 'openid fhirUser user/*.rs');
    await expectFhirStatuses(t.app, token, { 'Patient/pat-2': 200, 'Patient/pat-1': 403 });
  });

  it('lets the fhirUser scope read the signed-in user, and nobody else', async ({ t }) => {
    const token = await accessToken(t.app, 'openid fhirUser launch/patient patient/*.rs');
    await expectFhirStatuses(t.app, token, { 'Practitioner/prac-1': 200, 'Practitioner/prac-2': 403 });
  });

  it('lets a backend services token with system/ scopes read any patient, within its types', async ({
    t,
  }) => {
    const token = await systemToken(t.app, 'system/Observation.rs system/Patient.r');
    expect((await fhirGet(t.app, 'Observation?patient=pat-4', token)).json<Bundle>().total).toBe(2);
    await expectFhirStatuses(t.app, token, { 'Patient/pat-3': 200, 'Condition/cond-1': 403 });
  });
});
