import { describe, expect } from 'vitest';
import { admin, confidentialClient, fhirGet, fullCodeFlow, sandboxTest } from '../helpers/sandbox.js';

/**
 * The patient a resource belongs to is read from the element its type has (`subject` or `patient`). A body
 * carrying both, naming different patients, belongs to no single patient: otherwise a write is checked
 * against one patient while the other (the one FHIR, an upstream, or the user compartment reads) is changed.
 */
const clients = [
  {
    ...confidentialClient,
    defaultPersona: 'mother',
    scope: 'openid fhirUser launch/patient patient/*.cruds user/*.cruds',
  },
];
const personas = [{ id: 'mother', fhirUser: 'RelatedPerson/rp-1', name: 'Jane Chalmers' }];
const it = sandboxTest({ clients, personas });

const RP = { resourceType: 'RelatedPerson', id: 'rp-1', patient: { reference: 'Patient/pat-2' } };

describe('a write naming two patients', () => {
  it("does not let a RelatedPerson user re-point itself at another patient through a stray 'subject'", async ({
    sandboxWith,
  }) => {
    const t = await sandboxWith({ clients, personas });
    const loaded = await admin(t.app, 'POST', '/fhir/load', { file: 'rp.json', content: JSON.stringify(RP) });
    expect(loaded.statusCode, loaded.body).toBe(201);
    const token = String(
      (await fullCodeFlow(t.app, { scope: 'openid fhirUser user/*.cruds' }))['access_token'],
    );
    expect((await fhirGet(t.app, 'Patient/pat-1', token)).statusCode).toBe(403);
    const moved = await t.app.inject({
      method: 'PUT',
      url: '/fhir/RelatedPerson/rp-1',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
      payload: JSON.stringify({
        ...RP,
        subject: { reference: 'Patient/pat-2' },
        patient: { reference: 'Patient/pat-1' },
      }),
    });
    expect(moved.statusCode, moved.body).toBe(403);
    const again = String(
      (await fullCodeFlow(t.app, { scope: 'openid fhirUser user/*.cruds' }))['access_token'],
    );
    expect((await fhirGet(t.app, 'Patient/pat-1', again)).statusCode).toBe(403);
  });

  it("does not let a patient/ token write into another patient's record through a stray 'subject'", async ({
    sandboxWith,
  }) => {
    const t = await sandboxWith({ clients, personas });
    const token = String(
      (await fullCodeFlow(t.app, { scope: 'launch/patient patient/AllergyIntolerance.c' }))['access_token'],
    );
    const res = await t.app.inject({
      method: 'POST',
      url: '/fhir/AllergyIntolerance',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
      payload: JSON.stringify({
        resourceType: 'AllergyIntolerance',
        patient: { reference: 'Patient/pat-2' },
        subject: { reference: 'Patient/pat-1' },
      }),
    });
    expect(res.statusCode, res.body).toBe(403);
  });
});
