import { once } from 'node:events';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import Fastify, { type FastifyInstance, type LightMyRequestResponse, type RouteOptions } from 'fastify';
import { describe, expect } from 'vitest';
import { ADMIN_PREFIX, adminApi } from '../../server/admin/plugin.js';
import { rootAdminRoutes } from '../../server/issuers/forward.js';
import { Issuers } from '../../server/issuers/registry.js';
import { restoreSandbox } from '../../server/persistence/restore-and-keep.js';
import { ADMIN_TOKEN, admin, fullCodeFlow, launchClient, ORIGIN, sandboxTest } from '../helpers/sandbox.js';

/** docs/admin-api.md#openapi: the admin API described as OpenAPI 3.1, generated from the routes' schemas. */

type Json = Record<string, unknown>;
type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function json(value: unknown, what: string): Json {
  if (!isJson(value)) throw new Error(`${what}: expected an object, got ${JSON.stringify(value)}`);
  return value;
}

/** `method path` of every operation the document lists, as `GET /clients/{clientId}`. */
function operations(doc: Json): Map<string, Json> {
  const found = new Map<string, Json>();
  for (const [path, item] of Object.entries(json(doc['paths'], 'paths'))) {
    for (const [method, operation] of Object.entries(json(item, path))) {
      found.set(`${method.toUpperCase()} ${path}`, json(operation, `${method} ${path}`));
    }
  }
  return found;
}

/** Every route Fastify registers under the admin prefix, in the document's path syntax. */
async function registeredAdminRoutes(): Promise<string[]> {
  const sandbox = await restoreSandbox({});
  const app = Fastify({ logger: false });
  const routes: string[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
      const path = route.url.slice(ADMIN_PREFIX.length).replace(/:(\w+)/g, '{$1}');
      routes.push(`${method} ${path}`);
    }
  });
  try {
    // As the default issuer's app registers it: with the issuers routes (server/app.ts).
    const issuers = new Issuers(sandbox, () => Promise.reject(new Error('no issuer is started here')));
    await app.register(
      adminApi(
        sandbox,
        rootAdminRoutes(issuers, () => app),
      ),
      {
        prefix: ADMIN_PREFIX,
      },
    );
    await app.ready();
  } finally {
    sandbox.close();
    await app.close();
    await sandbox.stopSigningWorkers();
  }
  return routes;
}

/** What a real request returned, to check against the document. */
interface Answer {
  /** The documented operation, `METHOD /path/{param}`. */
  readonly operation: string;
  readonly status: number;
  /** The Content-Type header, parameters and all. */
  readonly contentType: string | undefined;
  readonly body: string;
}

function answerOf(operation: string, response: LightMyRequestResponse): Answer {
  const type = response.headers['content-type'];
  return {
    operation,
    status: response.statusCode,
    contentType: typeof type === 'string' ? type : undefined,
    body: response.body,
  };
}

/** The ids of what a code flow issued, by kind, for the grants routes. */
interface Fixtures {
  readonly code: string;
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly idToken: string;
  readonly exchangeSeq: number;
  /** The key signing when the examples begin: published once they rotate. */
  readonly signingKid: string;
  readonly config: unknown;
}

interface Example {
  /** The documented operation, `METHOD /path/{param}`. */
  readonly operation: string;
  readonly status: number;
  readonly path: (f: Fixtures) => string;
  readonly body?: (f: Fixtures) => unknown;
}

const id = (path: string) => encodeURIComponent(path);
const newClient = {
  clientId: 'openapi-app',
  clientSecret: 'openapi-secret',
  grantTypes: ['client_credentials'],
  scope: 'system/*.rs',
};
const persona = {
  id: 'openapi-doctor',
  fhirUser: 'Practitioner/prac-1',
  sub: 'openapi-doctor',
  name: 'Dr. OpenAPI',
};
const armed = { id: 'token.temporarily_unavailable', times: 2 };

/**
 * A real request for every documented operation and status, in an order where each finds what it needs
 * (the preset exists before it is armed, a token before it is revoked). `GET /events` is checked on its own.
 */
