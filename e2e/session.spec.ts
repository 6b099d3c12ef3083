import { expect, openView, test } from './sandbox.js';

test.describe('the admin token in the workbench', () => {
  test('a navigation to /?token=junk does not sign the workbench out (hardening 11)', async ({
    workbench: page,
    sandbox,
  }) => {
    await openView(page, 'Clients');
    // What a foreign page can do: send this tab to the workbench with a token of its choosing.
    await page.goto(`${sandbox.origin}/?token=junk-from-another-page`);
    await expect(page).toHaveURL(`${sandbox.origin}/`);
    await expect(page.getByRole('navigation', { name: 'Views' })).toBeVisible();
    await openView(page, 'Clients');
    await expect(page.getByText('backend-svc').first()).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Token Sandbox', level: 1 })).toHaveCount(0);
    const kept = await page.evaluate(() => sessionStorage.getItem('token-sandbox.admin-token'));
    expect(kept).toBe(sandbox.token);
  });
});
