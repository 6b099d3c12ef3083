import { describe, expect } from 'vitest';
import type { SandboxConfig } from '../../server/config/schema.js';
import {
  confidentialClient,
  fhirGet,
  fullCodeFlow,
  FHIR_BASE,
  sandboxTest,
  type TestSandbox,
} from '../helpers/sandbox.js';
import { obs, upstreamStandIn, type UpstreamAnswer } from '../helpers/fhir-upstream.js';

/**
 * An upstream that answers whatever the test sets: what the sandbox relays of it must still pass the token's
 * checks (README "A real FHIR server behind the sandbox").
 */
let next: (method: string, url: string) => UpstreamAnswer = () => ({ status: 404, body: {} });
const upstream = await upstreamStandIn((method, url) => next(method, url));
const base = upstream.base;
/** What reached the upstream, as method and path. */
const arrivals = () => upstream.arrivals.map((a) => `${a.method} ${a.url}`);

const otherPatient = { resourceType: 'Patient', id: 'pat-2', name: [{ family: 'Secret' }] };

const clients = [
  { ...confidentialClient, scope: 'openid fhirUser launch/patient patient/*.* user/*.* patient/*.cruds' },
];
const it = sandboxTest({ clients });

async function patientToken(sandboxWith: (c?: SandboxConfig) => Promise<TestSandbox>, scope: string) {
  const t = await sandboxWith({ clients, fhir: { upstream: base } });
  return { t, token: String((await fullCodeFlow(t.app, { scope }))['access_token']) };
}

describe("An upstream's answer cannot smuggle another patient's data past the checks", () => {
  it('checks a read answered with a 2xx other than 200 as a 200 is checked', async ({ sandboxWith }) => {
    const { t, token } = await patientToken(sandboxWith, 'launch/patient patient/Patient.rs');
    next = () => ({ status: 203, body: otherPatient });
    const res = await fhirGet(t.app, 'Patient/pat-2', token);
    expect(res.body).not.toContain('Secret');
    expect(res.statusCode).not.toBe(203);
  });

  it('does not relay a resource as the body of an error answer to a read', async ({ sandboxWith }) => {
    const { t, token } = await patientToken(sandboxWith, 'launch/patient patient/Patient.rs');
    next = () => ({ status: 404, body: otherPatient });
    const res = await fhirGet(t.app, 'Patient/pat-2', token);
    expect(res.body).not.toContain('Secret');
  });

  it('does not relay a search answered with something that is not a Bundle', async ({ sandboxWith }) => {
    const { t, token } = await patientToken(sandboxWith, 'launch/patient patient/Patient.rs');
    next = () => ({ status: 200, body: otherPatient });
    const res = await fhirGet(t.app, 'Patient?name=x', token);
    expect(res.body).not.toContain('Secret');
  });

  it('does not relay a searchset whose entry is not a list', async ({ sandboxWith }) => {
    const { t, token } = await patientToken(sandboxWith, 'launch/patient patient/Patient.rs');
    next = () => ({
      status: 200,
      body: { resourceType: 'Bundle', type: 'searchset', entry: { resource: otherPatient } },
    });
    const res = await fhirGet(t.app, 'Patient?name=x', token);
    expect(res.body).not.toContain('Secret');
  });

  it('does not hand the app a page link it cannot rebase, which would reach the upstream past the checks', async ({
    sandboxWith,
  }) => {
    const { t, token } = await patientToken(sandboxWith, 'launch/patient patient/Observation.rs');
    // The same upstream, spelled as its server_address says (host in another case, explicit default port...).
    const elsewhere = base.replace('127.0.0.1', 'localhost');
    next = () => ({
      status: 200,
      body: {
        resourceType: 'Bundle',
        type: 'searchset',
        link: [
          { relation: 'self', url: `${base}/Observation?patient=pat-1` },
          { relation: 'next', url: `${elsewhere}?_getpages=abc&_getpagesoffset=2` },
          { relation: 'previous', url: `${base}/../_sandbox/api/exchanges` },
        ],
        entry: [{ fullUrl: `${elsewhere}/Observation/o1`, resource: obs('o1', 'pat-1') }],
      },
      headers: { location: 'http://attacker.example/fhir/Observation/x' },
    });
    const res = await fhirGet(t.app, 'Observation', token);
    expect(res.statusCode).toBe(200);
    const bundle = res.json<{ link: { url: string }[]; entry: { fullUrl: string }[] }>();
    expect(bundle.link.map((l) => l.url)).toEqual([`${FHIR_BASE}/Observation?patient=pat-1`]);
    expect(bundle.entry[0]?.fullUrl).toBe(`${FHIR_BASE}/Observation/o1`);
    expect(res.headers.location).toBeUndefined();
  });

  // An upstream that gives no version (no ETag, no meta.versionId) could only get an unconditional write, and a
  // change between the sandbox's read and the write (the resource moved to another patient) would be overwritten.
  it('refuses an update or delete when the upstream names no version, rather than send it unconditionally', async ({
    sandboxWith,
  }) => {
    const { t, token } = await patientToken(sandboxWith, 'launch/patient patient/Observation.ud');
    next = (method) =>
      method === 'GET'
        ? { status: 200, body: obs('o1', 'pat-1') }
        : { status: 200, body: { ...obs('o1', 'pat-1'), status: 'amended' } };
    const put = await t.app.inject({
      method: 'PUT',
      url: '/fhir/Observation/o1',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
      payload: JSON.stringify({ ...obs('o1', 'pat-1'), status: 'amended' }),
    });
    expect(put.statusCode).toBe(409);
    expect(put.body).toContain('gave Observation/o1 no version');
    const del = await t.app.inject({
      method: 'DELETE',
      url: '/fhir/Observation/o1',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(del.statusCode).toBe(409);
    expect(arrivals()).toEqual(['GET /fhir/Observation/o1', 'GET /fhir/Observation/o1']);
  });
});
