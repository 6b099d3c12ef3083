import { describe, expect } from 'vitest';
import {
  accessToken,
  clinicalClient,
  CLINICAL_SCOPE,
  confidentialClient,
  FHIR_BASE,
  fhirGet,
  fhirWrite,
  lastExchange,
  lastVerdictScope,
  sandboxTest,
  systemToken,
  type TestSandbox,
} from '../helpers/sandbox.js';
import type { ScopeCheck } from '../../server/exchanges/exchange.js';

/** conf-app may ask for any clinical scope, v1 or v2, in every context (system/ too, for backend services). */
const it = sandboxTest({
  clients: [{ ...clinicalClient, scope: `${CLINICAL_SCOPE} system/*.* system/*.cruds` }],
});

type Context = 'patient' | 'user' | 'system';

/** A token with this scope: a code flow with the patient pat-1 in context, or client_credentials for system/. */
async function tokenFor(t: TestSandbox, scope: string): Promise<string> {
  if (scope.startsWith('system/')) return systemToken(t.app, scope);
  const launch = scope.startsWith('patient/') ? 'launch/patient ' : 'openid fhirUser ';
  return accessToken(t.app, `${launch}${scope}`);
}

function observation(id: string | undefined, patient: string, text = 'Pulse'): Record<string, unknown> {
  return {
    resourceType: 'Observation',
    ...(id === undefined ? {} : { id }),
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }], text },
    subject: { reference: `Patient/${patient}` },
    valueQuantity: { value: 72, unit: '/min' },
  };
}

