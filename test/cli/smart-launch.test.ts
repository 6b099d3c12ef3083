import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../server/app.js';
import { servedCliTest, writeConfig } from '../helpers/cli.js';
import { followRedirect, startSmartApp, type SmartApp } from '../helpers/smart-app.js';

const SCOPE_EHR = 'launch openid fhirUser patient/*.rs';
const SCOPE_STANDALONE = 'launch/patient openid fhirUser patient/*.rs';

/** The app of the standalone launch, registered with the command (`cli`) that the file's CLI test drives. */
let standaloneApp: SmartApp;
const it = servedCliTest(
  async () => {
    standaloneApp = await startSmartApp('standalone-app', SCOPE_STANDALONE);
    const config = await writeConfig({
      clients: [
        {
          clientId: 'standalone-app',
          redirectUris: [standaloneApp.redirectUri],
          tokenEndpointAuthMethod: 'none',
        },
      ],
      launch: { patient: 'pat-4' },
    });
    return ['--config', config];
  },
  () => standaloneApp.close(),
);

interface LaunchResult {
  readonly patientId: string;
  readonly patient: { resourceType: string; id: string };
  readonly scope: string;
}

/** Runs a launch the way a browser does: app launch URL → /authorize → app callback, redirects by hand. */
async function runLaunch(app: SmartApp, launchUrl: string, fhirBase: string): Promise<LaunchResult> {
  const authorizeUrl = await followRedirect(launchUrl);
  const url = new URL(authorizeUrl);
  // The app found /authorize through discovery on the iss, and asks for the FHIR base as aud.
  expect(url.searchParams.get('aud')).toBe(fhirBase);
  expect(url.searchParams.get('code_challenge_method')).toBe('S256');
  const callback = await followRedirect(authorizeUrl);
  expect(callback.startsWith(app.redirectUri)).toBe(true);
  const res = await fetch(callback);
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as LaunchResult;
}

describe('black box: an EHR launch, started through the admin API, driven by openid-client', () => {
  let app: SmartApp;
  let server: FastifyInstance;
  let origin: string;

  beforeAll(async () => {
    app = await startSmartApp('growth-chart', SCOPE_EHR);
    server = await buildServer({
      config: {
        clients: [
          {
            clientId: 'growth-chart',
            redirectUris: [app.redirectUri],
            launchUrl: app.launchUrl,
            tokenEndpointAuthMethod: 'none',
          },
        ],
      },
    });
    await server.listen({ port: 0, host: '127.0.0.1' });
    const address = server.server.address();
    origin = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    server.sandbox.origin = origin;
  });
  afterAll(async () => {
    await server.close();
    await app.close();
  });

  it('launches the app with iss and launch, and the app reads the launch patient with its token', async () => {
    const started = await fetch(`${origin}/_sandbox/api/launches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.sandbox.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: 'growth-chart', patient: 'pat-2' }),
    });
    expect(started.status).toBe(201);
    const launch = (await started.json()) as { url: string };
    const result = await runLaunch(app, launch.url, `${origin}/fhir`);
    expect(result.patientId).toBe('pat-2');
    expect(result.patient).toMatchObject({ resourceType: 'Patient', id: 'pat-2' });
    expect(result.scope).toBe(SCOPE_EHR);
  });
});

describe('black box: the real CLI, a standalone launch driven by openid-client', () => {
  it('takes the patient from the config launch in auto mode, and the app reads it', async ({ cli }) => {
    const fhirBase = `${cli.origin}/fhir`;
    const launch = `${standaloneApp.launchUrl}?iss=${encodeURIComponent(fhirBase)}`;
    const result = await runLaunch(standaloneApp, launch, fhirBase);
    expect(result.patientId).toBe('pat-4');
    expect(result.patient).toMatchObject({ resourceType: 'Patient', id: 'pat-4', birthDate: '1947-01-30' });
  });
});