const EXAMPLES: readonly Example[] = [
  { operation: 'GET /clients', status: 200, path: () => '/clients' },
  { operation: 'POST /clients', status: 201, path: () => '/clients', body: () => newClient },
  { operation: 'POST /clients', status: 409, path: () => '/clients', body: () => newClient },
  { operation: 'POST /clients', status: 400, path: () => '/clients', body: () => ({ clientId: '' }) },
  { operation: 'GET /clients/{clientId}', status: 200, path: () => '/clients/conf-app' },
  { operation: 'GET /clients/{clientId}', status: 404, path: () => '/clients/nobody' },
  {
    operation: 'PUT /clients/{clientId}',
    status: 201,
    path: () => '/clients/openapi-put',
    body: () => ({ ...newClient, clientId: 'openapi-put' }),
  },
  {
    operation: 'PUT /clients/{clientId}',
    status: 200,
    path: () => '/clients/openapi-put',
    body: () => ({ ...newClient, clientId: 'openapi-put', clientName: 'Replaced' }),
  },
  { operation: 'DELETE /clients/{clientId}', status: 204, path: () => '/clients/openapi-put' },
  { operation: 'DELETE /clients/{clientId}', status: 404, path: () => '/clients/openapi-put' },
  { operation: 'GET /issuers', status: 200, path: () => '/issuers' },
  {
    operation: 'POST /issuers',
    status: 201,
    path: () => '/issuers',
    body: () => ({ name: 'openapi', profile: 'iehr' }),
  },
  {
    operation: 'POST /issuers',
    status: 409,
    path: () => '/issuers',
    body: () => ({ name: 'openapi', profile: 'iehr' }),
  },
  {
    operation: 'POST /issuers',
    status: 400,
    path: () => '/issuers',
    body: () => ({ name: 'other', profile: 'no-such-profile' }),
  },
  { operation: 'GET /issuers/{name}', status: 200, path: () => '/issuers/openapi' },
  { operation: 'DELETE /issuers/{name}', status: 204, path: () => '/issuers/openapi' },
  { operation: 'GET /issuers/{name}', status: 404, path: () => '/issuers/openapi' },
  { operation: 'DELETE /issuers/{name}', status: 404, path: () => '/issuers/openapi' },
  { operation: 'DELETE /issuers/{name}', status: 409, path: () => '/issuers/default' },
  { operation: 'GET /config', status: 200, path: () => '/config' },
  { operation: 'GET /config/effective', status: 200, path: () => '/config/effective' },
  { operation: 'GET /storage', status: 200, path: () => '/storage' },
  { operation: 'POST /failures', status: 201, path: () => '/failures', body: () => armed },
  { operation: 'POST /failures', status: 400, path: () => '/failures', body: () => ({ id: 'no.such' }) },
  { operation: 'GET /failures', status: 200, path: () => '/failures' },
  { operation: 'DELETE /failures/{id}', status: 204, path: () => `/failures/${armed.id}` },
  { operation: 'DELETE /failures/{id}', status: 404, path: () => `/failures/${armed.id}` },
  { operation: 'DELETE /failures', status: 204, path: () => '/failures' },
  {
    operation: 'PUT /failures/presets/{name}',
    status: 201,
    path: () => '/failures/presets/flaky',
    body: () => ({ failures: [armed] }),
  },
  {
    operation: 'PUT /failures/presets/{name}',
    status: 200,
    path: () => '/failures/presets/flaky',
    body: () => ({ failures: [armed, { id: 'token.invalid_grant', times: 1 }] }),
  },
  { operation: 'GET /failures/presets', status: 200, path: () => '/failures/presets' },
  { operation: 'POST /failures/presets/{name}/arm', status: 200, path: () => '/failures/presets/flaky/arm' },
  { operation: 'POST /failures/presets/{name}/arm', status: 404, path: () => '/failures/presets/none/arm' },
  { operation: 'DELETE /failures/presets/{name}', status: 204, path: () => '/failures/presets/flaky' },
  { operation: 'DELETE /failures', status: 204, path: () => '/failures' },
  { operation: 'GET /clock', status: 200, path: () => '/clock' },
  { operation: 'PUT /clock', status: 200, path: () => '/clock', body: () => ({ offsetSeconds: 30 }) },
  { operation: 'PUT /clock', status: 400, path: () => '/clock', body: () => ({ offsetSeconds: 'soon' }) },
  { operation: 'PUT /clock', status: 200, path: () => '/clock', body: () => ({ offsetSeconds: 0 }) },
  { operation: 'GET /grants', status: 200, path: () => '/grants?kind=access_token' },
  { operation: 'GET /grants/{id}/token', status: 200, path: (f) => `/grants/${id(f.accessToken)}/token` },
  { operation: 'GET /grants/{id}/token', status: 200, path: (f) => `/grants/${id(f.code)}/token` },
  { operation: 'GET /grants/{id}/token', status: 404, path: () => '/grants/none/token' },
  {
    operation: 'POST /inspect',
    status: 200,
    path: () => '/inspect',
    body: () => ({ token: 'an-opaque-value-from-elsewhere' }),
  },
  { operation: 'POST /inspect', status: 400, path: () => '/inspect', body: () => ({ token: '' }) },
  { operation: 'POST /grants/{id}/revoke', status: 409, path: (f) => `/grants/${id(f.idToken)}/revoke` },
  { operation: 'POST /grants/{id}/expire', status: 200, path: (f) => `/grants/${id(f.accessToken)}/expire` },
  { operation: 'POST /grants/{id}/revoke', status: 200, path: (f) => `/grants/${id(f.refreshToken)}/revoke` },
  { operation: 'POST /grants/{id}/expire', status: 404, path: () => '/grants/none/expire' },
  { operation: 'GET /exchanges', status: 200, path: () => '/exchanges?limit=5' },
  { operation: 'GET /exchanges/{seq}', status: 200, path: (f) => `/exchanges/${String(f.exchangeSeq)}` },
  { operation: 'GET /exchanges/{seq}', status: 404, path: () => '/exchanges/999999' },
  { operation: 'GET /exchanges/har', status: 200, path: () => '/exchanges/har?path=/token' },
  { operation: 'GET /exchanges/har', status: 400, path: () => '/exchanges/har?seq=x' },
  { operation: 'DELETE /exchanges', status: 204, path: () => '/exchanges' },
  { operation: 'GET /launches/choices', status: 200, path: () => '/launches/choices' },
  {
    operation: 'POST /launches',
    status: 201,
    path: () => '/launches',
    body: () => ({ clientId: 'conf-app' }),
  },
  { operation: 'POST /launches', status: 404, path: () => '/launches', body: () => ({ clientId: 'nobody' }) },
  { operation: 'POST /clients', status: 201, path: () => '/clients', body: () => launchClient },
  {
    operation: 'POST /launches/ehr',
    status: 201,
    path: () => '/launches/ehr',
    body: () => ({ clientId: launchClient.clientId }),
  },
  {
    operation: 'POST /launches/ehr',
    status: 400,
    path: () => '/launches/ehr',
    body: () => ({ clientId: 'conf-app' }),
  },
  {
    operation: 'POST /launches/ehr',
    status: 404,
    path: () => '/launches/ehr',
    body: () => ({ clientId: 'nobody' }),
  },
  { operation: 'GET /personas', status: 200, path: () => '/personas' },
  { operation: 'POST /personas', status: 201, path: () => '/personas', body: () => persona },
  { operation: 'POST /personas', status: 400, path: () => '/personas', body: () => ({ id: '' }) },
  { operation: 'GET /personas/{id}', status: 200, path: () => `/personas/${persona.id}` },
  { operation: 'GET /personas/{id}', status: 404, path: () => '/personas/nobody' },
  {
    operation: 'PUT /personas/{id}',
    status: 200,
    path: () => `/personas/${persona.id}`,
    body: () => ({ ...persona, name: 'Dr. Renamed' }),
  },
  { operation: 'DELETE /personas/{id}', status: 204, path: () => `/personas/${persona.id}` },
  { operation: 'DELETE /personas/{id}', status: 404, path: () => `/personas/${persona.id}` },
  {
    operation: 'DELETE /clients/{clientId}/remembered-persona',
    status: 204,
    path: () => '/clients/conf-app/remembered-persona',
  },
  {
    operation: 'POST /clients/{clientId}/queued-claims',
    status: 201,
    path: () => '/clients/conf-app/queued-claims',
    body: () => ({ claims: { tenant: 'north' }, count: 2 }),
  },
  {
    operation: 'POST /clients/{clientId}/queued-claims',
    status: 400,
    path: () => '/clients/conf-app/queued-claims',
    body: () => ({ claims: { iss: 'forged' } }),
  },
  {
    operation: 'GET /clients/{clientId}/queued-claims',
    status: 200,
    path: () => '/clients/conf-app/queued-claims',
  },
  {
    operation: 'GET /clients/{clientId}/queued-claims',
    status: 404,
    path: () => '/clients/nobody/queued-claims',
  },
  {
    operation: 'DELETE /clients/{clientId}/queued-claims',
    status: 204,
    path: () => '/clients/conf-app/queued-claims',
  },
  { operation: 'GET /fhir', status: 200, path: () => '/fhir' },
  {
    operation: 'POST /fhir/load',
    status: 201,
    path: () => '/fhir/load',
    body: () => ({
      file: 'one-patient.json',
      content: JSON.stringify({ resourceType: 'Patient', id: 'openapi-patient' }),
    }),
  },
  {
    operation: 'POST /fhir/load',
    status: 400,
    path: () => '/fhir/load',
    body: () => ({ file: 'broken.json', content: '{ not json' }),
  },
  { operation: 'GET /keys', status: 200, path: () => '/keys' },
  {
    operation: 'POST /keys/rotate',
    status: 200,
    path: () => '/keys/rotate',
    body: () => ({ graceSeconds: 60 }),
  },
  {
    operation: 'POST /keys/rotate',
    status: 400,
    path: () => '/keys/rotate',
    body: () => ({ graceSeconds: -1 }),
  },
  { operation: 'POST /keys/{kid}/retire', status: 200, path: (f) => `/keys/${f.signingKid}/retire` },
  { operation: 'POST /keys/{kid}/retire', status: 404, path: () => '/keys/none/retire' },
  { operation: 'GET /openapi.json', status: 200, path: () => '/openapi.json' },
  // Last: it replaces the clients with the document read before the examples began.
  { operation: 'PUT /config', status: 200, path: () => '/config', body: (f) => f.config },
];

