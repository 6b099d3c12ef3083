import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { test as base, expect, type Locator, type Page } from '@playwright/test';

/** A running `token-sandbox serve`, started from the built CLI exactly as a user starts it. */
export interface RunningSandbox {
  readonly origin: string;
  readonly workbenchUrl: string;
  readonly token: string;
  /** Calls the admin API from the test (as a CI pipeline would). */
  admin(method: string, route: string, body?: unknown): Promise<Response>;
  hasRoute(method: string, route: string): Promise<boolean>;
}

const ROOT = path.resolve(import.meta.dirname, '..');

/** Starts the built CLI with `config` and any further `args` (e.g. `--https`), on a free port. */
export async function startCli(
  config: unknown,
  args: readonly string[] = [],
): Promise<{ sandbox: RunningSandbox; stop: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ts-e2e-'));
  const configFile = path.join(dir, 'config.json');
  await writeFile(configFile, JSON.stringify(config));
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(ROOT, 'bin/token-sandbox.js'), 'serve', '--port', '0', '--config', configFile, ...args],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  if (child.stdout === null) throw new Error('the server has no stdout');
  const lines = createInterface({ input: child.stdout });
  const workbenchUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start: ${stderr}`)), 30_000);
    lines.on('line', (line) => {
      const match = /workbench (https?:\/\/\S+)/.exec(line);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`the server exited with ${code}: ${stderr}`)));
  });
  const url = new URL(workbenchUrl);
  const token = url.searchParams.get('token') ?? '';
  const origin = url.origin;
  const admin = (method: string, route: string, body?: unknown) =>
    fetch(`${origin}/_sandbox/api${route}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const sandbox: RunningSandbox = {
    origin,
    workbenchUrl,
    token,
    admin,
    hasRoute: async (method, route) => {
      const res = await admin(method, route);
      const text = await res.text();
      return !(res.status === 404 && text.includes('no admin route'));
    },
  };
  return {
    sandbox,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The config each test file's server starts with: one backend client, one app with a launch URL. */
export const E2E_CONFIG = {
  clients: [
    {
      clientId: 'backend-svc',
      clientName: 'Backend service',
      clientSecret: 'backend-secret-0001',
      tokenEndpointAuthMethod: 'client_secret_basic',
      grantTypes: ['client_credentials'],
      scope: 'system/*.rs',
    },
    {
      clientId: 'web-app',
      clientSecret: 'web-secret-0001',
      tokenEndpointAuthMethod: 'client_secret_basic',
      redirectUris: ['http://127.0.0.1:5555/callback'],
      launchUrl: 'http://127.0.0.1:5555/launch',
      grantTypes: ['authorization_code', 'refresh_token'],
      scope: 'openid fhirUser launch launch/patient patient/*.rs offline_access',
    },
  ],
};

/**
 * A Playwright fixture that starts its own server from the CLI with `config` for one test and stops it after:
 * `test.extend({ vendors: cliFixture(CONFIG) })` for a spec that needs a second sandbox.
 */
export function cliFixture(
  config: unknown,
): [(deps: object, use: (sandbox: RunningSandbox) => Promise<void>) => Promise<void>, { scope: 'test' }] {
  return [
    // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies by destructuring.
    async ({}, use) => {
      const { sandbox, stop } = await startCli(config);
      await use(sandbox);
      await stop();
    },
    { scope: 'test' },
  ];
}

/**
 * A real server per test, started from the CLI with `E2E_CONFIG`: tests running side by side never see each
 * other's exchanges, grants or armed failures.
 */
export const test = base.extend<{ workbench: Page; sandbox: RunningSandbox }>({
  sandbox: cliFixture(E2E_CONFIG),
  /** The workbench opened from the start-up URL (with its token), on the Overview. */
  workbench: async ({ page, sandbox }, use) => {
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(sandbox.workbenchUrl);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await use(page);
    // A CSP violation or an uncaught error is a bug, whatever the test checked.
    expect(errors.filter((e) => /Content Security Policy|Uncaught/i.test(e))).toEqual([]);
  },
});

export { expect };

/** WCAG 2.1 A and AA, the level public-sector accessibility rules cite: the axe tags every audit runs. */
export const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** One token request, as an app would send it: form-encoded, client_secret_basic when a secret is given. */
export function tokenRequest(url: string, form: Record<string, string>, basic?: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      ...(basic === undefined ? {} : { Authorization: `Basic ${Buffer.from(basic).toString('base64')}` }),
    },
    body: new URLSearchParams(form).toString(),
  });
}

/** Opens a view from the left navigation and waits for its heading. */
export async function openView(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
}

/** Presses the Overview's Try it (a token for backend-svc) and waits for the status it shows. */
export async function tryIt(page: Page, status = '200'): Promise<void> {
  await page.getByRole('button', { name: 'Try it' }).click();
  await expect(page.getByTestId('try-it-result')).toHaveAttribute('data-status', status);
}

/** The rows of Activity's list of exchanges, newest last. */
export function exchangeRows(page: Page): Locator {
  return page.getByRole('listbox', { name: 'Exchanges, newest last' }).getByRole('option');
}

/** Saves the page in the light and the dark theme under test-results/screenshots/ (CI artifacts). */
export async function screenshots(page: Page, name: string): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.screenshot({
      path: path.join(ROOT, 'test-results', 'screenshots', `${name}-${colorScheme}.png`),
      fullPage: true,
    });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}
