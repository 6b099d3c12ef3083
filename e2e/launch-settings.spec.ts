import { expect, openView, screenshots, test } from './sandbox.js';

test.describe('Launch and Settings', () => {
  test('Launch offers the clients with a launch URL and starts a launch bound to the chosen patient', async ({
    workbench: page,
  }) => {
    await openView(page, 'Launch');
    await expect(page.getByLabel('Client')).toHaveValue('web-app');
    await page.getByLabel('Patient').fill('pat-42');
    await screenshots(page, 'launch');
    await page
      .getByRole('form', { name: 'Start an EHR launch' })
      .getByRole('button', { name: 'Launch' })
      .click();
    const outcome = page.locator('[data-state="launched"]');
    await expect(outcome).toBeVisible();
    await expect(outcome).toContainText('http://127.0.0.1:5555/launch?');
    await expect(outcome).toContainText('iss=');
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
