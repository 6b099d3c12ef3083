import type { BrowserContext, Frame, Page } from '@playwright/test';
import { expect, startCli, test, type RunningSandbox } from './sandbox.js';
import { startSmartApp, type SmartApp } from './smart-app.js';

// Issue 20 (README "Many issuers"): one app, written with fhirclient, launched against two issuers of one
// sandbox in one browser. fhirclient keeps its state in the app origin's sessionStorage; each launch must
// reach its own issuer's token endpoint and FHIR base, and neither session may take the other's token.

function appClient(app: SmartApp) {
  return {
    clientId: 'fhirclient-app',
    clientName: 'fhirclient test app',
    redirectUris: [`${app.origin}/index.html`],
    launchUrl: `${app.origin}/launch.html?client=fhirclient-app`,
    grantTypes: ['authorization_code'],
    scope: 'openid fhirUser profile launch launch/patient patient/*.rs',
    tokenEndpointAuthMethod: 'none',
  };
}

/** Mints an EHR launch at the issuer whose admin prefix is `prefix` and opens its EHR page in a new tab. */
async function openEhrPage(
  context: BrowserContext,
  sandbox: RunningSandbox,
  prefix: string,
  patient: string,
): Promise<Page> {
  const res = await sandbox.admin('POST', `${prefix}/launches/ehr`, { clientId: 'fhirclient-app', patient });
  const body = await res.text();
  expect(res.status, body).toBe(201);
  const { page } = JSON.parse(body) as { page: string };
  const tab = await context.newPage();
  await tab.goto(page);
  return tab;
}

/** The app's frame inside an EHR page. */
function appFrame(tab: Page, app: SmartApp): Frame {
  const frame = tab.frames().find((f) => f.url().startsWith(app.origin));
  if (frame === undefined) throw new Error(`no frame of ${app.origin} in ${tab.url()}`);
  return frame;
}

/** Every fhirclient state in this tab's sessionStorage: the FHIR base and token endpoint each is bound to. */
async function storedSessions(frame: Frame): Promise<{ serverUrl: string; tokenUri: string }[]> {
  return frame.evaluate(() =>
    Object.keys(sessionStorage)
      .map((k) => sessionStorage.getItem(k) ?? '')
      .filter((v) => v.startsWith('{'))
      .map((v) => JSON.parse(v) as { serverUrl?: string; tokenUri?: string })
      .filter((s) => s.serverUrl !== undefined)
      .map((s) => ({ serverUrl: s.serverUrl ?? '', tokenUri: s.tokenUri ?? '' })),
  );
}

test('the fhirclient app launched against a SMART and a MediRecords issuer in one browser keeps each session with its own issuer', async ({
  context,
}) => {
  const app = await startSmartApp();
  const client = appClient(app);
  const { sandbox, stop } = await startCli({
    clients: [client],
    issuers: [{ name: 'medirecords', profile: 'medirecords', clients: [client] }],
  });
  try {
    const smart = { iss: sandbox.origin, token: `${sandbox.origin}/token`, patient: 'Okafor' };
    const mrIss = `${sandbox.origin}/i/medirecords`;
    const mr = { iss: mrIss, token: `${mrIss}/oauth/smartauth/token`, patient: 'Alvarez' };

    // Both launches in flight at once, in two tabs of one browser context (one cookie jar, one app origin).
    const [smartTab, mrTab] = await Promise.all([
      openEhrPage(context, sandbox, '', 'pat-2'),
      openEhrPage(context, sandbox, '/issuers/medirecords', 'pat-1'),
    ]);
    expect(mrTab.url()).toContain(`${mrIss}/_sandbox/ehr/`);

    for (const [tab, want] of [
      [smartTab, smart],
      [mrTab, mr],
    ] as const) {
      const frame = tab.frameLocator('iframe');
      await expect(frame.locator('#patient-name')).toContainText(want.patient);
      await expect(frame.locator('#id-token-iss')).toHaveText(want.iss);
      await expect(frame.locator('#server-url')).toHaveText(`${want.iss}/fhir`);
      await expect(frame.locator('#token-uri')).toHaveText(want.token);
      expect(await storedSessions(appFrame(tab, app))).toEqual([
        { serverUrl: `${want.iss}/fhir`, tokenUri: want.token },
      ]);
    }

    // Each issuer's log holds its own code exchange and FHIR read, and nothing refused: no token crossed.
    const log = async (prefix: string) => {
      const res = await sandbox.admin('GET', `${prefix}/exchanges?clientId=fhirclient-app`);
      return ((await res.json()) as { exchanges: { path: string; status: number }[] }).exchanges;
    };
    const smartLog = await log('');
    const mrLog = await log('/issuers/medirecords');
    expect(smartLog).toContainEqual(expect.objectContaining({ path: '/token', status: 200 }));
    expect(mrLog).toContainEqual(
      expect.objectContaining({ path: '/i/medirecords/oauth/smartauth/token', status: 200 }),
    );
    expect(mrLog).toContainEqual(
      expect.objectContaining({ path: '/i/medirecords/fhir/Patient/pat-1', status: 200 }),
    );
    expect(smartLog.filter((e) => e.path.startsWith('/i/'))).toEqual([]);
    expect([...smartLog, ...mrLog].filter((e) => e.status >= 400)).toEqual([]);

    // The app reloaded in each tab picks its stored session again: its own token still reads its own patient.
    for (const [tab, want] of [
      [smartTab, smart],
      [mrTab, mr],
    ] as const) {
      const frame = appFrame(tab, app);
      await frame.goto(`${app.origin}/index.html`);
      await expect(frame.locator('body[data-ready="true"]')).toBeAttached();
      await expect(frame.locator('#patient-name')).toContainText(want.patient);
      await expect(frame.locator('#token-uri')).toHaveText(want.token);
    }

    // One tab, the two issuers in turn: fhirclient drops the tab's previous state when a launch starts, so the
    // MediRecords session replaces the SMART one whole, and the app talks to MediRecords alone.
    const res = await sandbox.admin('POST', '/issuers/medirecords/launches/ehr', {
      clientId: 'fhirclient-app',
      patient: 'pat-1',
    });
    await smartTab.goto(((await res.json()) as { page: string }).page);
    const again = smartTab.frameLocator('iframe');
    await expect(again.locator('#patient-name')).toContainText(mr.patient);
    await expect(again.locator('#id-token-iss')).toHaveText(mr.iss);
    await expect(again.locator('#token-uri')).toHaveText(mr.token);
    expect(await storedSessions(appFrame(smartTab, app))).toEqual([
      { serverUrl: `${mr.iss}/fhir`, tokenUri: mr.token },
    ]);
  } finally {
    await stop();
    await app.close();
  }
});
