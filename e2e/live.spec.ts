import { exchangeRows, expect, openView, screenshots, test, tryIt } from './sandbox.js';

test.describe('Activity and Codes & tokens', () => {
  test('a token request appears live in Activity and in Codes & tokens; revoking it makes introspection inactive', async ({
    workbench: page,
  }) => {
    await expect(page.getByRole('status').filter({ hasText: 'Live' })).toHaveAttribute('data-state', 'open');
    await tryIt(page);

    await openView(page, 'Activity');
    const row = exchangeRows(page).filter({ hasText: '/token' }).first();
    await expect(row).toContainText('backend-svc');
    await row.click();
    const detail = page.getByRole('complementary', { name: 'Exchange detail' });
    await expect(detail).toHaveAttribute('data-state', 'ready');
    await expect(detail.getByTestId('verdict')).toContainText('200');
    await expect(detail.getByRole('region', { name: 'Request' })).toContainText(
      'grant_type=client_credentials',
    );
    await expect(detail.getByRole('button', { name: /Copy as curl/ })).toBeVisible();
    await screenshots(page, 'activity');

    await openView(page, 'Codes & tokens');
    const token = page.locator('li.artefact[data-kind="access_token"]').first();
    await expect(token).toHaveAttribute('data-state', 'active');
    await expect(token).toContainText(/expires in/);
    await token.getByRole('button', { name: 'Decode' }).click();
    await expect(token.locator('.signature')).toHaveAttribute('data-state', 'valid');
    await token.getByRole('button', { name: 'Introspect' }).click();
    await expect(token.getByTestId('introspection')).toHaveText('introspection: active true');
    await screenshots(page, 'tokens');

    await token.getByRole('button', { name: 'Revoke', exact: true }).click();
    await expect(token).toHaveAttribute('data-state', 'revoked');
    await token.getByRole('button', { name: 'Introspect' }).click();
    await expect(token.getByTestId('introspection')).toHaveText('introspection: active false');
  });

  test('filters keep only what matches, and say what to do when nothing does', async ({
    workbench: page,
  }) => {
    await tryIt(page);
    await openView(page, 'Activity');
    await expect(exchangeRows(page).first()).toBeVisible();
    await page.getByLabel('Status').selectOption('5xx');
    await expect(page.getByText('No exchange matches these filters')).toBeVisible();
    // Filters are kept across a reload, as a user expects.
    await page.reload();
    await expect(page.getByLabel('Status')).toHaveValue('5xx');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect(exchangeRows(page).first()).toBeVisible();
  });
});
