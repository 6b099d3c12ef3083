import { E2E_CONFIG, expect, openView, screenshots, test } from './sandbox.js';

test.describe('Clients', () => {
  test('registers a client through the form, shows it, edits it and deletes it after confirmation', async ({
    workbench: page,
    sandbox,
  }) => {
    await openView(page, 'Clients');
    await expect(page.getByRole('table', { name: 'Registered clients' })).toContainText('backend-svc');
    await page.getByRole('button', { name: 'New client' }).click();
    const form = page.getByRole('form', { name: 'New client' });
    await form.getByLabel('Client ID').fill('my-spa');
    await form.getByLabel('Public (browser or native app, PKCE)').check();
    await form.getByLabel('Redirect URIs').fill('http://localhost:4200/callback');
    await form.getByLabel('Launch URL').fill('http://localhost:4200/launch');
    await screenshots(page, 'clients-form');
    await form.getByRole('button', { name: 'Register client' }).click();
    const row = page.locator('tr[data-client-id="my-spa"]');
    await expect(row).toContainText('public');
    const saved = (await (await sandbox.admin('GET', '/clients/my-spa')).json()) as Record<string, unknown>;
    expect(saved).toMatchObject({
      clientId: 'my-spa',
      tokenEndpointAuthMethod: 'none',
      redirectUris: ['http://localhost:4200/callback'],
      launchUrl: 'http://localhost:4200/launch',
    });
    expect(saved).not.toHaveProperty('clientSecret');

    await row.getByRole('button', { name: 'Edit my-spa' }).click();
    const edit = page.getByRole('form', { name: 'Edit my-spa' });
    await edit.getByLabel('Access token lifetime (s)').fill('120');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await expect(edit).toBeHidden();
    expect(
      ((await (await sandbox.admin('GET', '/clients/my-spa')).json()) as Record<string, unknown>)[
        'accessTokenLifetime'
      ],
    ).toBe(120);

    await row.getByRole('button', { name: 'Delete my-spa' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Delete client my-spa?' });
    await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
    await screenshots(page, 'clients-delete');
    await dialog.getByRole('button', { name: 'Delete my-spa' }).click();
    await expect(row).toHaveCount(0);
    expect((await sandbox.admin('GET', '/clients/my-spa')).status).toBe(404);
  });

  test('shows the server’s refusal inline, under the field it names', async ({ workbench: page }) => {
    await openView(page, 'Clients');
    await page.getByRole('button', { name: 'New client' }).click();
    const form = page.getByRole('form', { name: 'New client' });
    await form.getByLabel('Client ID').fill('backend-svc');
    await form.getByRole('button', { name: 'Register client' }).click();
    await expect(form.getByRole('alert')).toContainText('already exists');
    await expect(form.getByLabel('Client ID')).toHaveAttribute('aria-invalid', 'true');
    // The secret is generated, hidden by default and revealable.
    const secret = form.getByLabel('Client secret');
    await expect(secret).toHaveAttribute('type', 'password');
    await form.getByRole('button', { name: 'Reveal' }).click();
    await expect(secret).toHaveAttribute('type', 'text');
    expect((await secret.inputValue()).length).toBeGreaterThanOrEqual(40);
    await screenshots(page, 'clients-error');
  });

  test('warns beside a client what the active profile cannot serve it', async ({
    workbench: page,
    sandbox,
  }) => {
    // MediRecords serves only authorization_code: web-app's refresh grant and offline_access cannot work.
    const put = await sandbox.admin('PUT', '/config', { ...E2E_CONFIG, profile: 'medirecords' });
    expect(put.status).toBe(200);
    await openView(page, 'Clients');
    const row = page.locator('tr[data-client-id="web-app"]');
    await expect(row.getByRole('note').first()).toContainText(
      'grant refresh_token is not served by the medirecords profile',
    );
    await expect(row).toContainText('scope offline_access asks for a refresh token');
  });
});
