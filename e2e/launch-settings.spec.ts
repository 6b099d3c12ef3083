import { expect, openView, screenshots, test } from './sandbox.js';

test.describe('Launch and Settings', () => {
  test('Launch offers the clients with a launch URL and starts a launch bound to the chosen patient', async ({
    workbench: page,
  }) => {
    await openView(page, 'Launch');
    await expect(page.getByLabel('Client')).toHaveValue('web-app');
    // Patients and encounters come from the FHIR data: the config's pat-1 and enc-1 first, then pat-2's own.
    await expect(page.getByLabel('Patient')).toHaveValue('pat-1');
    await expect(page.getByLabel('Encounter')).toHaveValue('enc-1');
    await page.getByLabel('Patient').selectOption('pat-2');
    await expect(page.getByLabel('Encounter')).toHaveValue('enc-3');
    await expect(page.getByLabel('Encounter').locator('option')).toHaveCount(1);
    await screenshots(page, 'launch');
    const launched = page.waitForResponse((r) => r.url().endsWith('/_sandbox/api/launches'));
    await page
      .getByRole('form', { name: 'Start an EHR launch' })
      .getByRole('button', { name: 'Open in a new window' })
      .click();
    const outcome = page.locator('[data-state="launched"]');
    await expect(outcome).toBeVisible();
    await expect(outcome).toContainText('http://127.0.0.1:5555/launch?');
    await expect(outcome).toContainText('iss=');
    expect(await (await launched).json()).toMatchObject({
      context: { patient: 'pat-2', encounter: 'enc-3' },
    });
  });

  test('Launch: a dropped Synthea bundle loads, and its patient becomes a choice in the picker', async ({
    workbench: page,
  }) => {
    await openView(page, 'Launch');
    const loaded = page.waitForResponse((r) => r.url().endsWith('/_sandbox/api/fhir/load'));
    await page
      .getByLabel('FHIR files to load')
      .setInputFiles(new URL('../test/fixtures/synthea-patient-bundle.json', import.meta.url).pathname);
    expect((await loaded).status()).toBe(201);
    await expect(page.getByRole('status').filter({ hasText: 'Loaded' })).toHaveText(
      'Loaded synthea-patient-bundle.json: 7 resources, 1 patient.',
    );
    await page.getByLabel('Patient').selectOption('b7c1f1de-2f4a-4c1e-9a55-1f6f0c7b2a10');
    await expect(page.getByLabel('Encounter')).toHaveValue('3e0b5a4c-8d2f-4f5e-b1a9-6c2d7e8f9a01');
  });

  test('Launch mints a launch value for a client without a launch URL and says there is no URL', async ({
    workbench: page,
    sandbox,
  }) => {
    const created = await sandbox.admin('POST', '/clients', {
      clientId: 'script-app',
      redirectUris: ['http://127.0.0.1:5555/callback'],
      tokenEndpointAuthMethod: 'none',
    });
    expect(created.status).toBe(201);
    await openView(page, 'Launch');
    await page.getByLabel('Client').selectOption('script-app');
    await page
      .getByRole('form', { name: 'Start an EHR launch' })
      .getByRole('button', { name: 'Open in a new window' })
      .click();
    const outcome = page.locator('[data-state="launched"]');
    await expect(outcome).toContainText('This client has no launch URL');
    await expect(outcome.getByRole('button', { name: 'Copy launch value' })).toBeVisible();
  });

  test('Settings: theme override, token lifetimes saved to the server, clock offset, config import errors', async ({
    workbench: page,
    sandbox,
  }) => {
    await openView(page, 'Settings');
    await screenshots(page, 'settings');
    await page.getByLabel('Dark').check();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    await page.reload();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    await page.getByLabel('Follow the system').check();
    await expect(page.locator('html')).not.toHaveAttribute('data-theme', /.+/);

    await page.getByLabel('Access token lifetime (s)').fill('600');
    await page.getByRole('button', { name: 'Save token settings' }).click();
    await expect(page.getByText('Saved. New tokens use these settings.')).toBeVisible();
    const config = (await (await sandbox.admin('GET', '/config')).json()) as {
      tokens?: { accessTokenLifetime?: number };
    };
    expect(config.tokens?.accessTokenLifetime).toBe(600);

    await page.getByLabel('Offset (seconds)').fill('120');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page.getByText(/Server time is now/)).toBeVisible();
    const clock = (await (await sandbox.admin('GET', '/clock')).json()) as { offsetSeconds: number };
    expect(clock.offsetSeconds).toBe(120);

    await page.getByLabel('Config file to import').setInputFiles({
      name: 'bad.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify({ clients: [{ clientId: 'x', redirectUri: 'typo' }] })),
    });
    await expect(page.getByRole('alert')).toContainText('bad.json');
    await expect(page.getByRole('alert')).toContainText('redirectUri');
  });
});