describe('FHIR writes answer as a FHIR server does (FHIR R4 http.html)', () => {
  it('creates with 201, Location with _history, ETag W/"1" and versioned meta', async ({ t }) => {
    const token = await tokenFor(t, 'patient/Observation.crus');
    const res = await fhirWrite(t.app, 'POST', 'Observation', token, observation('ignored', 'pat-1'));
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json<{ id: string; meta: { versionId: string; lastUpdated: string } }>();
    // http.html#create: the server assigns the id.
    expect(created.id).not.toBe('ignored');
    expect(created.meta.versionId).toBe('1');
    expect(Date.parse(created.meta.lastUpdated)).not.toBeNaN();
    expect(res.headers.location).toBe(`${FHIR_BASE}/Observation/${created.id}/_history/1`);
    expect(res.headers.etag).toBe('W/"1"');
    const read = await fhirGet(t.app, `Observation/${created.id}`, token);
    expect(read.json()).toEqual(created);
  });

  it('updates with 200 and the next version, creates on update with 201, and honours If-Match (412)', async ({
    t,
  }) => {
    const token = await tokenFor(t, 'patient/Observation.cru');
    /** An update of obs-1 by an app that read its version 1. */
    const updateRead1 = (text: string) =>
      fhirWrite(t.app, 'PUT', 'Observation/obs-1', token, observation('obs-1', 'pat-1', text), {
        'if-match': 'W/"1"',
      });
    const updated = await updateRead1('BP');
    expect(updated.statusCode, updated.body).toBe(200);
    expect(updated.headers.etag).toBe('W/"2"');
    expect(updated.json()).toMatchObject({ meta: { versionId: '2' }, code: { text: 'BP' } });

    // The version an app read is no longer current: its update is refused, and nothing changes.
    const stale = await updateRead1('late');
    expect(stale.statusCode).toBe(412);
    expect(stale.json()).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ code: 'conflict', diagnostics: expect.stringContaining('current version is 2') as string }],
    });
    expect((await fhirGet(t.app, 'Observation/obs-1', token)).json()).toMatchObject({ code: { text: 'BP' } });

    const upsert = await fhirWrite(t.app, 'PUT', 'Observation/my-obs', token, observation('my-obs', 'pat-1'));
    expect(upsert.statusCode).toBe(201);
    expect(upsert.headers.location).toBe(`${FHIR_BASE}/Observation/my-obs/_history/1`);
  });

  it('deletes with 204, then reads 410 Gone', async ({ t }) => {
    const token = await tokenFor(t, 'patient/Observation.rd');
    expect((await fhirWrite(t.app, 'DELETE', 'Observation/obs-2', token)).statusCode).toBe(204);
    const gone = await fhirGet(t.app, 'Observation/obs-2', token);
    expect(gone.statusCode).toBe(410);
    expect(gone.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'deleted' }] });
    // Deleting again changes nothing and still succeeds.
    expect((await fhirWrite(t.app, 'DELETE', 'Observation/obs-2', token)).statusCode).toBe(204);
  });

  it.for([
    {
      name: 'a body of another type',
      method: 'POST' as const,
      path: 'Observation',
      body: { resourceType: 'Condition' },
      status: 400,
      says: 'does not match',
    },
    {
      name: 'an update without the URL id',
      method: 'PUT' as const,
      path: 'Observation/obs-1',
      body: observation(undefined, 'pat-1'),
      status: 400,
      says: "must carry the URL's id",
    },
    {
      name: 'an unknown resource type',
      method: 'POST' as const,
      path: 'Observaton',
      body: { resourceType: 'Observaton' },
      status: 404,
      says: 'not served',
    },
    {
      name: 'an If-Match without a version',
      method: 'PUT' as const,
      path: 'Observation/obs-1',
      body: observation('obs-1', 'pat-1'),
      status: 412,
      says: 'If-Match must name a version',
      headers: { 'if-match': '*' },
    },
  ])('answers $name with $status and an OperationOutcome', async (c, { t }) => {
    const token = await tokenFor(t, 'system/*.cruds');
    const res = await fhirWrite(t.app, c.method, c.path, token, c.body, c.headers);
    expect(res.statusCode).toBe(c.status);
    expect(res.headers['content-type']).toContain('application/fhir+json');
    expect(res.json<{ issue: { diagnostics: string }[] }>().issue[0]?.diagnostics).toContain(c.says);
  });

  it('refuses a body over the write limit and a text/plain body, as OperationOutcomes', async ({ t }) => {
    const token = await tokenFor(t, 'system/*.cruds');
    const big = { ...observation(undefined, 'pat-1'), note: [{ text: 'x'.repeat(1024 * 1024) }] };
    const tooBig = await fhirWrite(t.app, 'POST', 'Observation', token, big);
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json()).toMatchObject({ resourceType: 'OperationOutcome' });
    expect(tooBig.body).toContain('write body limit');
    const plain = await fhirWrite(t.app, 'POST', 'Observation', token, observation(undefined, 'pat-1'), {
      'content-type': 'text/plain',
    });
    expect(plain.statusCode).toBe(415);
    expect(plain.body).toContain('application/fhir+json');
  });

  it('refuses a create past limits.fhirResources, naming the limit', async ({ sandboxWith }) => {
    const t = await sandboxWith({
      clients: [{ ...confidentialClient, scope: 'system/*.cruds' }],
      fhir: { fixtures: false },
      limits: { fhirResources: 100 },
    });
    const token = await tokenFor(t, 'system/*.cruds');
    for (let i = 0; i < 100; i++) {
      expect(
        (await fhirWrite(t.app, 'PUT', `Patient/p${i}`, token, { resourceType: 'Patient', id: `p${i}` }))
          .statusCode,
      ).toBe(201);
    }
    const over = await fhirWrite(t.app, 'POST', 'Patient', token, { resourceType: 'Patient' });
    expect(over.statusCode).toBe(422);
    expect(over.body).toContain('limits.fhirResources');
    // An update of what is stored still fits.
    expect(
      (
        await fhirWrite(t.app, 'PUT', 'Patient/p1', token, {
          resourceType: 'Patient',
          id: 'p1',
          gender: 'other',
        })
      ).statusCode,
    ).toBe(200);
  });
});

describe('the patient compartment of a patient/ token (SMART App Launch 2.2 §scopes)', () => {
  it("creates only for its patient, and updates only when old and new versions are its patient's", async ({
    t,
  }) => {
    const token = await tokenFor(t, 'patient/Observation.cruds');
    const other = await fhirWrite(t.app, 'POST', 'Observation', token, observation(undefined, 'pat-2'));
    expect(other.statusCode).toBe(403);
    expect(other.json<{ issue: { diagnostics: string }[] }>().issue[0]?.diagnostics).toContain(
      "belongs to Patient/pat-2: outside the compartment of the token's patient pat-1",
    );
    // Taking pat-1's observation away to pat-2 is refused (the new version is checked) ...
    const moveAway = await fhirWrite(t.app, 'PUT', 'Observation/obs-1', token, observation('obs-1', 'pat-2'));
    expect(moveAway.statusCode).toBe(403);
    // ... and so is taking pat-2's observation over (the current version is checked).
    const takeOver = await fhirWrite(t.app, 'PUT', 'Observation/obs-6', token, observation('obs-6', 'pat-1'));
    expect(takeOver.statusCode).toBe(403);
    expect(takeOver.json<{ issue: { diagnostics: string }[] }>().issue[0]?.diagnostics).toContain(
      'the current version of Observation/obs-6 belongs to Patient/pat-2',
    );
    expect((await fhirWrite(t.app, 'DELETE', 'Observation/obs-6', token)).statusCode).toBe(403);
    expect((await fhirGet(t.app, 'Observation/obs-6', await tokenFor(t, 'user/*.rs'))).json()).toMatchObject({
      subject: { reference: 'Patient/pat-2' },
    });
  });
});

