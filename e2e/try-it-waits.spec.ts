import { expect, test } from './sandbox.js';

test('“Try it” waits for the client list, and uses the registered backend client rather than a new sample', async ({
  page,
  sandbox,
}) => {
  // A slow answer to the client list (a busy machine): clicked before it arrives, Try it used to register
  // sample-app beside backend-svc.
  await page.route('**/_sandbox/api/clients', async (route) => {
    if (route.request().method() === 'GET') await new Promise((resolve) => setTimeout(resolve, 1500));
    await route.continue();
  });
  await page.goto(sandbox.workbenchUrl);
  const tryIt = page.getByRole('button', { name: 'Try it' });
  await expect(tryIt).toBeVisible();
  await tryIt.click();
  const result = page.getByTestId('try-it-result');
  await expect(result).toHaveAttribute('data-status', '200');
  await expect(result).toContainText('backend-svc got an access token');
  await page.unrouteAll({ behavior: 'ignoreErrors' });
});
