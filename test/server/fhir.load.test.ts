import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect } from 'vitest';
import { decodeJwt } from 'jose';
import {
  admin,
  startSandbox,
  fhirGet,
  launchAuthorize,
  launchClients,
  redeemPublic,
  sandboxTest,
  standardClients,
  type TestSandbox,
} from '../helpers/sandbox.js';
import type { Exchange } from '../../server/exchanges/exchange.js';

/** A Synthea patient bundle as Synthea writes it: a transaction, urn:uuid fullUrls and references. */
const SYNTHEA_FILE = 'synthea-patient-bundle.json';
const SYNTHEA = readFileSync(new URL(`../fixtures/${SYNTHEA_FILE}`, import.meta.url), 'utf8');
const PATIENT = 'b7c1f1de-2f4a-4c1e-9a55-1f6f0c7b2a10';
const ENCOUNTER = '3e0b5a4c-8d2f-4f5e-b1a9-6c2d7e8f9a01';
const IMMUNIZATION = '9e0f1a2b-5c6d-4e7f-8a8b-9c0d1e2f3a06';

const it = sandboxTest({ clients: [...launchClients] });

function load(t: TestSandbox, file: string, content: string) {
  return admin(t.app, 'POST', '/fhir/load', { file, content });
}

async function choices(t: TestSandbox): Promise<{ id: string; encounters: { id: string }[] }[]> {
  return (await admin(t.app, 'GET', '/launches/choices')).json<{
    patients: { id: string; encounters: { id: string }[] }[];
  }>().patients;
}

/** An EHR launch of launch-app on a patient, through authorize and token, as a SMART app runs it. */
async function ehrLaunch(t: TestSandbox, patient: string, encounter: string): Promise<string> {
  const launched = await admin(t.app, 'POST', '/launches', { clientId: 'launch-app', patient, encounter });
  expect(launched.statusCode).toBe(201);
  const { launch } = launched.json<{ launch: string }>();
  const { code } = await launchAuthorize(t.app, launch);
  const res = await redeemPublic(t.app, code ?? '');
  expect(res.statusCode).toBe(200);
  return res.json<{ access_token: string }>().access_token;
}

