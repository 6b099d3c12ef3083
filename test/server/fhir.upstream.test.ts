import { describe, expect } from 'vitest';
import { ConfigError, parseConfig } from '../../server/config/validate.js';
import {
  accessToken,
  admin,
  clinicalClient,
  confidentialClient,
  FHIR_BASE,
  expectFhirStatuses,
  fhirGet,
  fhirWrite,
  lastVerdictScope,
  sandboxTest,
  type TestSandbox,
} from '../helpers/sandbox.js';
import { obs, upstreamStandIn, type UpstreamAnswer } from '../helpers/fhir-upstream.js';

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

type Answer = UpstreamAnswer;

/** Writes as HAPI FHIR answers them: the resource as stored, its version in ETag, Location, Content-Location. */
function written(method: string, path: string | undefined, sent: string): Answer | undefined {
  const stored = (id: string, version: string, body: Record<string, unknown>) => ({
    ...body,
    id,
    meta: { versionId: version },
  });
  const outcome = (code: string) => ({
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code }],
  });
  if (method === 'POST' && path === '/fhir/Observation') {
    return {
      status: 201,
      body: stored('created-1', '1', JSON.parse(sent) as Record<string, unknown>),
      headers: { etag: 'W/"1"', location: `${base}/Observation/created-1/_history/1` },
    };
  }
  // An upstream that stores something else than it was sent: its answer must not reach the app.
  if (method === 'POST' && path === '/fhir/Encounter') {
    return {
      status: 201,
      body: { resourceType: 'Encounter', id: 'enc-9', subject: { reference: 'Patient/pat-2' } },
      headers: { location: `${base}/Encounter/enc-9/_history/1` },
    };
  }
  if (method === 'PUT' && (path === '/fhir/Observation/obs-mine' || path === '/fhir/Observation/obs-new')) {
    const id = path.slice('/fhir/Observation/'.length);
    const version = id === 'obs-new' ? '1' : '4';
    return {
      status: id === 'obs-new' ? 201 : 200,
      body: stored(id, version, JSON.parse(sent) as Record<string, unknown>),
      headers: {
        etag: `W/"${version}"`,
        [id === 'obs-new' ? 'location' : 'content-location']: `${base}/Observation/${id}/_history/${version}`,
      },
    };
  }
  // Changed by another client since the sandbox read it: the If-Match the sandbox sent no longer holds.
  if (method === 'PUT' && path === '/fhir/Observation/obs-raced')
    return { status: 412, body: outcome('conflict') };
  if (method === 'DELETE' && path === '/fhir/Observation/obs-mine') {
    return {
      status: 200,
      body: { resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational' }] },
    };
  }
  return undefined;
}

