import { expect, openView, test, tokenRequest, tryIt } from './sandbox.js';

test.describe('The workbench’s first hour', () => {
  test('after “Try it”, the Overview reads a patient with the token and offers the Launch view', async ({
    workbench: page,
  }) => {
    await tryIt(page);
    // The claims' times in words next to the raw numbers.
    await expect(page.getByRole('definition').filter({ hasText: /\(in 59 min|\(in 1 h/ })).toBeVisible();
    await page.getByRole('button', { name: 'Read a patient with it' }).click();
    const read = page.getByTestId('patient-read-result');
    await expect(read).toHaveAttribute('data-status', '200');
    await expect(read).toContainText('"resourceType": "Patient"');
    await expect(read).toContainText('"id": "pat-1"');
    await page.getByRole('button', { name: 'Launch an app' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Launch' })).toBeVisible();
  });

  test('Launch says the app opened in a new tab when it did', async ({ workbench: page }) => {
    // The app behind the launch URL, so the new tab has a page to show.
    await page
      .context()
      .route('http://127.0.0.1:5555/**', (route) =>
        route.fulfill({ contentType: 'text/html', body: '<title>App</title><p>launched</p>' }),
      );
    await openView(page, 'Launch');
    const popup = page.waitForEvent('popup');
    await page
      .getByRole('form', { name: 'Start an EHR launch' })
      .getByRole('button', { name: 'Open in a new window' })
      .click();
    const tab = await popup;
    await tab.waitForLoadState();
    expect(tab.url()).toContain('http://127.0.0.1:5555/launch?');
    // The app gets no handle back on the workbench.
    expect(await tab.evaluate(() => window.opener === null)).toBe(true);
    const outcome = page.locator('[data-state="launched"]');
    await expect(outcome).toContainText('opened in a new tab');
    await expect(outcome).not.toContainText('blocked');
  });

  test('Launch says the browser blocked the tab only when it did', async ({ workbench: page }) => {
    await page.evaluate(() => {
      window.open = () => null;
    });
    await openView(page, 'Launch');
    await page
      .getByRole('form', { name: 'Start an EHR launch' })
      .getByRole('button', { name: 'Open in a new window' })
      .click();
    await expect(page.locator('[data-state="launched"]')).toContainText('the browser blocked the new tab');
  });

  test('registering a client confirms it and shows the generated secret once, with copy', async ({
    workbench: page,
    sandbox,
  }) => {
    await openView(page, 'Clients');
    await page.getByRole('button', { name: 'New client' }).click();
    const form = page.getByRole('form', { name: 'New client' });
    await form.getByLabel('Client ID').fill('reporting-job');
    await form.getByRole('button', { name: 'Register client' }).click();
    const done = page.getByRole('region', { name: 'Client reporting-job registered' });
    await expect(done).toBeVisible();
    const secret = (await done.locator('code').textContent()) ?? '';
    expect(secret.length).toBeGreaterThanOrEqual(16);
    await expect(done.getByRole('button', { name: 'Copy secret' })).toBeVisible();
    // The shown secret is the one the server holds: a token request with it succeeds.
    const res = await tokenRequest(
      `${sandbox.origin}/token`,
      { grant_type: 'client_credentials' },
      `reporting-job:${secret}`,
    );
    expect(res.status).not.toBe(401);
    await done.getByRole('button', { name: 'Dismiss' }).click();
    await expect(done).toBeHidden();
  });

  test('Settings names where this server keeps its data', async ({ workbench: page }) => {
    await openView(page, 'Settings');
    await expect(page.getByTestId('data-dir')).toContainText('In memory only');
  });

  test('Codes & tokens shows each preview with one ellipsis and the claims’ times in words', async ({
    workbench: page,
  }) => {
    await tryIt(page);
    await openView(page, 'Codes & tokens');
    const preview = page.locator('.artefact [title^="id "]').first();
    await expect(preview).toHaveText(/^[^…]+…$/);
    await page.getByRole('button', { name: 'Decode' }).first().click();
    await expect(page.getByRole('definition').filter({ hasText: /\(in 59 min|\(in 1 h/ })).toBeVisible();
  });

  test('Codes & tokens decodes and introspects a token the workbench did not request itself', async ({
    workbench: page,
    sandbox,
  }) => {
    // A backend app outside the workbench gets a token.
    const res = await tokenRequest(
      `${sandbox.origin}/token`,
      { grant_type: 'client_credentials', scope: 'system/*.rs' },
      'backend-svc:backend-secret-0001',
    );
    expect(res.status).toBe(200);
    await openView(page, 'Codes & tokens');
    await page.getByRole('button', { name: 'Decode' }).first().click();
    await expect(page.locator('.jwt')).toContainText('"client_id": "backend-svc"');
    await expect(page.locator('.signature')).toHaveAttribute('data-state', 'valid');
    await page.getByRole('button', { name: 'Introspect' }).first().click();
    await expect(page.getByTestId('introspection')).toHaveText('introspection: active true');
  });
});