/** Issues a code, tokens and an id_token, and finds their ids in the grants view. */
async function fixtures(app: FastifyInstance): Promise<Fixtures> {
  const config = (await admin(app, 'GET', '/config')).json<unknown>();
  await fullCodeFlow(app, { scope: 'openid fhirUser launch/patient patient/*.rs offline_access' });
  const grants = json((await admin(app, 'GET', '/grants')).json(), 'grants')['grants'];
  const idOf = (kind: string): string => {
    const list: unknown[] = Array.isArray(grants) ? grants : [];
    const found = list.find((g) => isJson(g) && g['kind'] === kind);
    if (!isJson(found) || typeof found['id'] !== 'string')
      throw new Error(`no ${kind} in ${JSON.stringify(grants)}`);
    return found['id'];
  };
  const seq = json((await admin(app, 'GET', '/exchanges?limit=1')).json(), 'exchanges')['latestSeq'];
  if (typeof seq !== 'number') throw new Error('no exchange was logged');
  const keys = json((await admin(app, 'GET', '/keys')).json(), 'keys')['keys'];
  const first: unknown = Array.isArray(keys) ? keys[0] : undefined;
  if (!isJson(first) || typeof first['kid'] !== 'string') throw new Error('the key ring lists no key');
  return {
    signingKid: first['kid'],
    code: idOf('code'),
    accessToken: idOf('access_token'),
    refreshToken: idOf('refresh_token'),
    idToken: idOf('id_token'),
    exchangeSeq: seq,
    config,
  };
}

