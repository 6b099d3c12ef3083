import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, openView, screenshots, test, WCAG_21_AA } from './sandbox.js';

const CALLBACK = 'http://127.0.0.1:5555/callback';

/** Serious and critical WCAG 2.1 AA findings in light and dark, one line each. */
async function seriousFindings(page: Page): Promise<string[]> {
  const found: string[] = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const result = await new AxeBuilder({ page }).withTags(WCAG_21_AA).analyze();
    for (const v of result.violations.filter((x) => x.impact === 'serious' || x.impact === 'critical')) {
      found.push(`${colorScheme} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return found;
}

test.describe('Personas and the sign-in step', () => {
  test('a persona added in the workbench signs in, is remembered, and the pickers fit the scopes', async ({
    workbench: page,
    sandbox,
  }) => {
    test.setTimeout(90_000);
    // Interactive mode, and an app that asks for a patient and an encounter.
    const config = (await (await sandbox.admin('GET', '/config')).json()) as Record<string, unknown>;
    expect(
      (await sandbox.admin('PUT', '/config', { ...config, authorize: { mode: 'interactive' } })).status,
    ).toBe(200);
    const created = await sandbox.admin('POST', '/clients', {
      clientId: 'chart-app',
      clientName: 'Growth Chart',
      redirectUris: [CALLBACK],
      tokenEndpointAuthMethod: 'none',
      scope: 'openid fhirUser profile launch/patient launch/encounter patient/*.rs',
    });
    expect(created.status).toBe(201);

    await openView(page, 'Personas');
    await expect(page.getByRole('table', { name: 'Personas' })).toContainText('Sarah Chen');
    await page.getByRole('button', { name: 'New persona' }).click();
    await page.getByLabel('Id', { exact: true }).fill('nurse-kim');
    await page.getByLabel('Display name').fill('Kim Park');
    await page.getByLabel('fhirUser').fill('Practitioner/prac-3');
    // The shipped prac-3 persona already has the sub Practitioner/prac-3: this one gets its own.
    await page.getByLabel('sub', { exact: true }).fill('user-4711');
    await page.getByLabel('Custom claims (JSON)').fill('{"department": "oncology"}');
    await page.getByRole('button', { name: 'Add persona' }).click();
    await expect(page.locator('[data-persona-id="nurse-kim"]')).toContainText('oncology');
    await screenshots(page, 'personas');

    // The app's authorization request, as its browser sends it; the callback is answered here.
    await page.route(`${CALLBACK}**`, (route) => route.fulfill({ status: 200, body: 'callback reached' }));
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: 'chart-app',
      redirect_uri: CALLBACK,
      scope: 'openid fhirUser profile launch/patient launch/encounter patient/*.rs',
      state: 'st4te',
      aud: `${sandbox.origin}/fhir`,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
    await page.goto(`${sandbox.origin}/authorize?${query.toString()}`);
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in to Growth Chart' })).toBeVisible();
    expect(await seriousFindings(page)).toEqual([]);
    await screenshots(page, 'sign-in-step');
    await page.getByLabel('Kim Park').check();
    await page.getByLabel('Remember this choice for Growth Chart').check();
    await page.getByRole('button', { name: 'Continue' }).click();

    await expect(page.getByRole('heading', { level: 1, name: 'Authorize Growth Chart' })).toBeVisible();
    await expect(page.getByText('Signed in as Kim Park')).toBeVisible();
    await expect(page.getByRole('group', { name: 'Patient' })).toBeVisible();
    await expect(page.getByRole('group', { name: 'Encounter' })).toBeVisible();
    expect(await seriousFindings(page)).toEqual([]);
    await screenshots(page, 'pickers');
    await page.getByRole('group', { name: 'Patient' }).getByLabel('James Okafor').check();
    await page
      .getByRole('group', { name: 'Encounter' })
      .getByLabel(/James Okafor/)
      .check();
    await page.getByRole('button', { name: 'Approve' }).click();
    await expect(page.getByText('callback reached')).toBeVisible();
    expect(new URL(page.url()).searchParams.get('code')).not.toBeNull();

    const log = (await (await sandbox.admin('GET', '/exchanges')).json()) as {
      exchanges: { verdict: { details?: { choices?: unknown } } }[];
    };
    const choices = log.exchanges.map((e) => e.verdict.details?.choices).filter((c) => c !== undefined);
    expect(choices.at(-1)).toEqual({
      persona: { id: 'nurse-kim', sub: 'user-4711', via: 'signed-in' },
      patient: { id: 'pat-2', via: 'picked' },
      encounter: { id: 'enc-3', via: 'picked' },
      skipped: [],
    });

    // The remembered choice shows in the workbench and can be forgotten there.
    await page.goto(sandbox.workbenchUrl);
    await openView(page, 'Personas');
    const remembered = page.getByRole('list', { name: 'Remembered sign-in choices' });
    await expect(remembered).toContainText('chart-app signs in as nurse-kim');
    await page.getByRole('button', { name: 'Forget the choice for chart-app' }).click();
    await expect(page.getByText('None. “Remember this choice”')).toBeVisible();
  });
});