/** A small FHIR server as HAPI FHIR answers: records every request, answers from a few fixed routes. */
function answer(method: string, url: string, sent: string): Answer {
  const path = url.split('?')[0];
  const write = written(method, path, sent);
  if (write !== undefined) return write;
  if (path === '/fhir/Observation/obs-mine' || path === '/fhir/Observation/obs-raced') {
    return {
      status: 200,
      body: obs(path.slice('/fhir/Observation/'.length), 'pat-1'),
      headers: { etag: 'W/"3"' },
    };
  }
  if (path === '/fhir/Patient/pat-1') {
    return {
      status: 200,
      body: { resourceType: 'Patient', id: 'pat-1' },
      headers: { etag: 'W/"3"', 'content-location': `${base}/Patient/pat-1/_history/3` },
    };
  }
  if (path === '/fhir/Patient/up-only')
    return { status: 200, body: { resourceType: 'Patient', id: 'up-only' } };
  if (path === '/fhir/Encounter/up-enc') {
    return {
      status: 200,
      body: { resourceType: 'Encounter', id: 'up-enc', subject: { reference: 'Patient/up-only' } },
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

const { base, arrivals } = await upstreamStandIn(answer);

const clients = [clinicalClient];
/** `t` guards the upstream stand-in; `sandboxWith` starts others (another client, another upstream). */
const it = sandboxTest({ clients, fhir: { upstream: base } });

/** What reached the upstream, as method and path. */
const seen = () => arrivals.map((a) => `${a.method} ${a.url}`);
interface Bundle {
  link: { relation: string; url: string }[];
  entry: { fullUrl: string; resource: { id: string } }[];
}

describe('A real FHIR server behind the sandbox (fhir.upstream)', () => {
  it('never lets a refused request reach the upstream', async ({ t }) => {
    const token = await accessToken(t.app, 'launch/patient patient/Observation.rs');
    await expectFhirStatuses(t.app, token, {
      'Observation?patient=pat-2': 403,
      'Condition?patient=pat-1': 403,
      'Patient/pat-1': 403,
    });
    expect((await fhirGet(t.app, 'Observation', undefined)).statusCode).toBe(401);
    expect((await fhirGet(t.app, 'Observation', 'not-a-token')).statusCode).toBe(401);
    expect(arrivals).toEqual([]);
  });

  it('forwards an allowed read intact, without the app token, and rebases Content-Location', async ({
    t,
  }) => {
    const token = await accessToken(t.app, 'openid fhirUser user/*.rs');
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
    const t = await sandboxWith({
      clients,
      fhir: { upstream: base, upstreamAuthorization: 'Basic dXNlcjpwYXNz' },
    });
    const token = await accessToken(t.app, 'openid fhirUser user/*.rs');
    expect((await fhirGet(t.app, 'Patient/pat-1', token)).statusCode).toBe(200);
    expect(arrivals[0]?.headers.authorization).toBe('Basic dXNlcjpwYXNz');
  });

  it("reads, then refuses a resource outside the token's patient compartment", async ({ t }) => {
    const token = await accessToken(t.app, 'launch/patient patient/Observation.rs');
    const res = await fhirGet(t.app, 'Observation/obs-other', token);
    expect(res.statusCode).toBe(403);
    expect(res.body).not.toContain('obs-other"');
    expect(res.json()).toMatchObject({ resourceType: 'OperationOutcome' });
  });

  it("confines a patient token's search to its compartment, filters the answer and rewrites paging links", async ({
    t,
  }) => {
    const token = await accessToken(t.app, 'launch/patient patient/Observation.rs');
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

  it('passes an allowed search on intact', async ({ t }) => {
    const token = await accessToken(t.app, 'openid fhirUser user/*.rs');
    const res = await fhirGet(t.app, 'Observation?patient=pat-2&date=ge2026-01&_sort=-date', token);
    expect(res.statusCode).toBe(200);
    expect(arrivals[0]?.url).toBe('/fhir/Observation?patient=pat-2&date=ge2026-01&_sort=-date');
    expect(res.json<Bundle>().entry.map((e) => e.resource.id)).toEqual(['obs-a', 'obs-b']);
  });

  it('answers 502 naming the upstream when it fails or cannot be reached', async ({ t, sandboxWith }) => {
    const token = await accessToken(t.app, 'openid fhirUser user/*.rs');
    const failed = await fhirGet(t.app, 'Condition', token);
    expect(failed.statusCode).toBe(502);
    expect(failed.json<{ issue: { diagnostics: string }[] }>().issue[0]?.diagnostics).toBe(
      `the upstream FHIR server ${base} answered 500`,
    );
    const gone = await sandboxWith({ clients, fhir: { upstream: 'http://127.0.0.1:1/fhir' } });
    const unreachable = await fhirGet(
      gone.app,
      'Patient/pat-1',
      await accessToken(gone.app, 'openid fhirUser user/*.rs'),
    );
    expect(unreachable.statusCode).toBe(502);
    expect(unreachable.body).toContain(
      'the upstream FHIR server http://127.0.0.1:1/fhir could not be reached',
    );
  });

  it('refuses an answer larger than 16 MiB with 502, naming the limit', async ({ t }) => {
    const token = await accessToken(t.app, 'openid fhirUser user/*.rs');
    const res = await fhirGet(t.app, 'Binary/huge', token);
    expect(res.statusCode).toBe(502);
    expect(res.body).toContain('more than 16777216 bytes (the upstream answer limit');
  });

  it('forwards nothing at the base but page links: no system-wide search, no path resolved to it', async ({
    t,
  }) => {
    const token = await accessToken(t.app, 'launch/patient patient/Observation.rs');
    const paths = ['Patient/..', 'Patient/%2E%2E', 'Observation/..?_type=Observation', '?_type=Observation'];
    for (const path of paths) {
      expect((await fhirGet(t.app, path, token)).statusCode, path).toBe(404);
    }
    expect(arrivals).toEqual([]);
  });

  it('passes the upstream 404 on as it is', async ({ t }) => {
    const token = await accessToken(t.app, 'openid fhirUser user/*.rs');
    const res = await fhirGet(t.app, 'Patient/nobody', token);
    expect(res.statusCode).toBe(404);
    // Passed on as it is, and a rejection like any other: the verdict header names the upstream's answer.
    expect(res.headers['x-sandbox-verdict']).toBe(`rejected: the upstream FHIR server ${base} answered 404`);
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

describe('EHR launches behind the upstream (POST /_sandbox/api/launches)', () => {
  const launch = (t: TestSandbox, body: Record<string, unknown>) =>
    admin(t.app, 'POST', '/launches', { clientId: confidentialClient.clientId, ...body });

  it("checks the launch's patient and encounter at the upstream, not in the sandbox's data", async ({
    t,
  }) => {
    const made = await launch(t, { patient: 'up-only', encounter: 'up-enc' });
    expect(made.statusCode, made.body).toBe(201);
    expect(seen()).toEqual(['GET /fhir/Patient/up-only', 'GET /fhir/Encounter/up-enc']);

    // pat-3 is a shipped fixture of the sandbox, but the app would read it from the upstream, which has none.
    const refused = await launch(t, { patient: 'pat-3' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({
      field: 'patient',
      message: expect.stringContaining(`no Patient "pat-3" at the FHIR upstream ${base}`) as unknown,
    });
    const otherEncounter = await launch(t, { patient: 'pat-1', encounter: 'up-enc' });
    expect(otherEncounter.statusCode).toBe(400);
    expect(otherEncounter.json<{ message: string }>().message).toContain(
      `Encounter "up-enc" belongs to up-only, not pat-1`,
    );
  });

  it('answers 502 naming the upstream when it cannot be asked', async ({ sandboxWith }) => {
    const t = await sandboxWith({ clients, fhir: { upstream: 'http://127.0.0.1:1/fhir' } });
    const res = await launch(t, { patient: 'up-only' });
    expect(res.statusCode).toBe(502);
    expect(res.json()).toMatchObject({
      error: 'upstream_failed',
      message: expect.stringContaining(
        'the upstream FHIR server http://127.0.0.1:1/fhir could not be reached',
      ) as unknown,
    });
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
    const token = await accessToken(t.app, 'openid fhirUser user/*.rs');
    const res = await fhirGet(t.app, 'Observation?code=x', token);
    expect(res.statusCode).toBe(200);
    expect(arrivals[0]?.url).toBe('/fhir/Observation?code=x&patient=pat-2');
    expect(res.json<Bundle>().entry.map((e) => e.resource.id)).toEqual(['obs-b']);
    expect((await fhirGet(t.app, 'Patient/pat-1', token)).statusCode).toBe(403);
  });
});

describe("Writes forwarded to the upstream after the checks of the sandbox's own data (fhir.upstream)", () => {
  const mine = (id: string) => ({ ...obs(id, 'pat-1'), status: 'amended' });

  it('forwards an allowed create intact, with the configured Authorization, and rebases Location', async ({
    sandboxWith,
  }) => {
    const t = await sandboxWith({
      clients,
      fhir: { upstream: base, upstreamAuthorization: 'Basic dXNlcjpwYXNz' },
    });
    const token = await accessToken(t.app, 'launch/patient patient/Observation.c');
    const body: Record<string, unknown> = obs('new', 'pat-1');
    delete body['id'];
    const res = await fhirWrite(t.app, 'POST', 'Observation', token, body, {
      prefer: 'return=representation',
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers.location).toBe(`${FHIR_BASE}/Observation/created-1/_history/1`);
    expect(res.headers.etag).toBe('W/"1"');
    expect(res.json()).toMatchObject({ resourceType: 'Observation', id: 'created-1' });
    // The upstream assigns the id: the verdict names the type, not an id the sandbox made up while checking.
    expect(await lastVerdictScope(t.app)).toMatchObject({ interaction: 'c', target: 'Observation' });
    expect(seen()).toEqual(['POST /fhir/Observation']);
    const [arrival] = arrivals;
    expect(JSON.parse(arrival?.body ?? '')).toEqual(body);
    expect(arrival?.headers['content-type']).toBe('application/fhir+json');
    expect(arrival?.headers['prefer']).toBe('return=representation');
    expect(arrival?.headers.authorization).toBe('Basic dXNlcjpwYXNz');
    expect(JSON.stringify(arrival?.headers)).not.toContain(token);
    expect(await lastVerdictScope(t.app)).toMatchObject({
      interaction: 'c',
      allowed: true,
      scope: 'patient/Observation.c',
    });

    // Bounded as the sandbox's own writes are: a body over 1 MiB is refused here, not forwarded.
    arrivals.length = 0;
    const note = [{ text: 'A'.repeat(1024 * 1024) }];
    const big = await fhirWrite(t.app, 'POST', 'Observation', token, { ...body, note });
    expect(big.statusCode).toBe(413);
    expect(arrivals).toEqual([]);
  });

  it('updates by id after reading the current version, made conditional on the version checked', async ({
    t,
  }) => {
    const token = await accessToken(t.app, 'launch/patient patient/Observation.u');
    const res = await fhirWrite(t.app, 'PUT', 'Observation/obs-mine', token, mine('obs-mine'));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-location']).toBe(`${FHIR_BASE}/Observation/obs-mine/_history/4`);
    expect(res.headers.etag).toBe('W/"4"');
    expect(res.json()).toMatchObject({ id: 'obs-mine', status: 'amended', meta: { versionId: '4' } });
    expect(seen()).toEqual(['GET /fhir/Observation/obs-mine', 'PUT /fhir/Observation/obs-mine']);
    expect(arrivals[1]?.headers['if-match']).toBe('W/"3"');
    expect(JSON.parse(arrivals[1]?.body ?? '')).toEqual(mine('obs-mine'));
    expect(arrivals[1]?.headers.authorization).toBeUndefined();
    expect(await lastVerdictScope(t.app)).toMatchObject({
      interaction: 'u',
      allowed: true,
      scope: 'patient/Observation.u',
    });

    // The app's own If-Match passes on as sent when it names the version checked; otherwise 412 here.
    arrivals.length = 0;
    const strong = await fhirWrite(t.app, 'PUT', 'Observation/obs-mine', token, mine('obs-mine'), {
      'if-match': '"3"',
    });
    expect(strong.statusCode).toBe(200);
    expect(arrivals[1]?.headers['if-match']).toBe('"3"');
    arrivals.length = 0;
    const stale = await fhirWrite(t.app, 'PUT', 'Observation/obs-mine', token, mine('obs-mine'), {
      'if-match': 'W/"2"',
    });
    expect(stale.statusCode).toBe(412);
    expect(stale.body).toContain('but the current version is W/\\"3\\"');
    expect(seen()).toEqual(['GET /fhir/Observation/obs-mine']);
  });

  it('creates on update, checked as a create, when the upstream holds no such resource', async ({ t }) => {
    const updateOnly = await accessToken(t.app, 'launch/patient patient/Observation.u');
    expect(
      (await fhirWrite(t.app, 'PUT', 'Observation/obs-new', updateOnly, mine('obs-new'))).statusCode,
    ).toBe(403);
    expect(seen()).toEqual(['GET /fhir/Observation/obs-new']);
    arrivals.length = 0;
    const token = await accessToken(t.app, 'launch/patient patient/Observation.cu');
    const res = await fhirWrite(t.app, 'PUT', 'Observation/obs-new', token, mine('obs-new'));
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers.location).toBe(`${FHIR_BASE}/Observation/obs-new/_history/1`);
    expect(seen()).toEqual(['GET /fhir/Observation/obs-new', 'PUT /fhir/Observation/obs-new']);
    expect(arrivals[1]?.headers['if-match']).toBeUndefined();
  });

  it("refuses a create-on-update of another patient's resource as a create, naming the compartment", async ({
    t,
  }) => {
    const createOnly = await accessToken(t.app, 'launch/patient patient/Observation.c');
    const res = await fhirWrite(t.app, 'PUT', 'Observation/obs-new', createOnly, obs('obs-new', 'pat-2'));
    expect(res.statusCode).toBe(403);
    expect(res.json<{ issue: { diagnostics: string }[] }>().issue[0]?.diagnostics).toBe(
      "Observation/obs-new belongs to Patient/pat-2: outside the compartment of the token's patient pat-1 (patient/Observation.c)",
    );
    expect(await lastVerdictScope(t.app)).toMatchObject({ interaction: 'c', allowed: false });
    expect(seen()).toEqual([]);

    const readOnly = await accessToken(t.app, 'launch/patient patient/Observation.rs');
    const none = await fhirWrite(t.app, 'PUT', 'Observation/obs-new', readOnly, obs('obs-new', 'pat-1'));
    expect(none.json<{ issue: { diagnostics: string }[] }>().issue[0]?.diagnostics).toMatch(
      /^no granted scope allows updating or creating Observation \(granted: /,
    );
  });

  it('deletes by id after reading the current version, conditional on it', async ({ t }) => {
    const token = await accessToken(t.app, 'launch/patient patient/Observation.d');
    const res = await fhirWrite(t.app, 'DELETE', 'Observation/obs-mine', token);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ resourceType: 'OperationOutcome' });
    expect(seen()).toEqual(['GET /fhir/Observation/obs-mine', 'DELETE /fhir/Observation/obs-mine']);
    expect(arrivals[1]?.headers['if-match']).toBe('W/"3"');
    expect(arrivals[1]?.body).toBe('');
  });

  it('relays the upstream 412 when the resource changed after the sandbox read it', async ({ t }) => {
    const token = await accessToken(t.app, 'launch/patient patient/Observation.u');
    const res = await fhirWrite(t.app, 'PUT', 'Observation/obs-raced', token, mine('obs-raced'));
    expect(res.statusCode).toBe(412);
    expect(res.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'conflict' }] });
    expect(arrivals[1]?.headers['if-match']).toBe('W/"3"');
  });

  it('never lets a write without a write scope reach the upstream', async ({ t }) => {
    const token = await accessToken(t.app, 'launch/patient patient/Observation.rs');
    expect((await fhirWrite(t.app, 'POST', 'Observation', token, obs('n', 'pat-1'))).statusCode).toBe(403);
    expect((await fhirWrite(t.app, 'PUT', 'Observation/obs-mine', token, mine('obs-mine'))).statusCode).toBe(
      403,
    );
    expect((await fhirWrite(t.app, 'DELETE', 'Observation/obs-mine', token)).statusCode).toBe(403);
    expect(await lastVerdictScope(t.app)).toMatchObject({ interaction: 'd', allowed: false });
    expect(arrivals).toEqual([]);
  });

  it("never lets a create outside the token's patient compartment reach the upstream", async ({ t }) => {
    const token = await accessToken(t.app, 'launch/patient patient/Observation.cud');
    const res = await fhirWrite(t.app, 'POST', 'Observation', token, obs('n', 'pat-2'));
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('belongs to Patient/pat-2');
    expect(await lastVerdictScope(t.app)).toMatchObject({
      interaction: 'c',
      allowed: false,
      considered: ['patient/Observation.cud'],
    });
    expect(arrivals).toEqual([]);
  });

  it("reads, then refuses an update or delete by id of another patient's resource", async ({ t }) => {
    const token = await accessToken(t.app, 'launch/patient patient/Observation.cud');
    const update = await fhirWrite(t.app, 'PUT', 'Observation/obs-other', token, obs('obs-other', 'pat-1'));
    expect(update.statusCode).toBe(403);
    expect(update.body).toContain('the current version of Observation/obs-other belongs to Patient/pat-2');
    expect(seen()).toEqual(['GET /fhir/Observation/obs-other']);
    arrivals.length = 0;
    const deletion = await fhirWrite(t.app, 'DELETE', 'Observation/obs-other', token);
    expect(deletion.statusCode).toBe(403);
    expect(deletion.body).not.toContain('"status":"final"');
    expect(seen()).toEqual(['GET /fhir/Observation/obs-other']);
  });

  it("confines a patient user's user/ scopes to their own compartment, as for the sandbox's data", async ({
    sandboxWith,
  }) => {
    const t = await sandboxWith({
      clients: [{ ...confidentialClient, scope: 'openid fhirUser user/*.cruds', defaultPersona: 'pat-user' }],
      personas: [{ id: 'pat-user', fhirUser: 'Patient/pat-2', name: 'Patient user' }],
      fhir: { upstream: base },
    });
    const token = await accessToken(t.app, 'openid fhirUser user/Observation.cud');
    expect((await fhirWrite(t.app, 'POST', 'Observation', token, obs('n', 'pat-1'))).statusCode).toBe(403);
    expect(arrivals).toEqual([]);
    expect(
      (await fhirWrite(t.app, 'PUT', 'Observation/obs-mine', token, obs('obs-mine', 'pat-2'))).statusCode,
    ).toBe(403);
    expect((await fhirWrite(t.app, 'DELETE', 'Observation/obs-mine', token)).statusCode).toBe(403);
    expect(seen()).toEqual(['GET /fhir/Observation/obs-mine', 'GET /fhir/Observation/obs-mine']);
  });

  it('refuses an update that would move a resource to another patient', async ({ t }) => {
    const token = await accessToken(t.app, 'launch/patient patient/Observation.cud');
    const res = await fhirWrite(t.app, 'PUT', 'Observation/obs-mine', token, obs('obs-mine', 'pat-2'));
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('belongs to Patient/pat-2');
    expect(arrivals.filter((a) => a.method !== 'GET')).toEqual([]);
  });

  it("withholds an answer whose resource is outside the token's reach, with 502", async ({ t }) => {
    const token = await accessToken(t.app, 'launch/patient patient/Encounter.c');
    const res = await fhirWrite(t.app, 'POST', 'Encounter', token, {
      resourceType: 'Encounter',
      status: 'finished',
      subject: { reference: 'Patient/pat-1' },
    });
    expect(res.statusCode).toBe(502);
    expect(res.body).toContain('Encounter/enc-9, which is outside the token');
    expect(res.headers.location).toBeUndefined();
    expect(res.body).not.toContain('pat-2');
  });

  it('answers 502 naming the upstream when a write fails there or it cannot be reached', async ({
    t,
    sandboxWith,
  }) => {
    const token = await accessToken(t.app, 'openid fhirUser user/*.cruds');
    const condition = { resourceType: 'Condition', subject: { reference: 'Patient/pat-1' } };
    const failed = await fhirWrite(t.app, 'POST', 'Condition', token, condition);
    expect(failed.statusCode).toBe(502);
    expect(failed.body).toContain(`the upstream FHIR server ${base} answered 500`);
    const gone = await sandboxWith({ clients, fhir: { upstream: 'http://127.0.0.1:1/fhir' } });
    const goneToken = await accessToken(gone.app, 'openid fhirUser user/*.cruds');
    for (const [method, path] of [
      ['POST', 'Observation'],
      ['PUT', 'Observation/obs-mine'],
      ['DELETE', 'Observation/obs-mine'],
    ] as const) {
      const res = await fhirWrite(
        gone.app,
        method,
        path,
        goneToken,
        method === 'DELETE' ? undefined : mine('obs-mine'),
      );
      expect(res.statusCode, method).toBe(502);
      expect(res.body).toContain('the upstream FHIR server http://127.0.0.1:1/fhir could not be reached');
    }
  });
});