/** A JSON Pointer segment (RFC 6901 §3). */
const segment = (text: string) => text.replace(/~/g, '~0').replace(/\//g, '~1');

/** An ajv that knows the document, so a response schema's `$ref`s to its components resolve. */
function documentValidator(doc: Json): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema(doc, 'openapi.json');
  return ajv;
}

/**
 * Checks one real answer against the document: its status is documented (exactly or as `4XX`), its media type
 * is the documented one, and its body fits the documented schema. Returns the problems found.
 */
function conformance(doc: Json, ajv: Ajv2020, answer: Answer): string[] {
  const operation = operations(doc).get(answer.operation);
  if (operation === undefined) return [`${answer.operation} is not in the document`];
  const [method = '', path = ''] = answer.operation.split(' ');
  const responses = json(operation['responses'], 'responses');
  const status = String(answer.status);
  const key = status in responses ? status : `${status[0] ?? ''}XX`;
  const where = `${answer.operation} → ${status}`;
  let documented = responses[key];
  let pointer = `/paths/${segment(path)}/${method.toLowerCase()}/responses/${key}`;
  if (documented === undefined) return [`${where} is not documented`];
  if (isJson(documented) && typeof documented['$ref'] === 'string') {
    pointer = documented['$ref'].slice(1);
    const name = documented['$ref'].replace('#/components/responses/', '');
    documented = json(json(doc['components'], 'components')['responses'], 'responses')[name];
  }
  const declared = json(documented, where)['content'];
  if (declared === undefined) {
    return answer.body === '' ? [] : [`${where} has a body, but the document says none`];
  }
  const content = json(declared, where);
  const [type = ''] = (answer.contentType ?? '').split(';');
  if (!isJson(content[type])) {
    return [`${where} is ${type}; documented: ${Object.keys(content).join(', ')}`];
  }
  const validate = ajv.compile({ $ref: `openapi.json#${pointer}/content/${segment(type)}/schema` });
  const body: unknown = type === 'application/json' ? JSON.parse(answer.body) : answer.body;
  if (validate(body)) return [];
  return [`${where} does not fit its schema: ${ajv.errorsText(validate.errors)}`];
}

