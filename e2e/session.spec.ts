import { expect, openView, test } from './sandbox.js';

test.describe('the admin token in the workbench', () => {
  test('a navigation to /?token=junk does not sign the workbench out', async ({
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

  test('a restarted server’s new token from the URL replaces the tab’s stale one', async ({
    workbench: page,
    sandbox,
  }) => {
    // The tab still holds the token of an earlier server start.
    await page.evaluate(() =>
      sessionStorage.setItem('token-sandbox.admin-token', 'stale-token-of-last-start'),
    );
    await page.goto(sandbox.workbenchUrl);
    await expect(page).toHaveURL(`${sandbox.origin}/`);
    await openView(page, 'Clients');
    await expect(page.getByText('backend-svc').first()).toBeVisible();
    const kept = await page.evaluate(() => sessionStorage.getItem('token-sandbox.admin-token'));
    expect(kept).toBe(sandbox.token);
  });
});
