import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import {
  E2E_CONFIG,
  exchangeRows,
  expect,
  openView,
  screenshots,
  cliFixture,
  test as oneIssuer,
  tokenRequest,
  WCAG_21_AA,
  type RunningSandbox,
} from './sandbox.js';

/** The e2e config with a MediRecords issuer beside the default (README "Many issuers"). */
const WITH_MEDIRECORDS = {
  ...E2E_CONFIG,
  issuers: [{ name: 'medirecords', profile: 'medirecords', colour: '#d97706', clients: [] }],
};

const test = oneIssuer.extend<{ vendors: RunningSandbox }>({ vendors: cliFixture(WITH_MEDIRECORDS) });

/** The header's issuer switcher, found the way a screen reader user finds it: by its visible label. */
const switcher = (page: Page) => page.getByRole('combobox', { name: 'Showing issuer', exact: true });
/** Activity's issuer filter, by its visible label. */
const issuerFilter = (page: Page) => page.getByRole('combobox', { name: 'Filter by issuer', exact: true });

/** The token endpoint issuer `prefix` advertises (SMART App Launch 2.x §2.2, discovery). */
async function tokenEndpoint(origin: string, prefix: string): Promise<string> {
  const res = await fetch(`${origin}${prefix}/.well-known/smart-configuration`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { token_endpoint?: unknown };
  if (typeof body.token_endpoint !== 'string') throw new Error('discovery has no token_endpoint');
  return body.token_endpoint;
}

/** No WCAG 2.1 AA finding at all inside `selector`, in the light and in the dark theme. */
async function expectNoViolations(
  page: Page,
  selector: string,
  message: (colorScheme: 'light' | 'dark') => string,
): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const result = await new AxeBuilder({ page }).include(selector).withTags(WCAG_21_AA).analyze();
    expect(
      result.violations.map((v) => `${v.id}: ${v.help}`),
      message(colorScheme),
    ).toEqual([]);
  }
}