describe('a v2 scope query limits writes too (SMART App Launch 2.2 §scopes)', () => {
  it('creates only resources that match the query of the scope that allows it', async ({ t }) => {
    const token = await tokenFor(t, 'patient/Observation.c?category=vital-signs');
    const category = (code: string) => [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code }] },
    ];
    const vital = await fhirWrite(t.app, 'POST', 'Observation', token, {
      ...observation(undefined, 'pat-1'),
      category: category('vital-signs'),
    });
    expect(vital.statusCode).toBe(201);
    const lab = await fhirWrite(t.app, 'POST', 'Observation', token, {
      ...observation(undefined, 'pat-1'),
      category: category('laboratory'),
    });
    expect(lab.statusCode).toBe(403);
    expect(await lastVerdictScope(t.app)).toMatchObject({
      interaction: 'c',
      allowed: false,
      considered: ['patient/Observation.c?category=vital-signs'],
    });
  });
});

describe('412 and 410 at the FHIR base are rejections like any other', () => {
  it('gives them the OperationOutcome diagnostics as the verdict reason and the X-Sandbox-Verdict header', async ({
    t,
  }) => {
    const token = await tokenFor(t, 'patient/Observation.cruds');
    const stale = await fhirWrite(t.app, 'PUT', 'Observation/obs-1', token, observation('obs-1', 'pat-1'), {
      'if-match': 'W/"7"',
    });
    expect(stale.statusCode).toBe(412);
    expect(stale.headers['x-sandbox-verdict']).toBe(
      'rejected: If-Match names version 7 of Observation/obs-1, but the current version is 1',
    );
    expect((await lastExchange(t.app)).verdict.reasons).toEqual([
      { text: 'conflict: If-Match names version 7 of Observation/obs-1, but the current version is 1' },
    ]);

    expect((await fhirWrite(t.app, 'DELETE', 'Observation/obs-1', token)).statusCode).toBe(204);
    const gone = await fhirGet(t.app, 'Observation/obs-1', token);
    expect(gone.statusCode).toBe(410);
    expect(String(gone.headers['x-sandbox-verdict'])).toMatch(
      /^rejected: Observation\/obs-1 was deleted at /,
    );
    expect((await lastExchange(t.app)).verdict.reasons[0]?.text).toMatch(
      /^deleted: Observation\/obs-1 was deleted/,
    );
  });
});

describe('the exchange log names what a create made', () => {
  it('names the type alone for a refused create, and the assigned id once it is stored', async ({ t }) => {
    const token = await tokenFor(t, 'patient/Observation.c');
    const refused = await fhirWrite(t.app, 'POST', 'Observation', token, observation(undefined, 'pat-2'));
    expect(refused.statusCode).toBe(403);
    const { verdict } = await lastExchange(t.app);
    expect(verdict.details?.scope).toMatchObject({
      interaction: 'c',
      target: 'Observation',
      allowed: false,
    });
    // No id of a resource that was never stored, in the reason or anywhere in the verdict.
    expect(JSON.stringify(verdict)).not.toMatch(/Observation\/[0-9a-f]{8}-/);
    expect(refused.json<{ issue: { diagnostics: string }[] }>().issue[0]?.diagnostics).toContain(
      'Observation belongs to Patient/pat-2: outside the compartment of',
    );

    const created = await fhirWrite(t.app, 'POST', 'Observation', token, observation(undefined, 'pat-1'));
    expect(created.statusCode).toBe(201);
    expect(await lastVerdictScope(t.app)).toMatchObject({
      target: `Observation/${created.json<{ id: string }>().id}`,
      allowed: true,
    });
  });
});

interface Case {
  readonly scope: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly body?: Record<string, unknown>;
  readonly status: number;
  readonly interaction: ScopeCheck['interaction'];
}

