import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Locator, Page } from '@playwright/test';
import { exchangeRows, expect, openView, screenshots, test } from './sandbox.js';

type Outcome = 'accepted' | 'rejected' | 'local';

const stepCard = (page: Page) => page.locator('.lab-step');

/** Scrolls the view so a panel sits mid-screen for its screenshot (the view scrolls, not the page). */
async function centre(locator: Locator): Promise<void> {
  await locator.evaluate((el) => el.scrollIntoView({ block: 'center' }));
}

/** Chooses a flow in the picker and waits for its first step. */
async function chooseFlow(page: Page, title: string): Promise<void> {
  await page.getByLabel('Flow', { exact: true }).selectOption({ label: title });
  await expect(page.locator('.lab-step-count')).toContainText(`Step 1 of`);
  await expect(page.locator('.lab-step-count')).toContainText(title);
}

/** Sends (or runs) the step on screen and returns the verdict it shows. */
async function sendStep(page: Page): Promise<Outcome> {
  await page.getByRole('button', { name: /^(Send request|Run this step)$/ }).click();
  await expect(stepCard(page)).toHaveAttribute('data-sent', 'true');
  const verdict = page.locator('.lab-verdict');
  if ((await verdict.count()) === 0) return 'local';
  return (await verdict.getAttribute('data-outcome')) as Outcome;
}

async function nextStep(page: Page, index: number): Promise<void> {
  await page.getByRole('button', { name: 'Next step' }).click();
  await expect(page.locator('.lab-step-count')).toContainText(`Step ${index + 1} of`);
  await expect(stepCard(page)).toHaveAttribute('data-sent', 'false');
}

/** Walks the first `count` steps, each sent as built; returns their verdicts in order, comma-separated. */
async function walk(page: Page, count: number): Promise<string> {
  const outcomes: Outcome[] = [];
  for (let i = 0; i < count; i += 1) {
    if (i > 0) await nextStep(page, i);
    outcomes.push(await sendStep(page));
  }
  return outcomes.join(', ');
}

/**
 * The exchanges Activity lists, as "METHOD /path STATUS", oldest first; without the workbench's own read of
 * the server's discovery document at start-up, which is not part of any walk.
 */
async function activityRows(page: Page): Promise<string[]> {
  await openView(page, 'Activity');
  const rows = exchangeRows(page);
  await expect(rows.first()).toBeVisible();
  const texts = await rows.evaluateAll((els) =>
    els.map((el) => {
      const cells = Array.from(el.children, (c: Element) => c.textContent.trim());
      const [, what, status] = cells;
      return `${what ?? ''} ${status ?? ''}`;
    }),
  );
  return texts.filter((t) => !t.startsWith('GET /.well-known/'));
}

