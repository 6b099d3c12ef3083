import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { SandboxConfig } from '../../server/config/schema.js';
import {
  ORIGIN,
  REDIRECT,
  admin,
  authorize,
  basic,
  fullCodeFlow,
  postForm,
  redeem,
  sandboxTest,
  startSandbox,
} from '../helpers/sandbox.js';

/**
 * README "Many issuers": one sandbox serves the default issuer at the root paths and more under `/i/NAME`,
 * each with its own clients, keys and store; a token of one is refused at every other, naming its issuer.
 */

const MR = '/i/medirecords';
const IEHR = '/i/iehr';
const mrClient = {
  clientId: 'mr-app',
  redirectUris: [REDIRECT],
  scope: 'openid fhirUser launch/patient patient/*.rs',
};
const iehrClient = {
  clientId: 'ehr-app',
  clientSecret: 'abcdef01234567890',
  redirectUris: [REDIRECT],
  scope: 'openid profile offline_access',
};
const config: SandboxConfig = {
  issuers: [
    { name: 'medirecords', profile: 'medirecords', clients: [mrClient] },
    { name: 'iehr', profile: 'iehr', colour: '#123456', clients: [iehrClient] },
  ],
};
const it = sandboxTest(config);

/** Code + PKCE at MediRecords under /i/medirecords, as its public client: the token response. */
async function medirecordsTokens(app: FastifyInstance): Promise<Record<string, unknown>> {
  const { code } = await authorize(
    app,
    { client_id: 'mr-app', scope: 'openid fhirUser launch/patient patient/*.rs', aud: `${ORIGIN}${MR}/fhir` },
    `${MR}/oauth/smartauth/authorize`,
  );
  expect(code).toBeDefined();
  const res = await redeem(app, code ?? '', { client_id: 'mr-app' }, {}, `${MR}/oauth/smartauth/token`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** Code + PKCE at iEHR under /i/iehr, as its confidential client: the token response (with a refresh token). */
async function iehrTokens(app: FastifyInstance): Promise<Record<string, unknown>> {
  const { code, location } = await authorize(
    app,
    { client_id: 'ehr-app', scope: 'openid profile offline_access', aud: undefined },
    `${IEHR}/oauth2/authorize`,
  );
  expect(code, location?.toString()).toBeDefined();
  const res = await redeem(
    app,
    code ?? '',
    {},
    { authorization: basic('ehr-app', 'abcdef01234567890') },
    `${IEHR}/oauth2/token`,
  );
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe('issuers under /i/NAME', () => {
  it('discovery at /i/medirecords names its own issuer and the MediRecords paths under it', async ({ t }) => {
    const res = await t.app.inject({ method: 'GET', url: `${MR}/.well-known/smart-configuration` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      issuer: `${ORIGIN}${MR}`,
      authorization_endpoint: `${ORIGIN}${MR}/oauth/smartauth/authorize`,
      token_endpoint: `${ORIGIN}${MR}/oauth/smartauth/token`,
      jwks_uri: `${ORIGIN}${MR}/.well-known/jwks.json`,
    });
    // The default issuer is unchanged at the root paths.
    const root = await t.app.inject({ method: 'GET', url: '/.well-known/smart-configuration' });
    expect(root.json()).toMatchObject({ issuer: ORIGIN, token_endpoint: `${ORIGIN}/token` });
  });

  it('an issuer follows the origin the root is given after listen', async ({ t }) => {
    t.app.sandbox.origin = 'http://127.0.0.1:4321';
    const res = await t.app.inject({ method: 'GET', url: `${IEHR}/.well-known/openid-configuration` });
    expect(res.json()).toMatchObject({ issuer: 'http://127.0.0.1:4321/i/iehr' });
  });

  it('code + PKCE at two issuers: each token names its own issuer and reads its own FHIR base', async ({
    t,
  }) => {
    const mr = await medirecordsTokens(t.app);
    const iehr = await iehrTokens(t.app);
    const claims = (jwt: unknown) =>
      JSON.parse(Buffer.from(String(jwt).split('.')[1] ?? '', 'base64url').toString()) as Record<
        string,
        unknown
      >;
    expect(claims(mr['access_token'])['iss']).toBe(`${ORIGIN}${MR}`);
    expect(claims(iehr['id_token'])['iss']).toBe(`${ORIGIN}${IEHR}`);
    const read = await t.app.inject({
      method: 'GET',
      url: `${MR}/fhir/Patient/${String(mr['patient'])}`,
      headers: { authorization: `Bearer ${String(mr['access_token'])}` },
    });
    expect(read.statusCode, read.body).toBe(200);
    // Each issuer records its own exchanges, under the path the client used, and the root none of them.
    const logged = await admin(t.app, 'GET', '/issuers/medirecords/exchanges');
    const paths = logged.json<{ exchanges: { path: string }[] }>().exchanges.map((e) => e.path);
    expect(paths).toContain(`${MR}/oauth/smartauth/token`);
    const rootLog = await admin(t.app, 'GET', '/exchanges');
    expect(JSON.stringify(rootLog.json())).not.toContain('/i/');
    // Its HAR export names each request's URL as the client sent it.
    const har = await admin(t.app, 'GET', '/issuers/medirecords/exchanges/har');
    const urls = har
      .json<{ log: { entries: { request: { url: string } }[] } }>()
      .log.entries.map((e) => e.request.url);
    expect(urls).toContain(`${ORIGIN}${MR}/oauth/smartauth/token`);
  });

  it('each issuer signs with a key of its own, never the root’s or another issuer’s', async ({ t }) => {
    const mr = await medirecordsTokens(t.app);
    const iehr = await iehrTokens(t.app);
    const kid = (jwt: unknown) =>
      (JSON.parse(Buffer.from(String(jwt).split('.')[0] ?? '', 'base64url').toString()) as { kid?: string })
        .kid;
    const published = async (prefix: string) =>
      (await t.app.inject({ method: 'GET', url: `${prefix}/.well-known/jwks.json` }))
        .json<{ keys: { kid: string }[] }>()
        .keys.map((k) => k.kid);
    const mrKid = kid(mr['access_token']);
    const iehrKid = kid(iehr['access_token']);
    expect(new Set([mrKid, iehrKid]).size).toBe(2);
    expect(await published(MR)).toContain(mrKid);
    expect(await published(IEHR)).not.toContain(mrKid);
    expect(await published('')).not.toContain(mrKid);
    expect(await published('')).not.toContain(iehrKid);
  });

  it('a token of one issuer is refused at another, naming the issuer that issued it', async ({ t }) => {
    const mr = await medirecordsTokens(t.app);
    const iehr = await iehrTokens(t.app);
    const access = String(mr['access_token']);

    // FHIR base: 401 OperationOutcome naming medirecords, at the default issuer and at iEHR alike.
    for (const base of ['', IEHR]) {
      const res = await t.app.inject({
        method: 'GET',
        url: `${base}/fhir/Patient`,
        headers: { authorization: `Bearer ${access}` },
      });
      expect(res.statusCode).toBe(401);
      expect(res.body).toContain('issued by issuer medirecords');
    }

    // Introspection: RFC 7662 §2.2 {"active": false}; the reason is in the exchange log's verdict.
    const intro = await postForm(
      t.app,
      '/introspect',
      { token: access },
      { authorization: basic('conf-app', 's3cret') },
    );
    expect(intro.json()).toEqual({ active: false });
    const log = await admin(t.app, 'GET', '/exchanges');
    const verdicts = JSON.stringify(log.json());
    expect(verdicts).toContain('issued by issuer medirecords');

    // Revocation: 200 as RFC 7009 §2.2 wants, nothing revoked, and the verdict says why.
    const revoke = await postForm(
      t.app,
      '/revoke',
      { token: access },
      { authorization: basic('conf-app', 's3cret') },
    );
    expect(revoke.statusCode).toBe(200);
    const revokeLog = await admin(t.app, 'GET', '/exchanges');
    const revoked = revokeLog.json<{ exchanges: { path: string; verdict: { summary: string } }[] }>();
    expect(revoked.exchanges.find((e) => e.path === '/revoke')?.verdict.summary).toContain(
      'nothing revoked: issued by issuer medirecords',
    );
    const stillActive = await t.app.inject({
      method: 'GET',
      url: `${MR}/fhir/Patient`,
      headers: { authorization: `Bearer ${access}` },
    });
    expect(stillActive.statusCode).toBe(200);

    // Refresh: iEHR's refresh token at the default issuer's token endpoint is invalid_grant naming iehr.
    const refresh = await postForm(
      t.app,
      '/token',
      { grant_type: 'refresh_token', refresh_token: String(iehr['refresh_token']) },
      { authorization: basic('conf-app', 's3cret') },
    );
    expect(refresh.statusCode).toBe(400);
    expect(refresh.json()).toMatchObject({ error: 'invalid_grant' });
    expect(refresh.json<{ error_description: string }>().error_description).toContain(
      'issued by issuer iehr',
    );

    // And the default issuer's tokens are unknown under /i/iehr.
    const root = await fullCodeFlow(t.app);
    const at = await t.app.inject({
      method: 'GET',
      url: `${IEHR}/fhir/Patient`,
      headers: { authorization: `Bearer ${String(root['access_token'])}` },
    });
    expect(at.body).toContain('issued by issuer default');
  });

  it('an issuer answers CORS preflights for its own FHIR base and token endpoint, as the root does', async ({
    t,
  }) => {
    const res = await t.app.inject({
      method: 'OPTIONS',
      url: `${IEHR}/fhir/Patient`,
      headers: { origin: 'http://127.0.0.1:5555', 'access-control-request-method': 'GET' },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('http://127.0.0.1:5555');
  });

  it('the pages an issuer serves link to its own paths: consent form, EHR page, relaunch', async ({
    sandboxWith,
  }) => {
    const launchApp = {
      clientId: 'launcher',
      redirectUris: [REDIRECT],
      scope: 'openid fhirUser launch patient/*.rs',
      tokenEndpointAuthMethod: 'none' as const,
      launchUrl: 'http://127.0.0.1:5555/launch',
    };
    const s = await sandboxWith({
      issuers: [
        {
          name: 'iehr',
          profile: 'iehr',
          authorize: { mode: 'interactive' },
          clients: [iehrClient, launchApp],
        },
      ],
    });
    const page = await authorize(
      s.app,
      { client_id: 'ehr-app', scope: 'openid profile', aud: undefined },
      `${IEHR}/oauth2/authorize`,
    );
    expect(page.response.statusCode).toBe(200);
    expect(page.response.body).toContain(`action="${IEHR}/oauth2/authorize/decision"`);

    const launched = await admin(s.app, 'POST', '/issuers/iehr/launches/ehr', { clientId: 'launcher' });
    expect(launched.statusCode, launched.body).toBe(201);
    const { page: ehrPage } = launched.json<{ page: string }>();
    expect(ehrPage.startsWith(`${ORIGIN}${IEHR}/_sandbox/ehr/`)).toBe(true);
    const path = new URL(ehrPage).pathname;
    const shown = await s.app.inject({ method: 'GET', url: path, headers: { host: '127.0.0.1:9710' } });
    expect(shown.statusCode).toBe(200);
    expect(shown.body).toContain(`action="${path}/relaunch"`);
    expect(shown.body).toContain(`iss=${encodeURIComponent(`${ORIGIN}${IEHR}/fhir`)}`);
    const relaunch = await s.app.inject({
      method: 'POST',
      url: `${path}/relaunch`,
      headers: { host: '127.0.0.1:9710' },
    });
    expect(relaunch.statusCode).toBe(303);
    expect(relaunch.headers.location).toBe(path);
  });

  it('closing the sandbox closes every issuer: waits end, state is written', async () => {
    const s = await startSandbox(config);
    const issuer = s.app.issuers?.get('iehr');
    expect(issuer?.sandbox.closing.aborted).toBe(false);
    await s.app.close();
    expect(issuer?.sandbox.closing.aborted).toBe(true);
    expect(s.app.issuers?.get('iehr')).toBeUndefined();
  });

  it('a code redeemed at the wrong issuer is invalid_grant naming the issuer that issued it', async ({
    t,
  }) => {
    const { code } = await authorize(
      t.app,
      { client_id: 'mr-app', scope: 'openid fhirUser launch/patient', aud: `${ORIGIN}${MR}/fhir` },
      `${MR}/oauth/smartauth/authorize`,
    );
    const res = await redeem(t.app, code ?? '');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      error: 'invalid_grant',
      error_description: expect.stringContaining('issued by issuer medirecords') as unknown,
    });
    // Still unspent at its own issuer.
    const own = await redeem(t.app, code ?? '', { client_id: 'mr-app' }, {}, `${MR}/oauth/smartauth/token`);
    expect(own.statusCode, own.body).toBe(200);
  });

  it('/i/NAME shows that issuer’s endpoints page, titled with its name', async ({ t }) => {
    const res = await t.app.inject({ url: IEHR, headers: { host: '127.0.0.1:9710' } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<title>Issuer iehr · Token Sandbox</title>');
    expect(res.body).toContain(`${IEHR}/oauth2/token`);
  });

  it('a path an issuer does not serve is a 404 naming its own endpoints under /i/NAME', async ({ t }) => {
    const res = await t.app.inject({ method: 'POST', url: `${IEHR}/token` });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({
      profile: 'iehr',
      tokenPath: `${IEHR}/oauth2/token`,
      authorizePath: `${IEHR}/oauth2/authorize`,
    });
    expect(res.json<{ message: string }>().message).toContain(
      `POST ${IEHR}/token is the token endpoint of the smart profile, not of the active profile iehr`,
    );
  });

  it('an unknown issuer path is a 404 that lists the issuers there are', async ({ t }) => {
    const res = await t.app.inject({ method: 'GET', url: '/i/epic/.well-known/smart-configuration' });
    expect(res.statusCode).toBe(404);
    expect(res.json<{ message: string }>().message).toContain('no issuer epic');
    expect(res.json<{ message: string }>().message).toContain('medirecords (/i/medirecords)');
    expect(res.json<{ issuers: string[] }>().issuers).toEqual(['default', 'medirecords', 'iehr']);
  });
});

describe('the issuers admin API', () => {
  it('lists every issuer, the default first, with its URLs, admin prefix and colour', async ({ t }) => {
    const res = await admin(t.app, 'GET', '/issuers');
    expect(res.statusCode).toBe(200);
    const { issuers } = res.json<{ issuers: Record<string, unknown>[] }>();
    expect(issuers.map((i) => i['name'])).toEqual(['default', 'medirecords', 'iehr']);
    expect(issuers[0]).toMatchObject({ isDefault: true, path: '', issuer: ORIGIN, admin: '/_sandbox/api' });
    expect(issuers[2]).toMatchObject({
      name: 'iehr',
      profile: 'iehr',
      path: IEHR,
      issuer: `${ORIGIN}${IEHR}`,
      discovery: `${ORIGIN}${IEHR}/.well-known/smart-configuration`,
      fhirBase: `${ORIGIN}${IEHR}/fhir`,
      admin: '/_sandbox/api/issuers/iehr',
      colour: '#123456',
      isDefault: false,
    });
  });

  it('/issuers/NAME/clients addresses that issuer’s clients only; default is the root’s', async ({ t }) => {
    const ids = async (path: string) =>
      (await admin(t.app, 'GET', path))
        .json<{ clients: { clientId: string }[] }>()
        .clients.map((c) => c.clientId);
    expect(await ids('/issuers/medirecords/clients')).toEqual(['mr-app']);
    expect(await ids('/issuers/iehr/clients')).toEqual(['ehr-app']);
    expect(await ids('/issuers/default/clients')).toEqual(await ids('/clients'));
    const added = await admin(t.app, 'POST', '/issuers/iehr/clients', {
      clientId: 'second',
      clientSecret: 'abcdef01234567890',
      redirectUris: [REDIRECT],
    });
    expect(added.statusCode, added.body).toBe(201);
    expect(added.headers.location).toBe('/_sandbox/api/issuers/iehr/clients/second');
    expect(await ids('/issuers/iehr/clients')).toEqual(['ehr-app', 'second']);
    expect(await ids('/issuers/medirecords/clients')).toEqual(['mr-app']);
    const unknown = await admin(t.app, 'GET', '/issuers/epic/clients');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json<{ message: string }>().message).toContain(
      'the issuers are default, medirecords, iehr',
    );
  });

  it('adds and removes an issuer; it answers under /i/NAME while it exists', async ({ t }) => {
    const added = await admin(t.app, 'POST', '/issuers', { name: 'smart-two', profile: 'smart' });
    expect(added.statusCode, added.body).toBe(201);
    expect(added.json()).toMatchObject({ name: 'smart-two', issuer: `${ORIGIN}/i/smart-two` });
    const location = String(added.headers.location);
    expect(location).toBe('/_sandbox/api/issuers/smart-two');
    const one = await admin(t.app, 'GET', location.slice('/_sandbox/api'.length));
    expect(one.json()).toEqual(added.json());
    const events: string[] = [];
    t.app.sandbox.events.on('issuer.removed', (e) => events.push(e.name));
    const served = await t.app.inject({ method: 'GET', url: '/i/smart-two/.well-known/jwks.json' });
    expect(served.statusCode).toBe(200);
    const removed = await admin(t.app, 'DELETE', '/issuers/smart-two');
    expect(removed.statusCode).toBe(204);
    expect(events).toEqual(['smart-two']);
    const gone = await t.app.inject({ method: 'GET', url: '/i/smart-two/.well-known/jwks.json' });
    expect(gone.statusCode).toBe(404);
  });

  it('refuses a duplicate name, an unknown profile, a bad name and removing the default, saying why', async ({
    t,
  }) => {
    const duplicate = await admin(t.app, 'POST', '/issuers', { name: 'iehr', profile: 'iehr' });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json()).toMatchObject({ error: 'conflict', field: 'name' });
    const reserved = await admin(t.app, 'POST', '/issuers', { name: 'default', profile: 'smart' });
    expect(reserved.statusCode).toBe(409);
    const profile = await admin(t.app, 'POST', '/issuers', { name: 'epic', profile: 'epic' });
    expect(profile.statusCode).toBe(400);
    expect(profile.json()).toMatchObject({ error: 'invalid_input', field: 'profile' });
    expect(profile.json<{ message: string }>().message).toContain('"medirecords"');
    const name = await admin(t.app, 'POST', '/issuers', { name: 'Not OK', profile: 'smart' });
    expect(name.statusCode).toBe(400);
    expect(name.json()).toMatchObject({ field: 'name' });
    const root = await admin(t.app, 'DELETE', '/issuers/default');
    expect(root.statusCode).toBe(409);
    expect(root.json<{ message: string }>().message).toContain('cannot be removed');
    const missing = await admin(t.app, 'DELETE', '/issuers/epic');
    expect(missing.statusCode).toBe(404);
  });

  it('an imported config document leaves the issuers as they are (the issuers routes own them)', async ({
    t,
  }) => {
    const exported = (await admin(t.app, 'GET', '/config')).json<Record<string, unknown>>();
    expect(exported['issuers']).toHaveLength(2);
    const imported = await admin(t.app, 'PUT', '/config', { ...exported, issuers: undefined });
    expect(imported.statusCode, imported.body).toBe(200);
    const after = (await admin(t.app, 'GET', '/config')).json<{ issuers: { name: string }[] }>();
    expect(after.issuers.map((i) => i.name)).toEqual(['medirecords', 'iehr']);
  });

  it('serves at most 16 issuers beside the default one, and says so', async ({ t }) => {
    for (let i = 0; i < 14; i++) {
      const res = await admin(t.app, 'POST', '/issuers', { name: `extra-${i}`, profile: 'smart' });
      expect(res.statusCode, res.body).toBe(201);
    }
    const over = await admin(t.app, 'POST', '/issuers', { name: 'one-too-many', profile: 'smart' });
    expect(over.statusCode).toBe(409);
    expect(over.json<{ message: string }>().message).toContain('16 issuers beside the default one');
  });

  it('refuses a hostile Origin and a missing token on the forwarded admin routes too', async ({ t }) => {
    const hostile = await admin(t.app, 'GET', '/issuers/iehr/clients', undefined, {
      origin: 'https://evil.example',
    });
    expect(hostile.statusCode).toBe(403);
    const anonymous = await admin(t.app, 'GET', '/issuers/iehr/clients', undefined, {
      authorization: undefined,
    });
    expect(anonymous.statusCode).toBe(401);
    // The issuer's admin API reached under its own path is guarded the same.
    const direct = await t.app.inject({
      method: 'GET',
      url: `${IEHR}/_sandbox/api/clients`,
      headers: {
        host: '127.0.0.1:9710',
        origin: 'https://evil.example',
        authorization: 'Bearer admin-token-for-tests',
      },
    });
    expect(direct.statusCode).toBe(403);
  });
});

describe('an issuer’s own settings and colour', () => {
  it('an issuer’s own config import refuses `issuers` and `https`, which it never serves', async ({ t }) => {
    for (const [field, value] of [
      ['issuers', [{ name: 'nested', profile: 'smart' }]],
      ['https', { enabled: true }],
    ] as const) {
      const res = await admin(t.app, 'PUT', '/issuers/iehr/config', { profile: 'iehr', [field]: value });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid_input', field });
    }
    const after = (await admin(t.app, 'GET', '/issuers/iehr/config')).json<Record<string, unknown>>();
    expect(after['issuers']).toBeUndefined();
    expect(after['https']).toBeUndefined();
  });

  it('an added issuer takes a palette colour no other issuer shows, after a removal too', async ({
    sandboxWith,
  }) => {
    const { app } = await sandboxWith({
      issuers: [
        { name: 'one', profile: 'smart' },
        { name: 'two', profile: 'smart' },
      ],
    });
    // Removing `one` frees its colour; `three` must not take `two`'s.
    expect((await admin(app, 'DELETE', '/issuers/one')).statusCode).toBe(204);
    const added = await admin(app, 'POST', '/issuers', { name: 'three', profile: 'smart' });
    expect(added.statusCode, added.body).toBe(201);
    const list = (await admin(app, 'GET', '/issuers')).json<{ issuers: { colour: string }[] }>();
    const colours = list.issuers.map((i) => i.colour);
    expect(new Set(colours).size, colours.join(' ')).toBe(colours.length);
  });

  it('an issuer name spelled with escapes reaches that issuer, recorded in its own exchange log only', async ({
    t,
  }) => {
    const res = await t.app.inject({ method: 'GET', url: '/i/ieh%72/.well-known/smart-configuration' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ issuer: `${ORIGIN}${IEHR}` });
    const paths = async (prefix: string): Promise<string[]> =>
      (await admin(t.app, 'GET', `${prefix}/exchanges`))
        .json<{ exchanges: { path: string }[] }>()
        .exchanges.map((e) => e.path);
    expect(await paths('')).toEqual([]);
    expect(await paths('/issuers/iehr')).toEqual([`${IEHR}/.well-known/smart-configuration`]);
  });

  it('a start that would serve more than 16 issuers with those a data folder keeps is refused, the folder intact', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'issuers-limit-'));
    try {
      const sixteen = Array.from({ length: 16 }, (_, i) => ({ name: `kept-${i}`, profile: 'smart' }));
      const first = await startSandbox({ issuers: sixteen }, { dataDir: dir });
      await first.app.close();
      // As `serve --data-dir DIR --issuer one-more=smart`: the folder's 16 and one more.
      await expect(
        startSandbox({ issuers: [{ name: 'one-more', profile: 'smart' }] }, { dataDir: dir }),
      ).rejects.toThrow(/keeps 16 issuers and the config or --issuer adds 1 more: at most 16/);
      // The next start without it still reads the folder.
      const again = await startSandbox({}, { dataDir: dir });
      try {
        expect(again.app.issuers?.names()).toHaveLength(17);
      } finally {
        await again.app.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  // Restored from the default issuer's state alone, an issuer's own data folder is what is in force.
  it('an issuer’s profile changed through its own admin API survives a restart', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'issuers-breaker-'));
    try {
      const first = await startSandbox(config, { dataDir: dir });
      const changed = await admin(first.app, 'PUT', '/issuers/iehr/config', { profile: 'smart' });
      expect(changed.statusCode, changed.body).toBe(200);
      expect((await admin(first.app, 'GET', '/issuers/iehr')).json()).toMatchObject({ profile: 'smart' });
      await first.app.close();
      // Restarted from the data folder alone, as `serve --data-dir DIR` does.
      const second = await startSandbox({}, { dataDir: dir });
      try {
        expect((await admin(second.app, 'GET', '/issuers/iehr')).json()).toMatchObject({ profile: 'smart' });
      } finally {
        await second.app.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
