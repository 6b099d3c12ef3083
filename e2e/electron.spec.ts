// The desktop app as a user gets it: launch Electron on the built app, wait for the workbench, register a
// client and run a token request from the page. Where the Electron binary cannot be had (no GitHub access),
// the test reports itself skipped with that reason; it never pretends to have run.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron, expect, test } from '@playwright/test';
import { findElectron } from '../scripts/electron-bin.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const found = findElectron();

const skipReason = found.ok ? undefined : `Electron binary not available: ${found.reason}`;
test.skip(skipReason !== undefined, skipReason ?? '');

test('the desktop app shows the workbench and issues a token to a client registered from it', async () => {
  if (!found.ok) return;
  const userData = await mkdtemp(path.join(tmpdir(), 'token-sandbox-e2e-'));
  const app = await electron.launch({
    executablePath: found.bin,
    args: ['.', '--port', '0', `--user-data-dir=${userData}`],
    cwd: root,
  });
  try {
    const page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
    await expect(page).toHaveTitle(/Token Sandbox/);
    const url = new URL(page.url());
    expect(url.hostname).toBe('127.0.0.1');
    const token = url.searchParams.get('token') ?? '';
    expect(token).not.toBe('');

    // The page has no Node and sees only the three preload functions.
    expect(await page.evaluate(() => typeof Reflect.get(globalThis, 'require'))).toBe('undefined');
    expect(
      await page.evaluate(() => Object.keys(Reflect.get(globalThis, 'tokenSandboxDesktop') as object).sort()),
    ).toStrictEqual(['appVersion', 'openExternal', 'revealDataFolder']);

    // Everything below runs inside the page, under its CSP, as the workbench does.
    const result = await page.evaluate(async (adminToken) => {
      const registered = await fetch('/_sandbox/api/clients', {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          clientId: 'e2e-backend',
          clientSecret: 'e2e-s3cret',
          grantTypes: ['client_credentials'],
          scope: 'system/*.rs',
          tokenEndpointAuthMethod: 'client_secret_basic',
        }),
      });
      const tokenResponse = await fetch('/token', {
        method: 'POST',
        headers: {
          authorization: `Basic ${btoa('e2e-backend:e2e-s3cret')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials&scope=system%2F*.rs',
      });
      return {
        registered: registered.status,
        status: tokenResponse.status,
        body: (await tokenResponse.json()) as Record<string, unknown>,
      };
    }, token);
    expect(result.registered).toBe(201);
    expect(result.status).toBe(200);
    expect(result.body['token_type']).toBe('Bearer');
    expect(typeof result.body['access_token']).toBe('string');
  } finally {
    await app.close();
    await rm(userData, { recursive: true, force: true });
  }
});
