import { X509Certificate, createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from '@playwright/test';
import { expect, startCli, test } from './sandbox.js';

/** A SMART app's launch page: discovery, then the authorization request with PKCE (SMART App Launch 2.2). */
const launchPage = (APP: string) => `<title>App</title><script type="module">
const q = new URLSearchParams(location.search);
const iss = q.get('iss');
const meta = await (await fetch(iss + '/.well-known/smart-configuration')).json();
const verifier = crypto.randomUUID() + crypto.randomUUID();
const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
const challenge = btoa(String.fromCharCode(...digest)).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
sessionStorage.setItem('flow', JSON.stringify({ verifier, iss, token: meta.token_endpoint }));
const url = new URL(meta.authorization_endpoint);
url.search = new URLSearchParams({
  response_type: 'code', client_id: 'https-app', redirect_uri: '${APP}/callback', state: 'st-1',
  scope: 'launch openid fhirUser patient/*.rs', aud: iss, launch: q.get('launch'),
  code_challenge: challenge, code_challenge_method: 'S256',
}).toString();
location.assign(url);
</script>`;

/** The app's redirect URI: exchanges the code and reads the launch's patient with the token. */
const callbackPage = (
  APP: string,
) => `<title>Callback</title><output id="result"></output><script type="module">
const { verifier, iss, token } = JSON.parse(sessionStorage.getItem('flow'));
const res = await fetch(token, {
  method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({
    grant_type: 'authorization_code', code: new URLSearchParams(location.search).get('code'),
    redirect_uri: '${APP}/callback', client_id: 'https-app', code_verifier: verifier,
  }),
});
const body = await res.json();
const patient = await fetch(iss + '/Patient/' + body.patient, { headers: { Authorization: 'Bearer ' + body.access_token } });
const out = document.getElementById('result');
out.dataset.token = String(res.status);
out.dataset.patient = String(patient.status);
out.textContent = JSON.stringify({ iss, token, patient: body.patient, resource: (await patient.json()).resourceType });
</script>`;

/**
 * The app as a real server on loopback, as a developer runs one: Chromium's Local Network Access lets a
 * loopback page call the loopback sandbox, which a page fulfilled by the test (no address) may not.
 */
async function startApp(): Promise<{ origin: string; server: Server }> {
  let origin = '';
  const server = createServer((req, res) => {
    const page = new URL(req.url ?? '/', origin).pathname === '/callback' ? callbackPage : launchPage;
    res.writeHead(200, { 'Content-Type': 'text/html' }).end(page(origin));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, server };
}

test.describe('serve --https in Chromium (README "HTTPS")', () => {
  let dataDir: string;
  let started: Awaited<ReturnType<typeof startCli>>;
  let spki: string;
  let app: { origin: string; server: Server };

  test.beforeAll(async () => {
    app = await startApp();
    const APP = app.origin;
    dataDir = await mkdtemp(path.join(tmpdir(), 'ts-e2e-https-'));
    started = await startCli(
      {
        clients: [
          {
            clientId: 'https-app',
            tokenEndpointAuthMethod: 'none',
            redirectUris: [`${APP}/callback`],
            launchUrl: `${APP}/launch`,
            grantTypes: ['authorization_code'],
            scope: 'launch openid fhirUser patient/*.rs',
          },
        ],
      },
      ['--https', '--data-dir', dataDir],
    );
    // Chromium trusts exactly this key (the leaf's SubjectPublicKeyInfo), not every certificate error.
    const leaf = new X509Certificate(await readFile(path.join(dataDir, 'https', 'localhost.pem')));
    spki = createHash('sha256')
      .update(leaf.publicKey.export({ type: 'spki', format: 'der' }))
      .digest('base64');
  });

  test.afterAll(async () => {
    await started.stop();
    app.server.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('a browser that does not trust the certificate refuses the workbench', async ({ page }) => {
    expect(started.sandbox.origin).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    await expect(page.goto(started.sandbox.workbenchUrl)).rejects.toThrow(/ERR_CERT_AUTHORITY_INVALID/);
  });

  test('told to trust that certificate, Chromium completes an EHR launch over https', async () => {
    const project = test.info().project.use.launchOptions ?? {};
    const browser = await chromium.launch({
      ...project,
      args: [...(project.args ?? []), `--ignore-certificate-errors-spki-list=${spki}`],
    });
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(started.sandbox.workbenchUrl);
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
      await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Launch' }).click();
      const popup = page.waitForEvent('popup');
      await page
        .getByRole('form', { name: 'Start an EHR launch' })
        .getByRole('button', { name: 'Open in a new window' })
        .click();
      const result = (await popup).locator('#result');
      await expect(result).toHaveAttribute('data-token', '200');
      await expect(result).toHaveAttribute('data-patient', '200');
      const origin = started.sandbox.origin;
      expect(JSON.parse((await result.textContent()) ?? '{}')).toEqual({
        iss: `${origin}/fhir`,
        token: `${origin}/token`,
        patient: expect.any(String) as unknown,
        resource: 'Patient',
      });
    } finally {
      await browser.close();
    }
  });
});
