import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, openView, test, tryIt, WCAG_21_AA } from './sandbox.js';

const SHOTS = path.resolve(import.meta.dirname, '..', 'test-results', 'screenshots');

const VIEWS = [
  'Overview',
  'Clients',
  'Activity',
  'Codes & tokens',
  'Failure modes',
  'Launch',
  'Flow Lab',
  'Settings',
  'Token inspector',
  'Personas',
] as const;

/** The serious and critical axe findings on the page as it is now, one line each, for a readable failure. */
async function seriousFindings(page: Page): Promise<string[]> {
  const byLevel = await new AxeBuilder({ page }).withTags(WCAG_21_AA).analyze();
  // WCAG 2.5.3 "Label in Name": axe ships it as experimental, so it runs only when asked by name.
  const labelInName = await new AxeBuilder({ page }).withRules(['label-content-name-mismatch']).analyze();
  return [...byLevel.violations, ...labelInName.violations]
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) =>
      v.nodes.map((n) => `${v.id} (${v.impact ?? ''}): ${n.target.join(' ')} ${n.failureSummary ?? ''}`),
    );
}

function slug(view: string): string {
  return view.toLowerCase().replace(/[^a-z]+/g, '-');
}

test.describe('Design and accessibility of every view', () => {
  test('every view in light and dark at 1280×800 has no serious or critical WCAG 2.1 AA finding', async ({
    workbench: page,
  }) => {
    test.setTimeout(120_000);
    await page.setViewportSize({ width: 1280, height: 800 });
    // Something in every list: a token from “Try it”, so Activity and Codes & tokens are not empty.
    await tryIt(page);
    for (const view of VIEWS) {
      await openView(page, view);
      if (view === 'Activity') await page.locator('.exchange-row').first().click();
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        await page.screenshot({ path: path.join(SHOTS, `design-${slug(view)}-${colorScheme}.png`) });
        expect.soft(await seriousFindings(page), `${view} in ${colorScheme}`).toEqual([]);
      }
      await page.emulateMedia({ colorScheme: 'light' });
    }
  });

  test('Flow Lab’s presentation mode on a 1920×1080 projector, light and dark', async ({
    workbench: page,
  }) => {
    await page.setViewportSize({ width: 1920, height: 1080 });
    await openView(page, 'Flow Lab');
    await page.getByRole('button', { name: 'Presentation mode' }).click();
    await expect(page.locator('.flow-lab.presenting')).toBeVisible();
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      await page.screenshot({ path: path.join(SHOTS, `design-presentation-1920-${colorScheme}.png`) });
      expect.soft(await seriousFindings(page), `presentation in ${colorScheme}`).toEqual([]);
    }
  });

  test('every view at 1920×1080 in both themes, for the projector', async ({ workbench: page }) => {
    test.setTimeout(120_000);
    await page.setViewportSize({ width: 1920, height: 1080 });
    await tryIt(page);
    for (const view of VIEWS) {
      await openView(page, view);
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        await page.screenshot({ path: path.join(SHOTS, `design-1920-${slug(view)}-${colorScheme}.png`) });
      }
    }
  });
});
