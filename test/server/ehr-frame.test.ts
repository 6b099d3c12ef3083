import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { decodeJwt } from 'jose';
import type { ClientConfig, PersonaConfig } from '../../server/config/schema.js';
import { EHR_FRAME_LIFETIME_MS } from '../../server/ehr/frames.js';
import { checkFraming } from '../../server/ehr/framing-check.js';
import {
  admin,
  CHALLENGE,
  FHIR_BASE,
  ORIGIN,
  REDIRECT,
  sandboxTest,
  standardClients,
  type TestSandbox,
  VERIFIER,
} from '../helpers/sandbox.js';

/** A stand-in app: each path answers with the framing headers its name says, and counts what it was asked. */
let app: Server;
let appOrigin: string;
const seen: string[] = [];
const HEADERS: Record<string, Record<string, string>> = {
  '/open': {},
  '/xfo-deny': { 'X-Frame-Options': 'DENY' },
  '/xfo-sameorigin': { 'X-Frame-Options': 'SAMEORIGIN' },
  '/fa-none': { 'Content-Security-Policy': "default-src 'self'; frame-ancestors 'none'" },
  '/fa-self': { 'Content-Security-Policy': "frame-ancestors 'self'" },
  '/fa-sandbox': { 'Content-Security-Policy': `frame-ancestors 'self' ${ORIGIN}` },
  '/fa-any-port': { 'Content-Security-Policy': 'frame-ancestors http://127.0.0.1:*' },
  // CSP Level 3 §6.4.2: frame-ancestors wins over X-Frame-Options when both are sent.
  '/fa-over-xfo': { 'Content-Security-Policy': `frame-ancestors ${ORIGIN}`, 'X-Frame-Options': 'DENY' },
};

beforeAll(async () => {
  app = createServer((req, res) => {
    seen.push(req.url ?? '');
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (path === '/redirect-away') {
      res.writeHead(302, { Location: 'http://192.0.2.1/launch' }).end();
      return;
    }
    if (path === '/redirect-here') {
      res.writeHead(302, { Location: '/xfo-deny' }).end();
      return;
    }
    if (path === '/slow') return; // never answers
    res.writeHead(200, { 'Content-Type': 'text/html', ...HEADERS[path] }).end('<!doctype html><p>app</p>');
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appOrigin = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});

afterAll(async () => {
  app.closeAllConnections();
  await new Promise((resolve) => app.close(resolve));
});

const SCOPE = 'openid fhirUser launch patient/*.rs';

function appClient(path: string): ClientConfig {
  return {
    clientId: 'ehr-app',
    clientName: 'Growth Chart',
    redirectUris: [REDIRECT],
    grantTypes: ['authorization_code'],
    scope: SCOPE,
    tokenEndpointAuthMethod: 'none',
    launchUrl: `${appOrigin}${path}?tenant=a`,
  };
}

const it = sandboxTest();

async function openEhr(t: TestSandbox, body: Record<string, unknown> = {}) {
  const res = await admin(t.app, 'POST', '/launches/ehr', { clientId: 'ehr-app', ...body });
  expect(res.statusCode, res.body).toBe(201);
  const result = res.json<{
    page: string;
    launch: { launch: string; url: string; context: Record<string, unknown> };
    framing: { verdict: string; header?: string; fix?: string; reason?: string };
  }>();
  return result;
}

/** Authorizes with the launch value (auto mode) and redeems the code: the token response the app would get. */
async function launchTokens(t: TestSandbox, launch: string, scope = SCOPE): Promise<Record<string, unknown>> {
  const authorize = await t.app.inject({
    url: `/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id: 'ehr-app',
      redirect_uri: REDIRECT,
      scope,
      state: 'st-1',
      aud: `${ORIGIN}/fhir`,
      launch,
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
    }).toString()}`,
  });
  const code = new URL(authorize.headers.location ?? '').searchParams.get('code') ?? '';
  const token = await t.app.inject({
    method: 'POST',
    url: '/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      client_id: 'ehr-app',
      code_verifier: VERIFIER,
    }).toString(),
  });
  expect(token.statusCode, token.body).toBe(200);
  return token.json<Record<string, unknown>>();
}

