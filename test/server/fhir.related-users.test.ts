import { describe, expect } from 'vitest';
import type { Exchange } from '../../server/exchanges/exchange.js';
import {
  admin,
  confidentialClient,
  FHIR_BASE,
  expectFhirStatuses,
  fhirGet,
  fullCodeFlow,
  sandboxTest,
  type TestSandbox,
} from '../helpers/sandbox.js';

/**
 * SMART App Launch 2.2 §scopes: `user/` scopes reach what the user may see. A RelatedPerson (a parent, a carer)
 * sees the patient they are related to, a Person the patients it links to, and a user missing from the FHIR
 * data nothing, rather than everyone's records as a practitioner does.
 */
const it = sandboxTest();

/** pat-2's mother; a Person who is pat-1 and, through the mother, pat-2's; one who links to no patient. */
const PEOPLE = {
  resourceType: 'Bundle',
  type: 'collection',
  entry: [
    {
      resource: {
        resourceType: 'RelatedPerson',
        id: 'rp-1',
        patient: { reference: 'Patient/pat-2' },
        name: [{ family: 'Chalmers', given: ['Jane'] }],
      },
    },
    {
      resource: {
        resourceType: 'Person',
        id: 'per-1',
        link: [{ target: { reference: 'Patient/pat-1' } }, { target: { reference: 'RelatedPerson/rp-1' } }],
      },
    },
    {
      resource: {
        resourceType: 'Person',
        id: 'per-none',
        link: [{ target: { reference: 'Practitioner/prac-1' } }],
      },
    },
  ],
};

/** A sandbox holding PEOPLE where `fhirUser` signs in, and a `user/*.rs` token of theirs. */
async function userToken(
  sandboxWith: (config: object) => Promise<TestSandbox>,
  fhirUser: string,
): Promise<{ t: TestSandbox; token: string }> {
  const t = await sandboxWith({
    clients: [{ ...confidentialClient, defaultPersona: 'user' }],
    personas: [{ id: 'user', fhirUser, name: 'Related user' }],
  });
  const loaded = await admin(t.app, 'POST', '/fhir/load', {
    file: 'people.json',
    content: JSON.stringify(PEOPLE),
  });
  expect(loaded.statusCode, loaded.body).toBe(201);
  const token = String((await fullCodeFlow(t.app, { scope: 'openid fhirUser user/*.rs' }))['access_token']);
  return { t, token };
}

async function observationSubjects(t: TestSandbox, token: string): Promise<Set<string | undefined>> {
  const res = await fhirGet(t.app, 'Observation?_count=100', token);
  expect(res.statusCode, res.body).toBe(200);
  return new Set(
    res
      .json<{ entry?: { resource: { subject?: { reference?: string } } }[] }>()
      .entry?.map((e) => e.resource.subject?.reference),
  );
}

describe('user/ scopes for a RelatedPerson user', () => {
  it("reads their patient's Observation and is refused another patient's", async ({ sandboxWith }) => {
    const { t, token } = await userToken(sandboxWith, 'RelatedPerson/rp-1');
    expect((await fhirGet(t.app, 'Observation/obs-6', token)).statusCode).toBe(200);
    const refused = await fhirGet(t.app, 'Observation/obs-1', token);
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('outside the compartment of the patient of user RelatedPerson/rp-1');
    const exchanges = (await admin(t.app, 'GET', '/exchanges')).json<{ exchanges: Exchange[] }>().exchanges;
    expect(exchanges.at(-1)?.verdict.details?.scope).toMatchObject({
      target: 'Observation/obs-1',
      allowed: false,
      rule: 'SMART App Launch 2.2 §scopes',
    });
  });

  it("searches only their patient's entries, and their patient only through _include", async ({
    sandboxWith,
  }) => {
    const { t, token } = await userToken(sandboxWith, `${FHIR_BASE}/RelatedPerson/rp-1`);
    expect(await observationSubjects(t, token)).toEqual(new Set(['Patient/pat-2']));
    const included = await fhirGet(t.app, 'Observation?_include=Observation:patient', token);
    const ids = included
      .json<{ entry: { resource: { resourceType: string; id: string } }[] }>()
      .entry.filter((e) => e.resource.resourceType === 'Patient')
      .map((e) => e.resource.id);
    expect(ids).toEqual(['pat-2']);
    expect((await fhirGet(t.app, 'Observation?patient=pat-1', token)).statusCode).toBe(403);
  });

  it('is refused everything, with the reason, when the RelatedPerson is not in the data', async ({
    sandboxWith,
  }) => {
    const { t, token } = await userToken(sandboxWith, 'RelatedPerson/rp-gone');
    const read = await fhirGet(t.app, 'Observation/obs-6', token);
    expect(read.statusCode).toBe(403);
    expect(read.body).toContain(
      "user RelatedPerson/rp-gone is not in the sandbox's FHIR data, so user/ scopes reach nothing",
    );
    expect((await fhirGet(t.app, 'Observation', token)).statusCode).toBe(403);
  });
});

describe('user/ scopes for a Person user', () => {
  it('sees both linked patients (one through a RelatedPerson), not a third', async ({ sandboxWith }) => {
    const { t, token } = await userToken(sandboxWith, 'Person/per-1');
    expect(await observationSubjects(t, token)).toEqual(new Set(['Patient/pat-1', 'Patient/pat-2']));
    await expectFhirStatuses(t.app, token, {
      'Patient/pat-1': 200,
      'Patient/pat-2': 200,
      'Patient/pat-3': 403,
      'Observation/obs-9': 403,
    });
  });

  it('is refused everything, with the reason, when it links to no patient', async ({ sandboxWith }) => {
    const { t, token } = await userToken(sandboxWith, 'Person/per-none');
    const search = await fhirGet(t.app, 'Observation', token);
    expect(search.statusCode).toBe(403);
    expect(search.body).toContain('user Person/per-none links to no Patient');
  });
});

describe('user/ scopes for a Practitioner user', () => {
  it('still reach every patient', async ({ sandboxWith }) => {
    const { t, token } = await userToken(sandboxWith, 'Practitioner/prac-1');
    expect(await observationSubjects(t, token)).toEqual(
      new Set(['Patient/pat-1', 'Patient/pat-2', 'Patient/pat-3', 'Patient/pat-4']),
    );
  });
});