/**
 * For each context, each interaction: a request the scope allows, and the same request under a scope that
 * lacks the interaction. v1 `read` and `write` are checked as the v2 letters they stand for.
 */
function matrix(context: Context): { name: string; allowed: Case; refused: Case }[] {
  const s = (letters: string) => `${context}/Observation.${letters}`;
  const create: Omit<Case, 'scope' | 'status'> = {
    method: 'POST',
    path: 'Observation',
    body: observation(undefined, 'pat-1'),
    interaction: 'c',
  };
  const read: Omit<Case, 'scope' | 'status'> = { method: 'GET', path: 'Observation/obs-3', interaction: 'r' };
  const update: Omit<Case, 'scope' | 'status'> = {
    method: 'PUT',
    path: 'Observation/obs-4',
    body: observation('obs-4', 'pat-1', 'changed'),
    interaction: 'u',
  };
  const del: Omit<Case, 'scope' | 'status'> = {
    method: 'DELETE',
    path: 'Observation/obs-5',
    interaction: 'd',
  };
  const search: Omit<Case, 'scope' | 'status'> = {
    method: 'GET',
    path: 'Observation?patient=pat-1',
    interaction: 's',
  };
  return [
    {
      name: 'c',
      allowed: { ...create, scope: s('c'), status: 201 },
      refused: { ...create, scope: s('rs'), status: 403 },
    },
    {
      name: 'r',
      allowed: { ...read, scope: s('r'), status: 200 },
      refused: { ...read, scope: s('cs'), status: 403 },
    },
    {
      name: 'u',
      allowed: { ...update, scope: s('u'), status: 200 },
      refused: { ...update, scope: s('cr'), status: 403 },
    },
    {
      name: 'd',
      allowed: { ...del, scope: s('d'), status: 204 },
      refused: { ...del, scope: s('rs'), status: 403 },
    },
    {
      name: 's',
      allowed: { ...search, scope: s('s'), status: 200 },
      refused: { ...search, scope: s('r'), status: 403 },
    },
    {
      name: 'v1 read',
      allowed: { ...read, scope: s('read'), status: 200 },
      refused: { ...create, scope: s('read'), status: 403 },
    },
    {
      name: 'v1 write',
      allowed: { ...update, scope: s('write'), status: 200 },
      refused: { ...read, scope: s('write'), status: 403 },
    },
  ];
}

const MATRIX = (['patient', 'user', 'system'] as const).flatMap((context) =>
  matrix(context).map((row) => ({ ...row, context })),
);

describe('the scope matrix: c, r, u, d, s and v1 read/write × patient/user/system', () => {
  it.for(MATRIX)(
    '$context $name: allowed by its scope, refused without it, the verdict naming the rule',
    async (row, { t }) => {
      for (const [c, allowed] of [
        [row.allowed, true],
        [row.refused, false],
      ] as const) {
        const token = await tokenFor(t, c.scope);
        const res =
          c.method === 'GET'
            ? await fhirGet(t.app, c.path, token)
            : await fhirWrite(t.app, c.method, c.path, token, c.body);
        expect(res.statusCode, `${c.method} ${c.path} with ${c.scope}: ${res.body}`).toBe(c.status);
        const check = await lastVerdictScope(t.app);
        expect(check).toMatchObject({
          interaction: c.interaction,
          allowed,
          rule: 'SMART App Launch 2.2 §scopes',
        });
        if (allowed) {
          expect(check?.scope).toBe(c.scope);
        } else {
          expect(check?.scope).toBeUndefined();
          expect(res.headers['www-authenticate']).toContain('insufficient_scope');
        }
      }
    },
  );
});

describe('a write cannot hide which patient a resource is about', () => {
  it('refuses an Observation whose subject is a list naming another patient, with a patient field naming the token’s', async ({
    t,
  }) => {
    const token = await tokenFor(t, 'patient/Observation.crs');
    // Search reads every reference of a list subject; the compartment must not skip it for the `patient` field.
    const planted = {
      ...observation(undefined, 'pat-1'),
      subject: [{ reference: 'Patient/pat-2' }],
      patient: { reference: 'Patient/pat-1' },
    };
    const res = await fhirWrite(t.app, 'POST', 'Observation', token, planted);
    expect(res.statusCode, res.body).toBe(403);
    const practitioner = await tokenFor(t, 'user/Observation.rs');
    const found = await fhirGet(t.app, 'Observation?patient=pat-2', practitioner);
    expect(found.body).not.toContain('"patient":{"reference":"Patient/pat-1"}');
  });
});
