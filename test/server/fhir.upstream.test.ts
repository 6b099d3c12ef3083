import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect } from 'vitest';
import { ConfigError, parseConfig } from '../../server/config/validate.js';
import type { SandboxConfig } from '../../server/config/schema.js';
import {
  admin,
  confidentialClient,
  fhirGet,
  fullCodeFlow,
  FHIR_BASE,
  sandboxTest,
  type TestSandbox,
} from '../helpers/sandbox.js';

/** What reached the upstream stand-in. */
interface Arrival {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

const arrivals: Arrival[] = [];
let upstream: Server;
let base = '';

const obs = (id: string, patient: string) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { text: id },
  subject: { reference: `Patient/${patient}` },
});
const searchset = (entries: Record<string, unknown>[], next?: string) => ({
  resourceType: 'Bundle',
  type: 'searchset',
  link: [
    { relation: 'self', url: `${base}/Observation` },
    ...(next === undefined ? [] : [{ relation: 'next', url: next }]),
  ],
  entry: entries.map((resource) => ({
    fullUrl: `${base}/Observation/${String(resource['id'])}`,
    resource,
    search: { mode: 'match' },
  })),
});

/** A small FHIR server as HAPI FHIR answers: records every request, answers from a few fixed routes. */
function answer(url: string): { status: number; body: unknown; headers?: Record<string, string> } {
  const path = url.split('?')[0];
  if (path === '/fhir/Patient/pat-1') {
    return {
      status: 200,
      body: { resourceType: 'Patient', id: 'pat-1' },
      headers: { etag: 'W/"3"', 'content-location': `${base}/Patient/pat-1/_history/3` },
    };
  }
  if (path === '/fhir/Observation/obs-other') return { status: 200, body: obs('obs-other', 'pat-2') };
  if (path === '/fhir/Observation') {
    return {
      status: 200,
      body: searchset(
        [obs('obs-a', 'pat-1'), obs('obs-b', 'pat-2')],
        `${base}?_getpages=abc&_getpagesoffset=2&_count=2`,
      ),
    };
  }
  if (path === '/fhir' || path === '/fhir/') {
    return { status: 200, body: searchset([obs('obs-c', 'pat-1'), obs('obs-d', 'pat-2')]) };
  }
  if (path === '/fhir/Binary/huge') {
    return { status: 200, body: { resourceType: 'Binary', id: 'huge', data: 'A'.repeat(17 * 1024 * 1024) } };
  }
  if (path === '/fhir/Condition') return { status: 500, body: { resourceType: 'OperationOutcome' } };
  return {
    status: 404,
    body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] },
  };
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    arrivals.push({ url: req.url ?? '', headers: req.headers });
    const { status, body, headers } = answer(req.url ?? '');
    res.writeHead(status, { 'content-type': 'application/fhir+json;charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/fhir`;
});
afterAll(() => new Promise<void>((resolve) => upstream.close(() => resolve())));
beforeEach(() => {
  arrivals.length = 0;
});

const clients = [
  {
    ...confidentialClient,
    scope: 'openid fhirUser launch/patient patient/*.* user/*.* patient/*.cruds user/*.cruds',
  },
];
const it = sandboxTest({ clients });

async function behindUpstream(
  sandboxWith: (config?: SandboxConfig) => Promise<TestSandbox>,
  fhir: Record<string, string> = {},
): Promise<TestSandbox> {
  return sandboxWith({ clients, fhir: { upstream: base, ...fhir } });
}
async function tokenFor(t: TestSandbox, scope: string): Promise<string> {
  return String((await fullCodeFlow(t.app, { scope }))['access_token']);
}
interface Bundle {
  link: { relation: string; url: string }[];
  entry: { fullUrl: string; resource: { id: string } }[];
}