describe('POST /_sandbox/api/fhir/load: your own FHIR data (README "Your FHIR data")', () => {
  it('loads a Synthea patient bundle, references resolved, and launches an app on its patient', async ({
    t,
  }) => {
    const res = await load(t, SYNTHEA_FILE, SYNTHEA);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      file: SYNTHEA_FILE,
      loaded: 7,
      patients: [PATIENT],
      types: { Patient: 1, Encounter: 1, Observation: 2, Immunization: 1 },
    });

    // The loaded patient and its encounter are launch choices, beside the shipped ones.
    const patient = (await choices(t)).find((p) => p.id === PATIENT);
    expect(patient?.encounters.map((e) => e.id)).toEqual([ENCOUNTER]);

    const token = await ehrLaunch(t, PATIENT, ENCOUNTER);
    expect(decodeJwt(token)['patient']).toBe(PATIENT);
    const read = await fhirGet(t.app, `Patient/${PATIENT}`, token);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ resourceType: 'Patient', id: PATIENT, meta: { versionId: '1' } });
    expect(read.headers.etag).toBe('W/"1"');

    // urn:uuid references now name what the FHIR base serves, so a search by patient finds them.
    const obs = await fhirGet(t.app, `Observation?patient=${PATIENT}`, token);
    expect(obs.json<{ total: number }>().total).toBe(2);
    const enc = await fhirGet(t.app, `Encounter/${ENCOUNTER}`, token);
    expect(enc.json()).toMatchObject({ subject: { reference: `Patient/${PATIENT}` } });
    // A type beyond the searchable six is stored and read, in the patient's compartment by its `patient`.
    const imm = await fhirGet(t.app, `Immunization/${IMMUNIZATION}`, token);
    expect(imm.statusCode).toBe(200);
    expect(imm.json()).toMatchObject({ patient: { reference: `Patient/${PATIENT}` } });
    // The launch's token does not reach the shipped patients.
    expect((await fhirGet(t.app, 'Patient/pat-1', token)).statusCode).toBe(403);
  });

  it('refuses a bundle with a dangling urn:uuid, naming file, entry and field, and loads nothing of it', async ({
    t,
  }) => {
    const broken = JSON.parse(SYNTHEA) as { entry: { resource: Record<string, unknown> }[] };
    const obs = broken.entry[3]?.resource;
    if (obs === undefined) throw new Error('fixture changed');
    const before = (await admin(t.app, 'GET', '/fhir')).json<{ resources: number }>().resources;
    obs['subject'] = { reference: 'urn:uuid:00000000-0000-4000-8000-000000000000' };
    const res = await load(t, 'broken.json', JSON.stringify(broken));
    expect(res.statusCode).toBe(400);
    const body = res.json<{ error: string; message: string; field: string }>();
    expect(body.error).toBe('invalid_fhir_data');
    expect(body.field).toBe('entry[3] resource.subject.reference');
    expect(body.message).toContain('broken.json: entry[3]: resource.subject.reference: urn:uuid:0000');
    expect(body.message).toContain('dangling');
    // All or nothing: not even the entries before the broken one were stored.
    expect((await choices(t)).map((p) => p.id)).not.toContain(PATIENT);
    expect((await admin(t.app, 'GET', '/fhir')).json()).toMatchObject({ resources: before });
  });

  it.for([
    {
      name: 'not JSON',
      file: 'a.json',
      content: '{"resourceType": "Bundle", ',
      field: undefined,
      problem: 'a.json: is not valid JSON',
    },
    {
      name: 'an unknown resourceType',
      file: 'b.json',
      content: JSON.stringify({
        resourceType: 'Bundle',
        type: 'collection',
        entry: [
          { resource: { resourceType: 'Patient', id: 'ok-1' } },
          { resource: { resourceType: 'Patien', id: 'x' } },
        ],
      }),
      field: 'entry[1] resource.resourceType',
      problem: 'b.json: entry[1]: resource.resourceType: "Patien" is not a FHIR R4 resource type',
    },
    {
      name: 'an id against the FHIR id rule',
      file: 'c.json',
      content: JSON.stringify({
        resourceType: 'Bundle',
        type: 'collection',
        entry: [{ resource: { resourceType: 'Patient', id: 'a b' } }],
      }),
      field: 'entry[0] resource.id',
      problem: 'c.json: entry[0]: resource.id: "a b" is not a FHIR id',
    },
    {
      name: 'a resource without an id',
      file: 'd.json',
      content: JSON.stringify({ resourceType: 'Patient' }),
      field: 'id',
      problem: 'd.json: id: is missing',
    },
    {
      name: 'a __proto__ member',
      file: 'g.json',
      content: '{"resourceType":"Patient","id":"g1","name":[{"__proto__":{"family":"x"}}]}',
      field: 'name[0].__proto__',
      problem: 'g.json: name[0].__proto__: is not a FHIR element name',
    },
    {
      name: 'a history bundle',
      file: 'e.json',
      content: JSON.stringify({ resourceType: 'Bundle', type: 'history', entry: [] }),
      field: 'type',
      problem: 'e.json: type: Bundle type "history" is not loadable',
    },
    {
      name: 'an NDJSON line that is not JSON',
      file: 'f.ndjson',
      content: '{"resourceType":"Patient","id":"ok-2"}\n{"resourceType":"Patient",\n',
      field: undefined,
      problem: 'f.ndjson: line 2: is not valid JSON',
    },
  ])('refuses $name, naming the file and the field, and loads nothing', async (c, { t }) => {
    const before = (await admin(t.app, 'GET', '/fhir')).json<{ resources: number }>().resources;
    const res = await load(t, c.file, c.content);
    expect(res.statusCode).toBe(400);
    const body = res.json<{ error: string; message: string; field?: string }>();
    expect(body.error).toBe('invalid_fhir_data');
    expect(body.message).toContain(c.problem);
    if (c.field !== undefined) expect(body.field).toBe(c.field);
    expect((await admin(t.app, 'GET', '/fhir')).json<{ resources: number }>().resources).toBe(before);
  });

  it('loads NDJSON, one resource a line, and a single resource', async ({ t }) => {
    const ndjson = [
      { resourceType: 'Patient', id: 'nd-1', name: [{ family: 'Okafor', given: ['Ada'] }] },
      {
        resourceType: 'Observation',
        id: 'nd-obs-1',
        status: 'final',
        code: { text: 'x' },
        subject: { reference: 'Patient/nd-1' },
      },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n');
    expect((await load(t, 'export.ndjson', ndjson)).json()).toMatchObject({ loaded: 2, patients: ['nd-1'] });
    const one = await load(
      t,
      'practitioner.json',
      JSON.stringify({ resourceType: 'Practitioner', id: 'pr-9' }),
    );
    expect(one.json()).toMatchObject({ loaded: 1, types: { Practitioner: 1 } });
    expect((await choices(t)).map((p) => p.id)).toContain('nd-1');
  });

  it('refuses a file that would pass limits.fhirResources, naming the limit', async ({ sandboxWith }) => {
    const t = await sandboxWith({
      clients: [...standardClients],
      fhir: { fixtures: false },
      limits: { fhirResources: 100 },
    });
    const many = Array.from({ length: 101 }, (_, i) =>
      JSON.stringify({ resourceType: 'Patient', id: `p-${i}` }),
    ).join('\n');
    const res = await load(t, 'many.ndjson', many);
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toContain('limits.fhirResources');
    expect((await admin(t.app, 'GET', '/fhir')).json()).toMatchObject({ resources: 0, limit: 100 });
  });

  it('starts empty with fhir.fixtures false, and with the files fhir.load names', async ({ sandboxWith }) => {
    const empty = await sandboxWith({ clients: [...standardClients], fhir: { fixtures: false } });
    expect(await choices(empty)).toEqual([]);
    const file = new URL(`../fixtures/${SYNTHEA_FILE}`, import.meta.url).pathname;
    const loaded = await sandboxWith({
      clients: [...standardClients],
      fhir: { fixtures: false, load: [file] },
      launch: { patient: PATIENT, encounter: ENCOUNTER, fhirUser: `Patient/${PATIENT}` },
    });
    expect((await choices(loaded)).map((p) => p.id)).toEqual([PATIENT]);
  });

  it('keeps the load out of the exchange log body and behind the admin guard', async ({ t }) => {
    const res = await admin(
      t.app,
      'POST',
      '/fhir/load',
      { file: 'x.json', content: SYNTHEA },
      { authorization: undefined },
    );
    expect(res.statusCode).toBe(401);
    expect((await choices(t)).map((p) => p.id)).not.toContain(PATIENT);
    const log = (await admin(t.app, 'GET', '/exchanges')).json<{ exchanges: Exchange[] }>().exchanges;
    expect(log.filter((e) => e.path.includes('/fhir/load'))).toEqual([]);
  });

  it('takes a loaded patient as the config launch context, and starts again with it from the data folder', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sandbox-fhir-launch-'));
    const config = { clients: [...launchClients] };
    try {
      let t = await startSandbox(config, { dataDir: dir });
      expect((await load(t, SYNTHEA_FILE, SYNTHEA)).statusCode).toBe(201);
      const doc = (await admin(t.app, 'GET', '/config')).json<Record<string, unknown>>();
      const launch = { patient: PATIENT, encounter: ENCOUNTER, fhirUser: 'Practitioner/prac-1' };
      const put = await admin(t.app, 'PUT', '/config', { ...doc, launch });
      expect(put.statusCode, put.body).toBe(200);
      await t.app.close();

      t = await startSandbox(config, { dataDir: dir });
      try {
        expect((await admin(t.app, 'GET', '/config')).json()).toMatchObject({ launch });
        expect((await choices(t)).map((p) => p.id)).toContain(PATIENT);
      } finally {
        await t.app.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
