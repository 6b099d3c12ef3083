import type { Page } from '@playwright/test';
import { expect, openView, screenshots, test, type RunningSandbox } from './sandbox.js';
import { startSmartApp, type SmartApp } from './smart-app.js';

/** Registers the fhirclient app as a public SMART client whose launch URL is the app's launch.html. */
async function registerApp(sandbox: RunningSandbox, app: SmartApp, clientId: string): Promise<void> {
  const res = await sandbox.admin('POST', '/clients', {
    clientId,
    clientName: 'fhirclient test app',
    redirectUris: [`${app.origin}/index.html`],
    launchUrl: `${app.origin}/launch.html?client=${clientId}`,
    grantTypes: ['authorization_code'],
    scope: 'openid fhirUser profile launch launch/patient patient/*.rs',
    tokenEndpointAuthMethod: 'none',
  });
  expect(res.status, await res.text()).toBe(201);
}

/**
 * Picks the client, the patient and (when given, by its label) the user in the Launch view, clicks `button`, and
 * returns the tab it opened.
 */
async function launch(page: Page, clientId: string, button: string, user?: string): Promise<Page> {
  await openView(page, 'Launch');
  await page.getByLabel('Client').selectOption(clientId);
  await page.getByLabel('Patient').selectOption('pat-2');
  if (user !== undefined) await page.getByLabel('User', { exact: true }).selectOption({ label: user });
  const popup = page.waitForEvent('popup');
  await page.getByRole('form', { name: 'Start an EHR launch' }).getByRole('button', { name: button }).click();
  const tab = await popup;
  await tab.waitForLoadState();
  return tab;
}

test.describe('the EHR frame (README "EHR page")', () => {
  let app: SmartApp;
  test.beforeEach(async () => {
    app = await startSmartApp();
  });
  test.afterEach(async () => {
    await app.close();
  });

  test('a fhirclient app launched in the EHR frame as a persona reads the launched patient, gets the persona in its id_token, and is told the EHR shows the banner', async ({
    workbench: page,
    sandbox,
  }) => {
    await registerApp(sandbox, app, 'fhirclient-app');
    // The shipped persona of Practitioner/prac-2, renamed and given a custom claim (README "Personas").
    const persona = await sandbox.admin('PUT', '/personas/prac-2', {
      id: 'prac-2',
      fhirUser: 'Practitioner/prac-2',
      name: 'Dr. Ada Quist',
      claims: { department: 'cardiology' },
    });
    expect(persona.status, await persona.text()).toBe(200);
    const ehr = await launch(page, 'fhirclient-app', 'Open in EHR', 'Dr. Ada Quist — Practitioner/prac-2');
    expect(ehr.url()).toContain(`${sandbox.origin}/_sandbox/ehr/`);
    await expect(ehr.getByTestId('banner-name')).toContainText('Okafor');
    await expect(ehr.getByTestId('banner-user')).toHaveText('Dr. Ada Quist (Practitioner/prac-2)');
    const frame = ehr.frameLocator('iframe');
    await expect(frame.locator('#patient-name')).toContainText('Okafor');
    await expect(frame.locator('#need-patient-banner')).toHaveText('need_patient_banner: false');
    await expect(frame.locator('#id-token-fhir-user')).toHaveText(
      `${sandbox.origin}/fhir/Practitioner/prac-2`,
    );
    await expect(frame.locator('#id-token-name')).toHaveText('Dr. Ada Quist');
    await expect(frame.locator('#id-token-department')).toHaveText('cardiology');
    await expect(page.locator('[data-mode="ehr"]')).toContainText('allows the EHR page to frame it');
    await screenshots(ehr, 'ehr-frame');

    // Relaunch: a fresh launch with the same context, and the app authorizes again.
    const firstSrc = await ehr.locator('iframe').getAttribute('src');
    await ehr.getByRole('button', { name: 'Relaunch' }).click();
    await expect(ehr.locator('iframe')).not.toHaveAttribute('src', firstSrc ?? '');
    await expect(ehr.frameLocator('iframe').locator('#need-patient-banner')).toHaveText(
      'need_patient_banner: false',
    );
  });

  test('the same app opened in a new window is told to show the banner itself', async ({
    workbench: page,
    sandbox,
  }) => {
    await registerApp(sandbox, app, 'fhirclient-app');
    const tab = await launch(page, 'fhirclient-app', 'Open in a new window');
    expect(tab.url().startsWith(app.origin)).toBe(true);
    await expect(tab.locator('#patient-name')).toContainText('Okafor');
    await expect(tab.locator('#need-patient-banner')).toHaveText('need_patient_banner: true');
  });

  test('an app that refuses to be framed is shown as such, with what to change', async ({
    workbench: page,
    sandbox,
  }) => {
    const denying = await startSmartApp({ 'X-Frame-Options': 'DENY' });
    try {
      await registerApp(sandbox, denying, 'denying-app');
      const ehr = await launch(page, 'denying-app', 'Open in EHR');
      const refusal = ehr.getByRole('alert');
      await expect(refusal).toContainText('The app refuses to be framed');
      await expect(refusal).toContainText(`frame-ancestors ${sandbox.origin}`);
      await expect(page.locator('[data-framing="refused"]')).toContainText('X-Frame-Options: DENY');
      await screenshots(ehr, 'ehr-frame-refused');
    } finally {
      await denying.close();
    }
  });
});
