import path from 'node:path';
import type { Page } from '@playwright/test';
import { cliFixture, expect, openView, test as oneIssuer, type RunningSandbox } from './sandbox.js';

/** A sandbox serving MediRecords and iEHR beside the default issuer (README "Many issuers"). */
const TWO_VENDORS = {
  issuers: [
    { name: 'medirecords', profile: 'medirecords' },
    { name: 'iehr', profile: 'iehr' },
  ],
};

const test = oneIssuer.extend<{ vendors: RunningSandbox }>({ vendors: cliFixture(TWO_VENDORS) });

const SCREENSHOT = path.resolve(import.meta.dirname, '..', 'docs', 'images', 'flow-lab-two-issuers.png');

/** Sends the step on screen to both issuers, then moves on, `count` times. */
async function walkBoth(page: Page, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    if (i > 0) await page.getByRole('button', { name: 'Next step' }).click();
    await expect(page.locator('.lab-step-count')).toContainText(`Step ${i + 1} of`);
    await page.getByRole('button', { name: /^(Send to both|Run on both)$/ }).click();
    await expect(page.locator('.lab-step')).toHaveAttribute('data-sent', 'true');
  }
}

const diffRow = (page: Page, section: string, name: string) =>
  page.locator(`.compare-table tbody[data-section="${section}"] tr[data-name="${name}"]`);

test.use({ viewport: { width: 1440, height: 1500 } });

test('Flow Lab compares the same code + PKCE flow against MediRecords and iEHR, differences marked', async ({
  page,
  vendors,
}) => {
  await page.goto(vendors.workbenchUrl);
  await openView(page, 'Flow Lab');
  await page.getByRole('button', { name: 'Compare issuers' }).click();
  await page.getByLabel('Left issuer').selectOption('medirecords');
  await page.getByLabel('Right issuer').selectOption('iehr');
  await page.getByLabel('Compared flow').selectOption({ label: 'Authorization code + PKCE (public app)' });

  // Register, discover, PKCE, authorize, exchange: each sent to both issuers at once.
  await walkBoth(page, 5);
  await expect(page.getByRole('heading', { name: 'Exchange the code' })).toBeVisible();

  // The token endpoints: each vendor's own path under its own issuer.
  const url = diffRow(page, 'endpoint', 'url');
  await expect(url).toHaveAttribute('data-kind', 'differs');
  await expect(url).toContainText('/i/medirecords/oauth/smartauth/token');
  await expect(url).toContainText('/i/iehr/oauth2/token');
  await expect(url).toContainText('≠ differs');
  // Both accepted the exchange, with the same status.
  await expect(diffRow(page, 'status', 'status')).toHaveAttribute('data-kind', 'same');
  await expect(diffRow(page, 'outcome', 'outcome')).toContainText('accepted');
  // MediRecords answers with the SMART launch context and scope; iEHR's samples carry neither.
  for (const field of ['patient', 'scope']) {
    await expect(diffRow(page, 'field', field)).toHaveAttribute('data-kind', 'only-left');
    await expect(diffRow(page, 'field', field)).toContainText('◀ only medirecords');
  }
  // iEHR issues a refresh token for offline_access; this MediRecords token endpoint serves authorization_code alone.
  await expect(diffRow(page, 'field', 'refresh_token')).toHaveAttribute('data-kind', 'only-right');
  await expect(diffRow(page, 'field', 'refresh_token')).toContainText('▶ only iehr');
  // The access token is a per-walk value: present on both sides, never called a difference.
  await expect(diffRow(page, 'field', 'access_token')).toHaveAttribute('data-kind', 'same');

  // Discovery (step 2) already told the trainer where each vendor keeps its endpoints.
  await page.getByRole('button', { name: /^2\. Discover the endpoints/ }).click();
  await expect(diffRow(page, 'field', 'token_endpoint')).toHaveAttribute('data-kind', 'differs');
  await page.getByRole('button', { name: /^5\. Exchange the code/ }).click();
  await expect(diffRow(page, 'field', 'patient')).toBeVisible();

  await page.locator('.flow-lab').evaluate((el) => el.scrollTo(0, 0));
  await page.screenshot({ path: SCREENSHOT });
});

oneIssuer(
  'with one issuer the Flow Lab is the single walk, with nothing to compare',
  async ({ workbench: page }) => {
    await openView(page, 'Flow Lab');
    await expect(page.locator('.lab-step-count')).toContainText('Step 1 of 6');
    await expect(page.getByRole('button', { name: 'Presentation mode' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Compare issuers' })).toHaveCount(0);
  },
);
