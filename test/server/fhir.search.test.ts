import { describe, expect } from 'vitest';
import {
  accessToken,
  admin,
  clinicalClient,
  FHIR_BASE,
  fhirGet,
  sandboxTest,
  type TestSandbox,
} from '../helpers/sandbox.js';

/** conf-app may ask for reads, searches and updates in every context. */
const it = sandboxTest({ clients: [clinicalClient] });

interface Bundle {
  total: number;
  link: { relation: string; url: string }[];
  entry?: { fullUrl: string; resource: { resourceType: string; id: string }; search: { mode: string } }[];
}

const USER = 'launch/patient openid fhirUser user/*.rs';

async function search(t: TestSandbox, query: string, scope = USER): Promise<Bundle> {
  const res = await fhirGet(t.app, query, await accessToken(t.app, scope));
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Bundle>();
}
const ids = (b: Bundle) => (b.entry ?? []).map((e) => e.resource.id);
const linkOf = (b: Bundle, relation: string) => b.link.find((l) => l.relation === relation)?.url;

describe('FHIR search (FHIR R4 search.html): what a SMART app first screen asks', () => {
  it('finds by _id, patient and subject', async ({ t }) => {
    expect(ids(await search(t, 'Observation?_id=obs-2,obs-6'))).toEqual(['obs-2', 'obs-6']);
    expect(ids(await search(t, 'Observation?patient=pat-3'))).toEqual(['obs-9', 'obs-10']);
    expect(ids(await search(t, 'Observation?subject=Patient/pat-3'))).toEqual(['obs-9', 'obs-10']);
  });

  it('finds by category and by code, with or without its system', async ({ t }) => {
    expect(ids(await search(t, 'Observation?patient=pat-2&category=laboratory'))).toEqual(['obs-6', 'obs-8']);
    expect(ids(await search(t, 'Observation?code=85354-9'))).toEqual(['obs-1', 'obs-7']);
    expect(ids(await search(t, 'Observation?code=http://loinc.org|85354-9'))).toEqual(['obs-1', 'obs-7']);
    expect(ids(await search(t, 'Observation?code=http://snomed.info/sct|85354-9'))).toEqual([]);
  });

  it('compares dates with each prefix, at the precision the value states (search.html#prefix)', async ({
    t,
  }) => {
    const q = async (date: string) => ids(await search(t, `Observation?patient=pat-1&date=${date}`));
    expect(await q('2026-11')).toEqual(['obs-5']);
    expect(await q('eq2026-10-14')).toEqual(['obs-1', 'obs-2', 'obs-3', 'obs-4']);
    expect(await q('ne2026-10')).toEqual(['obs-5']);
    expect(await q('gt2026-10-31')).toEqual(['obs-5']);
    expect(await q('lt2026-11-01')).toEqual(['obs-1', 'obs-2', 'obs-3', 'obs-4']);
    expect(await q('ge2026-11-20')).toEqual(['obs-5']);
    expect(await q('le2026-10-14')).toEqual(['obs-1', 'obs-2', 'obs-3', 'obs-4']);
    expect(await q('sa2026-10-14')).toEqual(['obs-5']);
    expect(await q('eb2026-11-20')).toEqual(['obs-1', 'obs-2', 'obs-3', 'obs-4']);
    // 09:00-05:00 is 14:00Z: the zone is honoured.
    expect(await q('2026-10-14T14:00:00Z')).toEqual(['obs-1', 'obs-2', 'obs-3', 'obs-4']);
    expect(await q('ge2026-10-14T14:00:01Z')).toEqual(['obs-5']);
    // An Encounter's period is a range: an open end reaches on.
    expect(ids(await search(t, 'Encounter?date=ge2027'))).toEqual(['enc-2']);
    expect(ids(await search(t, 'Encounter?date=2026-09-04'))).toEqual([]);
    expect(ids(await search(t, 'Encounter?date=le2026-09-04&date=ge2026-09-01'))).toEqual(['enc-3']);
  });

  it('refuses a malformed date or _count with 400 saying what was expected', async ({ t }) => {
    const token = await accessToken(t.app, USER);
    for (const [query, text] of [
      ['Observation?date=yesterday', 'date=yesterday: expected a FHIR date'],
      ['Observation?date=ap2026', 'date=ap2026: expected a FHIR date'],
      ['Observation?_count=-1', '_count=-1: expected a whole number'],
      ['Observation?_sort=code', '_sort=code: Observation sorts by _lastUpdated, date'],
    ] as const) {
      const res = await fhirGet(t.app, query, token);
      expect(res.statusCode, query).toBe(400);
      expect(res.json<{ issue: { code: string; diagnostics: string }[] }>().issue[0]).toMatchObject({
        code: 'invalid',
        diagnostics: expect.stringContaining(text) as unknown,
      });
    }
  });

  it('sorts by date, newest first with -date, and by _lastUpdated', async ({ t }) => {
    const newest = ids(await search(t, 'Observation?code=85354-9,8310-5,9279-1&_sort=-date'));
    expect(newest).toEqual(['obs-9', 'obs-1', 'obs-7', 'obs-12']);
    const oldest = ids(await search(t, 'Observation?code=85354-9,8310-5,9279-1&_sort=date'));
    expect(oldest).toEqual(['obs-12', 'obs-7', 'obs-1', 'obs-9']);
    const token = await accessToken(t.app, `${USER} user/*.cu`);
    const obs = (await fhirGet(t.app, 'Observation/obs-3', token)).json<Record<string, unknown>>();
    t.clock.advance(60_000);
    const put = await t.app.inject({
      method: 'PUT',
      url: '/fhir/Observation/obs-3',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
      payload: obs,
    });
    expect(put.statusCode).toBe(200);
    expect(ids(await search(t, 'Observation?_sort=-_lastUpdated&_count=1'))).toEqual(['obs-3']);
    const since = new Date(t.clock.now() - 1000).toISOString();
    expect(ids(await search(t, `Observation?_lastUpdated=gt${encodeURIComponent(since)}`))).toEqual([
      'obs-3',
    ]);
  });

  it('pages with _count and self, next and previous links that a client follows', async ({ t }) => {
    const first = await search(t, 'Observation?_count=5');
    expect(first.total).toBe(12);
    expect(ids(first)).toEqual(['obs-1', 'obs-2', 'obs-3', 'obs-4', 'obs-5']);
    expect(linkOf(first, 'self')).toBe(`${FHIR_BASE}/Observation?_count=5`);
    expect(linkOf(first, 'previous')).toBeUndefined();
    const token = await accessToken(t.app, USER);
    const follow = async (url: string | undefined) =>
      (await fhirGet(t.app, String(url).slice(`${FHIR_BASE}/`.length), token)).json<Bundle>();
    const second = await follow(linkOf(first, 'next'));
    expect(ids(second)).toEqual(['obs-6', 'obs-7', 'obs-8', 'obs-9', 'obs-10']);
    const third = await follow(linkOf(second, 'next'));
    expect(ids(third)).toEqual(['obs-11', 'obs-12']);
    expect(linkOf(third, 'next')).toBeUndefined();
    expect(ids(await follow(linkOf(third, 'previous')))).toEqual(ids(second));
  });

  it('bounds a page at 500 entries, saying so in the self link', async ({ t }) => {
    const bundle = await search(t, 'Observation?_count=100000');
    expect(linkOf(bundle, 'self')).toBe(`${FHIR_BASE}/Observation?_count=500`);
    expect(ids(bundle)).toHaveLength(12);
  });

  it('adds the patient of the matches with _include, once, as search.mode include', async ({ t }) => {
    for (const include of ['Observation:patient', 'Observation:subject']) {
      const bundle = await search(t, `Observation?category=laboratory&patient=pat-2&_include=${include}`);
      expect(bundle.total).toBe(2);
      expect(bundle.entry?.map((e) => [e.resource.id, e.search.mode])).toEqual([
        ['obs-6', 'match'],
        ['obs-8', 'match'],
        ['pat-2', 'include'],
      ]);
    }
  });

  it('includes a patient only when the token may read it', async ({ t }) => {
    const bundle = await search(
      t,
      'Observation?_include=Observation:patient',
      'launch/patient patient/Observation.rs',
    );
    expect(bundle.entry?.every((e) => e.search.mode === 'match')).toBe(true);
  });

  it('answers _summary=count with the total and no entries', async ({ t }) => {
    const bundle = await search(t, 'Observation?category=laboratory&_summary=count');
    expect(bundle.total).toBe(6);
    expect(bundle.entry).toBeUndefined();
  });

  it('keeps the token patient compartment on paging, dates and includes', async ({ t }) => {
    const bundle = await search(
      t,
      'Observation?date=ge2026&_count=2&_include=Observation:patient',
      'launch/patient patient/*.rs',
    );
    expect(bundle.total).toBe(5);
    expect(ids(bundle)).toEqual(['obs-1', 'obs-2', 'pat-1']);
  });

  it('ignores unknown parameters, and refuses them by name under Prefer: handling=strict', async ({ t }) => {
    const token = await accessToken(t.app, USER);
    const lax = await fhirGet(
      t.app,
      'Observation?patient=pat-2&_elements=id&_include=Observation:performer',
      token,
    );
    expect(ids(lax.json<Bundle>())).toEqual(['obs-6', 'obs-7', 'obs-8']);
    const strict = await fhirGet(
      t.app,
      'Observation?patient=pat-2&_elements=id&_include=Observation:performer',
      token,
      {
        prefer: 'handling=strict',
      },
    );
    expect(strict.statusCode).toBe(400);
    expect(strict.json<{ issue: { diagnostics: string }[] }>().issue[0]?.diagnostics).toContain(
      '_elements, _include=Observation:performer',
    );
  });

  it('finds the RelatedPersons of a patient, within the token patient compartment', async ({ t }) => {
    const people = [
      { resourceType: 'RelatedPerson', id: 'rp-1', patient: { reference: 'Patient/pat-1' } },
      { resourceType: 'RelatedPerson', id: 'rp-2', patient: { reference: 'Patient/pat-2' } },
    ];
    const content = people.map((p) => JSON.stringify(p)).join('\n');
    expect((await admin(t.app, 'POST', '/fhir/load', { file: 'rp.ndjson', content })).statusCode).toBe(201);
    expect(ids(await search(t, 'RelatedPerson?patient=pat-1'))).toEqual(['rp-1']);
    expect(ids(await search(t, 'RelatedPerson?_id=rp-2'))).toEqual(['rp-2']);
    const patientScope = 'launch/patient patient/RelatedPerson.rs';
    expect(ids(await search(t, 'RelatedPerson', patientScope))).toEqual(['rp-1']);
    const other = await fhirGet(t.app, 'RelatedPerson?patient=pat-2', await accessToken(t.app, patientScope));
    expect(other.statusCode).toBe(403);
  });

  it('says which types are searchable when asked to search another, and that it reads by id', async ({
    t,
  }) => {
    const token = await accessToken(t.app, USER);
    const res = await fhirGet(t.app, 'Device?patient=pat-1', token);
    expect(res.statusCode).toBe(400);
    const diagnostics = res.json<{ issue: { code: string; diagnostics: string }[] }>().issue[0];
    expect(diagnostics).toMatchObject({ code: 'not-supported' });
    expect(diagnostics?.diagnostics).toBe(
      'search is not supported for Device; searchable types: Patient, Practitioner, RelatedPerson, Encounter, Observation, Condition, MedicationRequest; read it by id (GET /fhir/Device/{id})',
    );
    expect((await fhirGet(t.app, 'Nonsense?x=1', token)).statusCode).toBe(404);
  });

  it('lists the search parameters and includes in the CapabilityStatement', async ({ t }) => {
    const cs = (await t.app.inject({ url: '/fhir/metadata' })).json<{
      rest: {
        resource: { type: string; searchInclude: string[]; searchParam: { name: string; type: string }[] }[];
      }[];
    }>();
    const obs = cs.rest[0]?.resource.find((r) => r.type === 'Observation');
    expect(obs?.searchInclude).toEqual(['Observation:patient', 'Observation:subject']);
    expect(obs?.searchParam).toEqual(
      expect.arrayContaining([
        { name: 'date', type: 'date' },
        { name: '_lastUpdated', type: 'date' },
        { name: 'code', type: 'token' },
        { name: 'patient', type: 'reference' },
      ]),
    );
    const related = cs.rest[0]?.resource.find((r) => r.type === 'RelatedPerson');
    expect(related?.searchParam).toContainEqual({ name: 'patient', type: 'reference' });
  });
});