test('the header switcher moves every view to the chosen issuer; Activity lists both, filters one, and a reload keeps the choice', async ({
  page,
  vendors,
}) => {
  test.setTimeout(90_000);
  await page.goto(vendors.workbenchUrl);
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();

  // The switcher is a native select with a visible label; each option says the name and the profile in words,
  // so the colour swatch is never the only cue (WCAG 1.4.1).
  await expect(switcher(page)).toHaveValue('default');
  await expect(switcher(page).locator('option')).toHaveText(['default · smart', 'medirecords · medirecords']);
  await switcher(page).selectOption('medirecords');
  await expect(page.getByRole('status').filter({ hasText: 'Showing issuer medirecords' })).toBeAttached();

  // A client added through the Clients view belongs to MediRecords alone.
  await openView(page, 'Clients');
  const clients = page.getByRole('table', { name: 'Registered clients' });
  await page.getByRole('button', { name: 'New client' }).click();
  const form = page.getByRole('form', { name: 'New client' });
  await form.getByLabel('Client ID').fill('mr-app');
  await form.getByLabel('Redirect URIs').fill('http://127.0.0.1:5555/callback');
  await form.getByRole('button', { name: 'Register client' }).click();
  await expect(clients.locator('tr[data-client-id="mr-app"]')).toBeVisible();
  // MediRecords has only the client just added: the default issuer's are not shown here.
  await expect(clients.locator('tbody tr')).toHaveCount(1);
  expect((await vendors.admin('GET', '/issuers/medirecords/clients/mr-app')).status).toBe(200);
  expect((await vendors.admin('GET', '/clients/mr-app')).status).toBe(404);

  await switcher(page).selectOption('default');
  await expect(clients.locator('tr[data-client-id="backend-svc"]')).toBeVisible();
  await expect(clients.locator('tr[data-client-id="mr-app"]')).toHaveCount(0);

  // One token request at each issuer, as apps would send them.
  const rootToken = await tokenRequest(
    await tokenEndpoint(vendors.origin, ''),
    { grant_type: 'client_credentials', scope: 'system/Patient.rs' },
    'backend-svc:backend-secret-0001',
  );
  expect(rootToken.status).toBe(200);
  const mrTokenUrl = await tokenEndpoint(vendors.origin, '/i/medirecords');
  // A code MediRecords never issued: refused, and logged like any other exchange.
  const mrToken = await tokenRequest(mrTokenUrl, {
    grant_type: 'authorization_code',
    code: 'never-issued',
    redirect_uri: 'http://127.0.0.1:5555/callback',
    client_id: 'mr-app',
  });
  expect(mrToken.status).toBeGreaterThanOrEqual(400);
  const mrPath = new URL(mrTokenUrl).pathname;

  // Activity merges both issuers' logs, each row naming its issuer in the Issuer column.
  await openView(page, 'Activity');
  const rootRow = exchangeRows(page).filter({ hasText: 'backend-svc' }).filter({ hasText: '/token' });
  const mrRow = exchangeRows(page).filter({ hasText: mrPath });
  await expect(rootRow).toHaveCount(1);
  await expect(mrRow).toHaveCount(1);
  await expect(rootRow.locator('.issuer-cell')).toHaveText('default');
  await expect(mrRow.locator('.issuer-cell')).toHaveText('medirecords');
  await expect(page.locator('.exchange-header')).toContainText('Issuer');

  await issuerFilter(page).selectOption('medirecords');
  await expect(mrRow).toHaveCount(1);
  await expect(rootRow).toHaveCount(0);
  await screenshots(page, 'workbench-issuers-activity');

  // The issuer shown lasts for the tab: after a reload the header still shows MediRecords, its clients alone.
  await switcher(page).selectOption('medirecords');
  await page.reload();
  await expect(switcher(page)).toHaveValue('medirecords');
  await expect(issuerFilter(page)).toHaveValue('medirecords');
  await openView(page, 'Clients');
  await expect(page.locator('tr[data-client-id="mr-app"]')).toBeVisible();
  await expect(page.locator('tr[data-client-id="backend-svc"]')).toHaveCount(0);
});

test('the issuer switcher passes WCAG 2.1 AA in both themes, and the issuer reads at the projector size, presenting too', async ({
  page,
  vendors,
}) => {
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.goto(vendors.workbenchUrl);
  await expect(switcher(page)).toBeVisible();
  await expectNoViolations(page, '.view-header', (colorScheme) => colorScheme);
  // At least the size of the view title's neighbours: 16px, legible on a projector from the room.
  const size = await switcher(page).evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  expect(size).toBeGreaterThanOrEqual(16);

  // Presentation mode covers the header: the room still reads the issuer of the walk, in words, in large type.
  await switcher(page).selectOption('medirecords');
  await openView(page, 'Flow Lab');
  await page.getByRole('button', { name: 'Presentation mode' }).click();
  const presented = page.locator('.flow-lab.presenting').getByTestId('presented-issuer');
  await expect(presented).toHaveText('Issuer medirecords · medirecords');
  // …and the walk does run there: its first request registers the Flow Lab client with MediRecords.
  await expect(page.locator('.flow-lab.presenting')).toContainText(
    '/_sandbox/api/issuers/medirecords/clients/',
  );
  const presentedSize = await presented.evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  expect(presentedSize).toBeGreaterThanOrEqual(20);
  await expectNoViolations(page, '.flow-lab.presenting', (colorScheme) => `presentation in ${colorScheme}`);
  await screenshots(page, 'workbench-issuers-presentation');
});

test('with one issuer (the default config) the header shows no switcher and Activity no Issuer column', async ({
  workbench: page,
}) => {
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
  await expect(switcher(page)).toHaveCount(0);
  await openView(page, 'Activity');
  await expect(issuerFilter(page)).toHaveCount(0);
  await expect(page.locator('.exchange-header')).not.toContainText('Issuer');
});