describe('A real FHIR server behind the sandbox (fhir.upstream)', () => {
  it('never lets a refused request reach the upstream', async ({ sandboxWith }) => {
    const t = await behindUpstream(sandboxWith);
    const token = await tokenFor(t, 'launch/patient patient/Observation.rs');
    expect((await fhirGet(t.app, 'Observation?patient=pat-2', token)).statusCode).toBe(403);
    expect((await fhirGet(t.app, 'Condition?patient=pat-1', token)).statusCode).toBe(403);
    expect((await fhirGet(t.app, 'Patient/pat-1', token)).statusCode).toBe(403);
    expect((await fhirGet(t.app, 'Observation', undefined)).statusCode).toBe(401);
    expect((await fhirGet(t.app, 'Observation', 'not-a-token')).statusCode).toBe(401);
    expect(arrivals).toEqual([]);
  });

  it('forwards an allowed read intact, without the app token, and rebases Content-Location', async ({
    sandboxWith,
  }) => {
    const t = await behindUpstream(sandboxWith);
    const token = await tokenFor(t, 'openid fhirUser user/*.rs');
    const accept = 'application/fhir+json; fhirVersion=4.0';
    const res = await fhirGet(t.app, 'Patient/pat-1?_format=json', token, { accept });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ resourceType: 'Patient', id: 'pat-1' });
    expect(res.headers.etag).toBe('W/"3"');
    expect(res.headers['content-location']).toBe(`${FHIR_BASE}/Patient/pat-1/_history/3`);
    expect(arrivals).toHaveLength(1);
    expect(arrivals[0]?.url).toBe('/fhir/Patient/pat-1?_format=json');
    expect(arrivals[0]?.headers.accept).toBe(accept);
    expect(arrivals[0]?.headers.authorization).toBeUndefined();
  });

  it('sends the configured Authorization instead', async ({ sandboxWith }) => {
    const t = await behindUpstream(sandboxWith, { upstreamAuthorization: 'Basic dXNlcjpwYXNz' });
    const token = await tokenFor(t, 'openid fhirUser user/*.rs');
    expect((await fhirGet(t.app, 'Patient/pat-1', token)).statusCode).toBe(200);
    expect(arrivals[0]?.headers.authorization).toBe('Basic dXNlcjpwYXNz');
  });

  it("reads, then refuses a resource outside the token's patient compartment", async ({ sandboxWith }) => {
    const t = await behindUpstream(sandboxWith);
    const token = await tokenFor(t, 'launch/patient patient/Observation.rs');
    const res = await fhirGet(t.app, 'Observation/obs-other', token);
    expect(res.statusCode).toBe(403);
    expect(res.body).not.toContain('obs-other"');
    expect(res.json()).toMatchObject({ resourceType: 'OperationOutcome' });
  });

  it("confines a patient token's search to its compartment, filters the answer and rewrites paging links", async ({
    sandboxWith,
  }) => {
    const t = await behindUpstream(sandboxWith);
    const token = await tokenFor(t, 'launch/patient patient/Observation.rs');
    const res = await fhirGet(t.app, 'Observation?code=x&_count=2', token);
    expect(res.statusCode).toBe(200);
    expect(arrivals[0]?.url).toBe('/fhir/Observation?code=x&_count=2&patient=pat-1');
    const bundle = res.json<Bundle>();
    expect(bundle.entry.map((e) => e.resource.id)).toEqual(['obs-a']);
    expect(bundle.entry[0]?.fullUrl).toBe(`${FHIR_BASE}/Observation/obs-a`);
    const next = bundle.link.find((l) => l.relation === 'next')?.url;
    expect(next).toBe(`${FHIR_BASE}?_getpages=abc&_getpagesoffset=2&_count=2`);
    const page = await t.app.inject({
      url: String(next).slice('http://127.0.0.1:9710'.length),
      headers: { authorization: `Bearer ${token}` },
    });
    expect(page.statusCode).toBe(200);
    expect(arrivals[1]?.url).toBe('/fhir?_getpages=abc&_getpagesoffset=2&_count=2');
    expect(page.json<Bundle>().entry.map((e) => e.resource.id)).toEqual(['obs-c']);
  });

  it('passes an allowed search on intact', async ({ sandboxWith }) => {
    const t = await behindUpstream(sandboxWith);
    const token = await tokenFor(t, 'openid fhirUser user/*.rs');
    const res = await fhirGet(t.app, 'Observation?patient=pat-2&date=ge2026-01&_sort=-date', token);
    expect(res.statusCode).toBe(200);
    expect(arrivals[0]?.url).toBe('/fhir/Observation?patient=pat-2&date=ge2026-01&_sort=-date');
    expect(res.json<Bundle>().entry.map((e) => e.resource.id)).toEqual(['obs-a', 'obs-b']);
  });

  it('answers 502 naming the upstream when it fails or cannot be reached', async ({ sandboxWith }) => {
    const t = await behindUpstream(sandboxWith);
    const token = await tokenFor(t, 'openid fhirUser user/*.rs');
    const failed = await fhirGet(t.app, 'Condition', token);
    expect(failed.statusCode).toBe(502);
    expect(failed.json<{ issue: { diagnostics: string }[] }>().issue[0]?.diagnostics).toBe(
      `the upstream FHIR server ${base} answered 500`,
    );
    const gone = await sandboxWith({ clients, fhir: { upstream: 'http://127.0.0.1:1/fhir' } });
    const unreachable = await fhirGet(
      gone.app,
      'Patient/pat-1',
      await tokenFor(gone, 'openid fhirUser user/*.rs'),
    );
    expect(unreachable.statusCode).toBe(502);
    expect(unreachable.body).toContain(
      'the upstream FHIR server http://127.0.0.1:1/fhir could not be reached',
    );
  });

  it('refuses an answer larger than 16 MiB with 502, naming the limit', async ({ sandboxWith }) => {
    const t = await behindUpstream(sandboxWith);
    const token = await tokenFor(t, 'openid fhirUser user/*.rs');
    const res = await fhirGet(t.app, 'Binary/huge', token);
    expect(res.statusCode).toBe(502);
    expect(res.body).toContain('more than 16777216 bytes (the upstream answer limit');
  });

  it('forwards nothing at the base but page links: no system-wide search, no path resolved to it', async ({
    sandboxWith,
  }) => {
    const t = await behindUpstream(sandboxWith);
    const token = await tokenFor(t, 'launch/patient patient/Observation.rs');
    const paths = ['Patient/..', 'Patient/%2E%2E', 'Observation/..?_type=Observation', '?_type=Observation'];
    for (const path of paths) {
      expect((await fhirGet(t.app, path, token)).statusCode, path).toBe(404);
    }
    expect(arrivals).toEqual([]);
  });

  it('passes the upstream 404 on as it is', async ({ sandboxWith }) => {
    const t = await behindUpstream(sandboxWith);
    const token = await tokenFor(t, 'openid fhirUser user/*.rs');
    expect((await fhirGet(t.app, 'Patient/nobody', token)).statusCode).toBe(404);
  });

  it('refuses writes with 501 rather than writing to the sandbox data', async ({ sandboxWith }) => {
    const t = await behindUpstream(sandboxWith);
    const token = await tokenFor(t, 'openid fhirUser user/*.cruds');
    const res = await t.app.inject({
      method: 'POST',
      url: '/fhir/Observation',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
      payload: obs('new', 'pat-1'),
    });
    expect(res.statusCode).toBe(501);
    expect(arrivals).toEqual([]);
  });

  it('refuses an upstream that is not an http(s) URL, naming the field', () => {
    expect(parseConfig({ fhir: { upstream: 'http://localhost:8080/fhir' } }).fhir?.upstream).toBe(
      'http://localhost:8080/fhir',
    );
    expect(() => parseConfig({ fhir: { upstream: 'ftp://example.org/fhir' } })).toThrow(ConfigError);
    try {
      parseConfig({ fhir: { upstream: 'localhost:8080/fhir' } });
    } catch (err) {
      expect((err as ConfigError).issues[0]?.path).toBe('fhir.upstream');
    }
  });
});

