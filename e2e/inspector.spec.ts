import { readFile } from 'node:fs/promises';
import { expect, openView, screenshots, test, tryIt } from './sandbox.js';

test.describe('Token inspector and HAR export', () => {
  test('inspects a listed token and a pasted one, with the server’s verdict, light and dark', async ({
    workbench: page,
  }) => {
    await tryIt(page);

    // From Codes & tokens: a deliberate Show reveals the whole token; Inspect opens it in the inspector.
    await openView(page, 'Codes & tokens');
    const row = page.locator('.artefact[data-kind="access_token"]').first();
    await row.getByRole('button', { name: /^Show the whole access token/ }).click();
    await expect(row.locator('.artefact-value code')).toHaveText(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    await row.getByRole('button', { name: /^Inspect access token/ }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Token inspector' })).toBeVisible();
    const verdict = page.getByTestId('inspector-verdict');
    await expect(verdict).toHaveAttribute('data-state', 'active');
    await expect(verdict).toContainText('Signature: valid');
    await expect(page.getByRole('table', { name: 'Claims' }).locator('tr[data-name="exp"]')).toContainText(
      'RFC 7519 §4.1.4',
    );
    await expect(page.getByRole('definition').first()).toContainText(/ago|in \d|now/);
    await screenshots(page, 'inspector-active');

    // The exchange that issued it, found by the server's digest index, opens in Activity.
    const appeared = page.getByRole('navigation', { name: 'Exchanges this token appeared in' });
    const link = appeared.getByRole('button', { name: /^Open exchange \d+ in Activity$/ }).first();
    const seq = (await link.getAttribute('aria-label'))?.match(/\d+/)?.[0] ?? '';
    await link.click();
    const detail = page.getByRole('complementary', { name: 'Exchange detail' });
    await expect(detail).toHaveAttribute('data-state', 'ready');
    await expect(detail).toContainText('/token');
    await expect(page.locator(`.exchange-row[data-seq="${seq}"]`)).toBeVisible();
    await openView(page, 'Token inspector');

    // Pasted: a value this server never issued.
    await page.getByLabel('Token', { exact: true }).fill('c29tZS1vdGhlci1zZXJ2ZXJzLXRva2Vu');
    await page.getByRole('button', { name: 'Inspect', exact: true }).click();
    await expect(verdict).toHaveAttribute('data-state', 'not_issued_here');
    await expect(page.getByRole('heading', { name: 'What it cannot' })).toBeVisible();
    await screenshots(page, 'inspector-not-issued-here');

    // Not a token at all: the server's words.
    await page.getByLabel('Token', { exact: true }).fill('hello world');
    await page.getByRole('button', { name: 'Inspect', exact: true }).click();
    await expect(page.getByText(/not a token: " " cannot appear in one/)).toBeVisible();
  });

  test('exports HAR from Activity: everything, and the rows picked', async ({ workbench: page }) => {
    await tryIt(page);
    await openView(page, 'Activity');
    await expect(page.locator('.exchange-row').first()).toBeVisible();

    const exportGroup = page.getByRole('group', { name: 'Export HAR' });
    const allDownload = page.waitForEvent('download');
    await exportGroup.getByRole('button', { name: 'All' }).click();
    const all = await allDownload;
    expect(all.suggestedFilename()).toMatch(/^token-sandbox-\d{8}T\d{6}Z\.har$/);
    const allHar = JSON.parse(await readFile(await all.path(), 'utf8')) as {
      log: { version: string; entries: { _seq: number; request: { url: string } }[] };
    };
    expect(allHar.log.version).toBe('1.2');
    expect(allHar.log.entries.length).toBeGreaterThan(0);

    const first = page.locator('.exchange-row').first();
    const seq = Number(await first.getAttribute('data-seq'));
    await first.click();
    await page
      .getByRole('complementary', { name: 'Exchange detail' })
      .getByRole('checkbox', { name: 'Pick for HAR export' })
      .check();
    await expect(first).toContainText('✓');
    const pickedDownload = page.waitForEvent('download');
    await exportGroup.getByRole('button', { name: 'Selected (1)' }).click();
    const picked = JSON.parse(await readFile(await (await pickedDownload).path(), 'utf8')) as {
      log: { entries: { _seq: number }[] };
    };
    expect(picked.log.entries.map((e) => e._seq)).toEqual([seq]);
  });
});
