import { expect, screenshots, test } from './sandbox.js';

test.describe('Overview / first run', () => {
  test('signs in from the start-up URL, drops the token from the address bar, and lists every endpoint', async ({
    workbench: page,
    sandbox,
  }) => {
    await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
    expect(page.url()).toBe(`${sandbox.origin}/`);
    const endpoints = page.getByRole('region', { name: 'Endpoints' });
    await expect(endpoints.getByText(`${sandbox.origin}/.well-known/smart-configuration`)).toBeVisible();
    await expect(endpoints.getByText(`${sandbox.origin}/token`, { exact: true })).toBeVisible();
    await expect(page.getByRole('button', { name: '2 Clients' })).toBeVisible();
    // A reload keeps the session (sessionStorage), without the token coming back into the URL.
    await page.reload();
    await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
    expect(page.url()).toBe(`${sandbox.origin}/`);
  });

  test('“Try it” runs a real token request and shows the token and its claims', async ({
    workbench: page,
  }) => {
    await page.getByRole('button', { name: 'Try it' }).click();
    const result = page.getByTestId('try-it-result');
    await expect(result).toHaveAttribute('data-status', '200');
    await expect(result).toContainText('backend-svc got an access token');
    await expect(result).toContainText('"token_type": "Bearer"');
    await expect(result).toContainText('"client_id": "backend-svc"');
    await screenshots(page, 'overview');
  });

  test('without a token the page asks for one and explains where it is', async ({ page, sandbox }) => {
    await page.goto(`${sandbox.origin}/`);
    await expect(page.getByRole('heading', { name: 'Token Sandbox' })).toBeVisible();
    await page.getByRole('button', { name: 'Open the workbench' }).click();
    await expect(page.getByText(/paste the admin token/)).toBeVisible();
    await page.getByLabel('Admin token').fill(sandbox.token);
    await page.getByRole('button', { name: 'Open the workbench' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
    await screenshots(page, 'sign-in-done');
  });

  test('a wrong token is refused in words, not with a blank page', async ({ page, sandbox }) => {
    await page.goto(`${sandbox.origin}/?token=not-the-token`);
    await expect(page.getByRole('alert').first()).toContainText(
      /admin API needs Authorization|did not accept/,
    );
  });
});