test.describe('Flow Lab', () => {
  test.beforeEach(async ({ workbench: page }) => {
    await openView(page, 'Flow Lab');
  });

  test('walks the public PKCE flow, shows the server’s PKCE match, and Activity lists the same exchanges', async ({
    workbench: page,
  }) => {
    await expect(page.locator('.lab-step-count')).toContainText('Step 1 of 6');
    // The register request is built and shown before anything is sent.
    await expect(page.getByRole('region', { name: 'Request (about to be sent)' })).toContainText(
      '/_sandbox/api/clients/flow-lab-public',
    );
    expect(await walk(page, 6)).toBe('accepted, accepted, local, accepted, accepted, accepted');

    // The token step: the server's own comparison, green.
    await page.getByRole('button', { name: /^5\. Exchange the code/ }).click();
    const compare = page.getByRole('group', { name: "The server's PKCE check" });
    await expect(compare).toHaveAttribute('data-state', 'match');
    const stored = await compare.getByTestId('pkce-stored').textContent();
    await expect(compare.getByTestId('pkce-computed')).toHaveText(stored ?? '');
    await expect(page.locator('.pkce-steps')).toContainText(stored ?? 'none');
    await expect(page.getByText('You are looking back at step 5.')).toBeVisible();
    // Query and form parameters are broken out, each annotated with its rule.
    await expect(page.locator('.lab-table tr[data-name="code_verifier"]').first()).toContainText(
      'RFC 7636 §4.5–4.6',
    );
    await centre(compare);
    await screenshots(page, 'flow-lab-pkce-match');

    expect(await activityRows(page)).toEqual([
      'GET /fhir/.well-known/smart-configuration 200',
      'GET /authorize 302',
      'POST /token 200',
      'GET /fhir/Patient/pat-1 200',
    ]);
  });

  test('a tampered verifier is refused with the stored and computed challenges side by side; so is another redirect_uri', async ({
    workbench: page,
  }) => {
    await chooseFlow(page, 'Authorization code + PKCE (confidential app)');
    expect(await walk(page, 4)).toBe('accepted, accepted, local, accepted');
    await nextStep(page, 4);
    await page.getByLabel('code_verifier', { exact: true }).fill('x'.repeat(43));
    await expect(page.getByRole('region', { name: 'Request (about to be sent)' })).toContainText(
      'x'.repeat(43),
    );
    expect(await sendStep(page)).toBe('rejected');
    await expect(page.locator('.lab-verdict')).toContainText(
      'The server’s verdict: rejected with invalid_grant',
    );
    await expect(page.locator('.lab-verdict')).toContainText('PKCE verification failed');
    await expect(page.locator('.lab-verdict')).toContainText('RFC 7636 §4.6');
    const compare = page.getByRole('group', { name: "The server's PKCE check" });
    await expect(compare).toHaveAttribute('data-state', 'mismatch');
    const stored = (await compare.getByTestId('pkce-stored').textContent()) ?? '';
    const computed = (await compare.getByTestId('pkce-computed').textContent()) ?? '';
    expect(stored).not.toBe(computed);
    await expect(page.locator('.pkce-steps')).toContainText(stored);
    await expect(page.locator('[data-outcome="rejected"].lab-step-link')).toContainText('Exchange the code');
    await centre(compare);
    await screenshots(page, 'flow-lab-pkce-mismatch');

    // A fresh walk, then a redirect_uri other than the one the code was issued for.
    await chooseFlow(page, 'Authorization code + PKCE (confidential app)');
    await walk(page, 4);
    await nextStep(page, 4);
    await page.getByLabel('redirect_uri', { exact: true }).fill('https://elsewhere.example/callback');
    expect(await sendStep(page)).toBe('rejected');
    await expect(page.locator('.lab-verdict')).toContainText('rejected with invalid_grant');
    await expect(page.locator('.lab-verdict')).toContainText(
      'redirect_uri does not match the one the code was issued for',
    );
    await expect(page.locator('.lab-verdict')).toContainText('RFC 6749 §4.1.3');
    await expect(page.locator('.lab-edited')).toContainText(
      'redirect_uri=https://elsewhere.example/callback',
    );

    const rows = await activityRows(page);
    expect(rows.filter((r) => r.startsWith('POST /token'))).toEqual(['POST /token 400', 'POST /token 400']);
  });

  test('refresh rotation: RT1 → RT2 → RT3, then RT1 reused and the family revoked', async ({
    workbench: page,
  }) => {
    await chooseFlow(page, 'Refresh with rotation');
    expect(await walk(page, 9)).toBe(
      'accepted, accepted, local, accepted, accepted, accepted, accepted, rejected, rejected',
    );
    const family = page.getByRole('region', { name: 'Refresh token family', exact: true });
    await expect(family).toHaveAttribute('data-state', 'revoked');
    await expect(family.locator('.family-token')).toHaveText([
      /RT1.*revoked/,
      /RT2.*revoked/,
      /RT3.*revoked/,
    ]);
    await expect(family.locator('.family-events li')).toHaveText([
      /^code → RT1: accepted/,
      /^RT1 → RT2: accepted/,
      /^RT2 → RT3: accepted/,
      /^RT1 reused: rejected — invalid_grant: .*revoked the whole grant/,
      /^RT3 refused: rejected/,
    ]);
    await expect(family.getByRole('alert')).toContainText('Family revoked');

    await page.getByRole('button', { name: 'Back' }).click();
    await page.getByRole('button', { name: 'Back' }).click();
    await expect(page.locator('.lab-step-count')).toContainText('Step 7 of 9');
    await expect(page.getByText(/discards its answer and the 2 later steps/)).toBeVisible();
    await page.getByRole('button', { name: /^8\. Reuse RT1/ }).click();
    await centre(page.getByRole('region', { name: 'Refresh token family', exact: true }));
    await screenshots(page, 'flow-lab-refresh-family-revoked');

    const rows = await activityRows(page);
    expect(rows.filter((r) => r.startsWith('POST /token'))).toEqual([
      'POST /token 200',
      'POST /token 200',
      'POST /token 200',
      'POST /token 400',
      'POST /token 400',
    ]);
  });

  test('client credentials, backend services (assertion decoded and signed) and the EHR launch', async ({
    workbench: page,
  }) => {
    await chooseFlow(page, 'Client credentials');
    expect(await walk(page, 3)).toBe('accepted, accepted, accepted');
    await expect(page.locator('.lab-verdict')).toContainText('system/Patient.rs');

    await chooseFlow(page, 'SMART Backend Services');
    expect(await walk(page, 5)).toBe('local, accepted, accepted, local, accepted');
    const assertion = page.getByRole('region', { name: 'Client assertion', exact: true });
    await expect(assertion).toContainText('"iss": "flow-lab-backend"');
    await expect(assertion).toContainText('"alg": "ES384"');
    await expect(assertion.locator('.jwt-signature')).not.toBeEmpty();
    await page.getByRole('button', { name: /^4\. Sign a client assertion/ }).click();
    await centre(page.getByRole('region', { name: 'Client assertion', exact: true }));
    await screenshots(page, 'flow-lab-backend-assertion');

    await chooseFlow(page, 'EHR launch');
    expect(await walk(page, 7)).toBe('accepted, accepted, accepted, local, accepted, accepted, accepted');
    await page.getByRole('button', { name: /^6\. Exchange the code/ }).click();
    await expect(page.locator('.lab-table tr[data-name="patient"]')).toBeVisible();

    const rows = await activityRows(page);
    expect(rows).toEqual([
      'GET /fhir/.well-known/smart-configuration 200',
      'POST /token 200',
      'GET /fhir/.well-known/smart-configuration 200',
      'POST /token 200',
      'GET /fhir/.well-known/smart-configuration 200',
      'GET /authorize 302',
      'POST /token 200',
      'GET /fhir/Patient/pat-1 200',
    ]);
  });

  test('presentation mode: large type, arrow keys step, narration cites the spec, Escape leaves', async ({
    workbench: page,
    sandbox,
  }) => {
    await chooseFlow(page, 'Authorization code + PKCE (public app)');
    await page.getByRole('button', { name: 'Presentation mode' }).click();
    const lab = page.locator('.flow-lab.presenting');
    await expect(lab).toBeVisible();
    // A projector shows step 1 to a room: that the admin token was sent, never the token itself.
    const headers = page
      .getByRole('region', { name: 'Request (about to be sent)' })
      .locator('tr[data-name="Authorization"]');
    await expect(headers).toContainText('admin token: sent, never shown');
    await expect(headers).toContainText('The sandbox’s admin token');
    await expect(lab).not.toContainText(sandbox.token);
    await page.keyboard.press('ArrowRight');
    await expect(stepCard(page)).toHaveAttribute('data-sent', 'true');
    await expect(page.getByRole('region', { name: 'Request (as sent)' })).toContainText(
      'admin token: sent, never shown',
    );
    await expect(lab).not.toContainText(sandbox.token);
    await page.keyboard.press('ArrowRight');
    await expect(page.locator('.lab-step-count')).toContainText('Step 2 of 6');
    expect(await lab.evaluate((el) => parseFloat(getComputedStyle(el).fontSize))).toBeGreaterThanOrEqual(20);
    // → sends the step on screen, → again moves on.
    for (let i = 1; i < 5; i += 1) {
      if (i > 1) {
        await page.keyboard.press('ArrowRight');
        await expect(page.locator('.lab-step-count')).toContainText(`Step ${i + 1} of 6`);
      }
      await page.keyboard.press('ArrowRight');
      await expect(stepCard(page)).toHaveAttribute('data-sent', 'true');
    }
    await expect(page.locator('.narration')).toContainText('RFC 7636 §4.6');
    await expect(page.getByRole('group', { name: "The server's PKCE check" })).toHaveAttribute(
      'data-state',
      'match',
    );
    await expect(page.locator('.sequence .arrow.current')).toHaveAttribute('aria-label', /Step 5 of 6/);
    await screenshots(page, 'flow-lab-presentation');
    await page.keyboard.press('ArrowLeft');
    await expect(page.locator('.lab-step-count')).toContainText('Step 4 of 6');
    await page.keyboard.press('Escape');
    await expect(page.locator('.flow-lab.presenting')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Presentation mode' })).toBeVisible();
  });

  test('exports the walk as a curl script and a Markdown transcript', async ({
    workbench: page,
    sandbox,
  }) => {
    await chooseFlow(page, 'Client credentials');
    await walk(page, 3);
    const [script] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download curl script' }).click(),
    ]);
    expect(script.suggestedFilename()).toBe('flow-lab-client-credentials.sh');
    const text = await readFile(await script.path(), 'utf8');
    expect(text).toContain('#!/usr/bin/env bash');
    expect(text).toContain('send curl -sS \\\n  -X PUT');
    expect(text).toContain('--data-urlencode "grant_type=client_credentials"');
    expect(text).toContain('"${BASE}/token"');
    expect(text).not.toContain(sandbox.token);

    // The downloaded script runs as it is: it replays the walk against the sandbox given to it.
    const replay = await promisify(execFile)('bash', [await script.path()], {
      env: { ...process.env, SANDBOX_URL: sandbox.origin, ADMIN_TOKEN: sandbox.token },
    });
    expect(replay.stderr).toBe('');
    expect(replay.stdout).toContain('every step answered as in the walk');
    const replayed = (await (await sandbox.admin('GET', '/exchanges?path=/token')).json()) as {
      exchanges: { status: number }[];
    };
    expect(replayed.exchanges.map((e) => e.status)).toEqual([200, 200]);

    // Copy puts the very same script on the clipboard.
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.getByRole('button', { name: /^Copy curl script/ }).click();
    await expect(page.getByRole('button', { name: 'Copied' })).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(text);

    const [markdown] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download Markdown' }).click(),
    ]);
    expect(markdown.suggestedFilename()).toBe('flow-lab-client-credentials.md');
    const md = await readFile(await markdown.path(), 'utf8');
    expect(md).toContain('# Client credentials');
    expect(md).toContain('## 3. Request a token as the client itself');
    expect(md).toContain('Verdict: accepted: granted: system/Patient.rs');
  });
});