const it = sandboxTest();

describe('the admin API as OpenAPI 3.1 (docs/admin-api.md#openapi)', () => {
  it('is a valid OpenAPI 3.1 document, as client generators require', async ({ t }) => {
    const res = await admin(t.app, 'GET', '/openapi.json');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    const validator = new Validator();
    const result = await validator.validate(res.json<Json>());
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('names this sandbox as its server, its version, and the bearer admin token on every operation', async ({
    t,
  }) => {
    const doc = (await admin(t.app, 'GET', '/openapi.json')).json<Json>();
    expect(doc['openapi']).toBe('3.1.0');
    expect(doc['servers']).toEqual([{ url: `${ORIGIN}/_sandbox/api`, description: 'this sandbox' }]);
    const info = json(doc['info'], 'info');
    expect(info['title']).toBe('Token Sandbox admin API');
    expect(info['version']).toMatch(/^\d+\.\d+\.\d+/);
    const schemes = json(json(doc['components'], 'components')['securitySchemes'], 'securitySchemes');
    expect(schemes).toMatchObject({ adminToken: { type: 'http', scheme: 'bearer' } });
    expect(doc['security']).toEqual([{ adminToken: [] }]);
  });

  it('lists every admin route Fastify registers, and none of the OAuth or FHIR endpoints', async ({ t }) => {
    const doc = (await admin(t.app, 'GET', '/openapi.json')).json<Json>();
    const documented = [...operations(doc).keys()].sort();
    const registered = (await registeredAdminRoutes())
      // HEAD twins of GET routes are Fastify's own; `OPTIONS /*` only refuses preflights (403/401/404).
      // `/issuers/{name}/*` forwards to an issuer's own admin API, which documents itself (the routes above).
      .filter(
        (route) =>
          !route.startsWith('HEAD ') && route !== 'OPTIONS /*' && !route.endsWith(' /issuers/{name}/*'),
      )
      .sort();
    expect(registered.length).toBeGreaterThan(25);
    expect(documented).toEqual(registered);
    for (const path of Object.keys(json(doc['paths'], 'paths'))) {
      // The admin API's own `/fhir` routes load data; the FHIR base's paths name a resource type (`/fhir/Patient`).
      expect(path).not.toMatch(/^\/(token|authorize|\.well-known|_sandbox)|^\/fhir\/[A-Z]/);
    }
  });

  it('gives every operation a unique operation id, a summary and a declared tag', async ({ t }) => {
    const doc = (await admin(t.app, 'GET', '/openapi.json')).json<Json>();
    const tags = new Set(
      (Array.isArray(doc['tags']) ? doc['tags'] : []).map((tag) => json(tag, 'tag')['name']),
    );
    const ids = new Set<unknown>();
    for (const [name, operation] of operations(doc)) {
      expect(typeof operation['operationId'], name).toBe('string');
      expect(ids.has(operation['operationId']), `${name}: operationId repeated`).toBe(false);
      ids.add(operation['operationId']);
      expect(operation['summary'], name).toMatch(/\S/);
      expect(operation['tags'], name).toHaveLength(1);
      for (const tag of operation['tags'] as unknown[])
        expect(tags.has(tag), `${name}: tag ${String(tag)}`).toBe(true);
    }
  });

  it('describes every answer the routes really give: status, media type and body', async ({ t }) => {
    const doc = (await admin(t.app, 'GET', '/openapi.json')).json<Json>();
    const ajv = documentValidator(doc);
    const f = await fixtures(t.app);
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const example of EXAMPLES) {
      const [method, template] = example.operation.split(' ') as [Method, string];
      const body = example.body?.(f);
      const response = await admin(t.app, method, example.path(f), body);
      expect(response.statusCode, `${example.operation} (${example.path(f)}): ${response.body}`).toBe(
        example.status,
      );
      seen.add(`${method} ${template} ${String(example.status)}`);
      problems.push(...conformance(doc, ajv, answerOf(example.operation, response)));
    }
    // The guard's answers, for any route.
    problems.push(
      ...conformance(
        doc,
        ajv,
        answerOf(
          'GET /clients',
          await admin(t.app, 'GET', '/clients', undefined, { authorization: undefined }),
        ),
      ),
      ...conformance(
        doc,
        ajv,
        answerOf(
          'POST /failures',
          await admin(t.app, 'POST', '/failures', 'id=x', { 'content-type': 'text/plain' }),
        ),
      ),
    );
    expect(problems).toEqual([]);
    // Every documented operation, and each success status it documents, was really requested.
    for (const [name, operation] of operations(doc)) {
      if (name === 'GET /events') continue;
      for (const status of Object.keys(json(operation['responses'], name)).filter((s) => /^\d+$/.test(s))) {
        expect(seen.has(`${name} ${status}`), `no example for ${name} → ${status}`).toBe(true);
      }
    }
  });

  it('would catch an answer that does not fit its documented schema (the check above checks)', async ({
    t,
  }) => {
    const doc = (await admin(t.app, 'GET', '/openapi.json')).json<Json>();
    const schemas = json(json(doc['components'], 'components')['schemas'], 'schemas');
    schemas['ClockView'] = { type: 'object', required: ['timezone'] };
    const response = await admin(t.app, 'GET', '/clock');
    expect(conformance(doc, documentValidator(doc), answerOf('GET /clock', response))).toEqual([
      expect.stringContaining("must have required property 'timezone'"),
    ]);
    const redirect = { ...answerOf('GET /clock', response), status: 302 };
    expect(conformance(doc, documentValidator(doc), redirect)).toEqual([
      'GET /clock → 302 is not documented',
    ]);
  });

  it('describes the event stream as text/event-stream, which is what it sends', async ({ t }) => {
    const doc = (await admin(t.app, 'GET', '/openapi.json')).json<Json>();
    // The stream never ends by itself: read its head as it arrives, then hang up.
    const abort = new AbortController();
    const response = await t.app.inject({
      method: 'GET',
      url: '/_sandbox/api/events',
      headers: { host: '127.0.0.1:9710', authorization: `Bearer ${ADMIN_TOKEN}` },
      payloadAsStream: true,
      signal: abort.signal,
    });
    const stream = response.stream();
    const [head] = (await once(stream, 'data')) as [Buffer];
    abort.abort();
    stream.on('error', () => undefined);
    const type = response.headers['content-type'];
    const answer: Answer = {
      operation: 'GET /events',
      status: response.statusCode,
      contentType: typeof type === 'string' ? type : undefined,
      body: head.toString('utf8'),
    };
    expect(answer.status).toBe(200);
    expect(answer.body).toMatch(/^retry: \d+\n\n/);
    expect(conformance(doc, documentValidator(doc), answer)).toEqual([]);
  });

  it('is served only behind the admin guard: token, Host and Origin', async ({ t }) => {
    expect((await admin(t.app, 'GET', '/openapi.json')).statusCode).toBe(200);
    const noToken = await admin(t.app, 'GET', '/openapi.json', undefined, { authorization: undefined });
    expect(noToken.statusCode).toBe(401);
    expect(noToken.headers['www-authenticate']).toBe('Bearer realm="token-sandbox-admin"');
    expect(noToken.body).not.toContain('openapi');
    const wrongToken = await admin(t.app, 'GET', '/openapi.json', undefined, {
      authorization: 'Bearer nope',
    });
    expect(wrongToken.statusCode).toBe(401);
    const foreignOrigin = await admin(t.app, 'GET', '/openapi.json', undefined, {
      origin: 'https://evil.example',
    });
    expect(foreignOrigin.statusCode).toBe(403);
    expect(foreignOrigin.json()).toMatchObject({ error: 'forbidden' });
    const foreignHost = await admin(t.app, 'GET', '/openapi.json', undefined, { host: 'evil.example:9710' });
    expect(foreignHost.statusCode).toBe(403);
    expect(foreignHost.body).not.toContain('paths');
  });
});
