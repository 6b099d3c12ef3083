import { exchangeRows, expect, openView, screenshots, test, tryIt } from './sandbox.js';

test.describe('Failure modes', () => {
  test('arming a failure in one click makes the next request fail, marked as injected', async ({
    workbench: page,
    sandbox,
  }) => {
    await openView(page, 'Failure modes');
    const item = page.locator('li[data-failure-id="token.server_error"]');
    await expect(item).toHaveAttribute('data-state', 'disarmed');
    await item.getByRole('button', { name: 'Arm token.server_error' }).click();
    await expect(item).toHaveAttribute('data-state', 'armed');
    await expect(item).toContainText('1 left');
    await screenshots(page, 'failures');

    await openView(page, 'Overview');
    await tryIt(page, '500');
    await expect(page.getByTestId('try-it-result')).toContainText('server_error');

    // Used up: the board shows it disarmed again, without a reload.
    await openView(page, 'Failure modes');
    await expect(item).toHaveAttribute('data-state', 'disarmed');

    await openView(page, 'Activity');
    await page.getByLabel('Failure injected').selectOption('injected');
    const row = exchangeRows(page).first();
    await expect(row).toContainText('injected');
    await row.click();
    await expect(page.getByTestId('verdict')).toContainText('token.server_error');

    const armed = (await (await sandbox.admin('GET', '/failures')).json()) as { armed: unknown[] };
    expect(armed.armed).toEqual([]);
  });

  test('an option the server refuses is explained next to the failure', async ({ workbench: page }) => {
    await openView(page, 'Failure modes');
    const item = page.locator('li[data-failure-id="token.slow"]');
    await item.getByText('Options').click();
    await item.getByLabel('Delay (ms)').fill('9999999');
    await item.getByRole('button', { name: 'Arm token.slow' }).click();
    await expect(item.getByRole('alert')).toContainText('delay');
    await expect(item).toHaveAttribute('data-state', 'disarmed');
  });
});