describe('user/ scopes of a RelatedPerson behind the upstream', () => {
  it("confines the search to the related patient's compartment and filters the answer", async ({
    sandboxWith,
  }) => {
    const t = await sandboxWith({
      clients: clients.map((c) => ({ ...c, defaultPersona: 'mother' })),
      personas: [{ id: 'mother', fhirUser: 'RelatedPerson/rp-1', name: 'Jane Chalmers' }],
      fhir: { upstream: base },
    });
    const related = { resourceType: 'RelatedPerson', id: 'rp-1', patient: { reference: 'Patient/pat-2' } };
    const loaded = await admin(t.app, 'POST', '/fhir/load', {
      file: 'rp-1.json',
      content: JSON.stringify(related),
    });
    expect(loaded.statusCode, loaded.body).toBe(201);
    const token = await tokenFor(t, 'openid fhirUser user/*.rs');
    const res = await fhirGet(t.app, 'Observation?code=x', token);
    expect(res.statusCode).toBe(200);
    expect(arrivals[0]?.url).toBe('/fhir/Observation?code=x&patient=pat-2');
    expect(res.json<Bundle>().entry.map((e) => e.resource.id)).toEqual(['obs-b']);
    expect((await fhirGet(t.app, 'Patient/pat-1', token)).statusCode).toBe(403);
  });
});
