import { describe, expect } from 'vitest';
import {
  confidentialClient,
  expectFhirStatuses,
  FHIR_BASE,
  fhirGet,
  fullCodeFlow,
  sandboxTest,
} from '../helpers/sandbox.js';

/**
 * A persona's fhirUser may be an absolute URL (SMART App Launch 2.2 §fhirUser). A patient named so is still a
 * patient: user/ scopes reach their own compartment, not every patient's as a practitioner's do.
 */
const it = sandboxTest({
  clients: [{ ...confidentialClient, defaultPersona: 'by-url' }],
  personas: [{ id: 'by-url', fhirUser: `${FHIR_BASE}/Patient/pat-2`, name: 'Patient by URL' }],
});

describe('user/ scopes for a patient persona named by absolute URL', () => {
  it('cannot read another patient', async ({ t }) => {
    const token = String((await fullCodeFlow(t.app, { scope: 'openid fhirUser user/*.rs' }))['access_token']);
    await expectFhirStatuses(t.app, token, { 'Patient/pat-1': 403, 'Patient/pat-2': 200 });
  });

  it('searches only their own observations', async ({ t }) => {
    const token = String((await fullCodeFlow(t.app, { scope: 'openid fhirUser user/*.rs' }))['access_token']);
    const res = await fhirGet(t.app, 'Observation', token);
    expect(res.statusCode).toBe(200);
    const subjects = res
      .json<{ entry?: { resource: { subject?: { reference?: string } } }[] }>()
      .entry?.map((e) => e.resource.subject?.reference);
    expect(new Set(subjects)).toEqual(new Set(['Patient/pat-2']));
  });
});