function page(t: TestSandbox, url: string, headers: Record<string, string> = {}) {
  const { pathname } = new URL(url);
  return t.app.inject({ url: pathname, headers: { host: '127.0.0.1:9710', ...headers } });
}

describe('the EHR page (docs/endpoints.md#ehr-page)', () => {
  it('frames the app under a patient banner, and its CSP frames only the app origin and the authorization endpoint', async ({
    sandboxWith,
  }) => {
    const t = await sandboxWith({ clients: [...standardClients, appClient('/open')] });
    const ehr = await openEhr(t, { patient: 'pat-1', encounter: 'enc-1' });
    expect(ehr.launch.context).toMatchObject({ patient: 'pat-1', needPatientBanner: false });
    expect(ehr.framing.verdict).toBe('allowed');
    const res = await page(t, ehr.page);
    expect(res.statusCode).toBe(200);
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain(`frame-src ${appOrigin} ${ORIGIN}/authorize`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src|'unsafe-eval'/);
    expect(res.headers['x-frame-options']).toBe('DENY');
    // The id in the URL never reaches the app in a Referer; Relaunch, posted to this origin, carries its Origin.
    expect(res.headers['referrer-policy']).toBe('same-origin');
    expect(res.body).toContain('referrerpolicy="no-referrer"');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.body).not.toContain('<script');
    // Name, birth date, gender, identifier, encounter and the user of the launched patient (Patient.json).
    expect(res.body).toContain('Maria Elena Alvarez');
    expect(res.body).toContain('1974-03-12');
    expect(res.body).toContain('female');
    expect(res.body).toContain('Medical record number: 100001');
    expect(res.body).toMatch(/data-testid="banner-encounter">enc-1/);
    expect(res.body).toMatch(/data-testid="banner-user">[^<]+\(Practitioner\/prac-1\)/);
    expect(res.body).toContain(`src="${ehr.launch.url.replaceAll('&', '&amp;')}"`);
    // The check asked for the registered launch URL only, never with the launch value.
    expect(seen.some((u) => u.includes(ehr.launch.launch))).toBe(false);
    expect(seen).toContain('/open?tenant=a');
  });

  it('answers the token request of its launch with need_patient_banner false', async ({ sandboxWith }) => {
    const t = await sandboxWith({ clients: [...standardClients, appClient('/open')] });
    const ehr = await openEhr(t);
    expect(await launchTokens(t, ehr.launch.launch)).toMatchObject({
      patient: 'pat-1',
      need_patient_banner: false,
    });
  });

  it('names the persona the launch signs in as, the one its id_token is about', async ({ sandboxWith }) => {
    const cardiologist: PersonaConfig = {
      id: 'dr-ada',
      fhirUser: 'Practitioner/prac-2',
      name: 'Dr. Ada Quist',
      claims: { department: 'cardiology' },
    };
    const t = await sandboxWith({
      clients: [...standardClients, { ...appClient('/open'), scope: `${SCOPE} profile` }],
      personas: [cardiologist],
    });
    const ehr = await openEhr(t, { fhirUser: 'Practitioner/prac-2' });
    const res = await page(t, ehr.page);
    // The persona's display name, not the Practitioner resource's (Santos), and its fhirUser.
    expect(res.body).toContain(
      '<dd data-persona="dr-ada" data-testid="banner-user">Dr. Ada Quist (Practitioner/prac-2)</dd>',
    );
    const tokens = await launchTokens(t, ehr.launch.launch, `${SCOPE} profile`);
    expect(decodeJwt(String(tokens['id_token']))).toMatchObject({
      fhirUser: `${FHIR_BASE}/Practitioner/prac-2`,
      name: 'Dr. Ada Quist',
      department: 'cardiology',
    });
  });

  it('says "No persona" when no persona is the launch\'s fhirUser', async ({ sandboxWith }) => {
    const t = await sandboxWith({
      clients: [...standardClients, appClient('/open')],
      personas: [{ id: 'pat', fhirUser: 'Patient/pat-1', name: 'Maria Alvarez' }],
    });
    const res = await page(t, (await openEhr(t, { fhirUser: 'Practitioner/prac-1' })).page);
    expect(res.body).toContain(
      '<dd class="none" data-persona="none" data-testid="banner-user">No persona (Practitioner/prac-1)</dd>',
    );
  });

  it('Relaunch mints a fresh launch with the same context and shows the page again', async ({
    sandboxWith,
  }) => {
    const t = await sandboxWith({ clients: [...standardClients, appClient('/open')] });
    const ehr = await openEhr(t, { patient: 'pat-2' });
    const { pathname } = new URL(ehr.page);
    const relaunch = await t.app.inject({
      method: 'POST',
      url: `${pathname}/relaunch`,
      headers: {
        host: '127.0.0.1:9710',
        origin: ORIGIN,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: '',
    });
    expect(relaunch.statusCode).toBe(303);
    expect(relaunch.headers.location).toBe(pathname);
    const again = await page(t, ehr.page);
    const src = /<iframe src="([^"]+)"/.exec(again.body)?.[1]?.replaceAll('&amp;', '&') ?? '';
    const launch = new URL(src).searchParams.get('launch');
    expect(launch).not.toBeNull();
    expect(launch).not.toBe(ehr.launch.launch);
    expect(again.body).toMatch(/data-testid="banner-name">[^<]*Okafor</);
  });

  // A hostile page, or a sandboxed frame or data: URL (Origin: null), cannot mint launches through the form.
  it.for(['http://evil.example', 'null'])(
    'refuses a Relaunch posted with Origin %s',
    async (origin, { sandboxWith }) => {
      const t = await sandboxWith({ clients: [...standardClients, appClient('/open')] });
      const ehr = await openEhr(t);
      const res = await t.app.inject({
        method: 'POST',
        url: `${new URL(ehr.page).pathname}/relaunch`,
        headers: { host: '127.0.0.1:9710', origin, 'content-type': 'application/x-www-form-urlencoded' },
        payload: '',
      });
      expect(res.statusCode).toBe(403);
    },
  );

  it('says in interactive mode that the consent page cannot show in the frame', async ({ sandboxWith }) => {
    const t = await sandboxWith({
      clients: [...standardClients, appClient('/open')],
      authorize: { mode: 'interactive' },
    });
    const res = await page(t, (await openEhr(t)).page);
    expect(res.body).toContain('its consent page refuses to be framed');
    const auto = await sandboxWith({ clients: [...standardClients, appClient('/open')] });
    expect((await page(auto, (await openEhr(auto)).page)).body).not.toContain('interactive mode');
  });

  it('answers an unknown page with a clear 404 page', async ({ t }) => {
    const res = await page(t, `${ORIGIN}/_sandbox/ehr/no-such-page`);
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('There is no EHR page at this address');
    expect(res.body).toContain('Open in EHR');
  });

  it('answers an expired page with a 404 that says it expired, and shows an expired launch without the frame', async ({
    sandboxWith,
  }) => {
    const t = await sandboxWith({ clients: [...standardClients, appClient('/open')] });
    const ehr = await openEhr(t);
    t.clock.advance(11 * 60_000);
    const stale = await page(t, ehr.page);
    expect(stale.statusCode).toBe(200);
    expect(stale.body).toContain('This launch has expired');
    expect(stale.body).not.toContain('<iframe');
    t.clock.advance(EHR_FRAME_LIFETIME_MS);
    const gone = await page(t, ehr.page);
    expect(gone.statusCode).toBe(404);
    expect(gone.body).toContain('This EHR page has expired');
  });

  it('refuses a foreign Host (DNS rebinding)', async ({ sandboxWith }) => {
    const t = await sandboxWith({ clients: [...standardClients, appClient('/open')] });
    const ehr = await openEhr(t);
    const res = await page(t, ehr.page, { host: 'evil.example:9710' });
    expect(res.statusCode).toBe(403);
    expect(res.body).not.toContain('Alvarez');
  });

  it('needs a registered client with a launch URL', async ({ t }) => {
    const res = await admin(t.app, 'POST', '/launches/ehr', { clientId: 'conf-app' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('conf-app has no launchUrl');
    const unknown = await admin(t.app, 'POST', '/launches/ehr', { clientId: 'nobody' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toContain('client nobody is not registered');
  });

  it('refuses a patient the FHIR data does not have, naming the field', async ({ sandboxWith }) => {
    const t = await sandboxWith({ clients: [...standardClients, appClient('/open')] });
    const res = await admin(t.app, 'POST', '/launches/ehr', { clientId: 'ehr-app', patient: 'pat-99' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/no Patient .{1,2}pat-99/);
  });

  it('refuses a one-off launchUrl: the frame opens only the registered one', async ({ sandboxWith }) => {
    const t = await sandboxWith({ clients: [...standardClients, appClient('/open')] });
    const res = await admin(t.app, 'POST', '/launches/ehr', {
      clientId: 'ehr-app',
      launchUrl: 'http://127.0.0.1:1/elsewhere',
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('launchUrl');
  });

  it('shows the refusal with what to change when the app refuses to be framed', async ({ sandboxWith }) => {
    const t = await sandboxWith({ clients: [...standardClients, appClient('/xfo-deny')] });
    const ehr = await openEhr(t);
    expect(ehr.framing).toMatchObject({ verdict: 'refused', header: 'X-Frame-Options' });
    const res = await page(t, ehr.page);
    expect(res.body).toContain('The app refuses to be framed');
    expect(res.body).toContain(`Content-Security-Policy: frame-ancestors ${ORIGIN}`);
  });
});

describe('the framing check (docs/endpoints.md#ehr-page)', () => {
  it.for<[string, string, RegExp | undefined]>([
    ['/open', 'allowed', undefined],
    ['/xfo-deny', 'refused', /remove X-Frame-Options: DENY .* frame-ancestors http:\/\/127\.0\.0\.1:9710/],
    ['/xfo-sameorigin', 'refused', /remove X-Frame-Options: SAMEORIGIN/],
    ['/fa-none', 'refused', /add http:\/\/127\.0\.0\.1:9710 to frame-ancestors/],
    ['/fa-self', 'refused', /frame-ancestors 'self' http:\/\/127\.0\.0\.1:9710\)/],
    ['/fa-sandbox', 'allowed', undefined],
    ['/fa-any-port', 'allowed', undefined],
    ['/fa-over-xfo', 'allowed', undefined],
    ['/redirect-here', 'refused', /X-Frame-Options/],
  ])('%s: %s', async ([path, verdict, fix]) => {
    const finding = await checkFraming(`${appOrigin}${path}`, ORIGIN);
    expect(finding.verdict).toBe(verdict);
    if (fix !== undefined && finding.verdict === 'refused') expect(finding.fix).toMatch(fix);
  });

  it('does not follow a redirect to another origin', async () => {
    const finding = await checkFraming(`${appOrigin}/redirect-away`, ORIGIN);
    expect(reasonOf(finding)).toEqual(expect.stringContaining('another origin'));
  });

  it('says when the app is not running', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const finding = await checkFraming(`http://127.0.0.1:${port}/launch`, ORIGIN);
    expect(reasonOf(finding)).toEqual(
      expect.stringMatching(/could not be reached \(ECONNREFUSED\); is it running/),
    );
  });

  it('gives up on an app that does not answer in time', async () => {
    const finding = await checkFraming(`${appOrigin}/slow`, ORIGIN, [], 300);
    expect(finding).toMatchObject({ verdict: 'unchecked', reason: 'no answer within 0.3 s' });
  });

  it('never fetches a host that is not loopback unless the config names it', async () => {
    const finding = await checkFraming('http://192.0.2.1/launch', ORIGIN);
    expect(reasonOf(finding)).toEqual(expect.stringContaining('ehrFrame.framingCheckHosts'));
  });
});

function reasonOf(finding: Awaited<ReturnType<typeof checkFraming>>): string | undefined {
  return finding.verdict === 'unchecked' ? finding.reason : undefined;
}
