import type { Page } from '@playwright/test';
import { expect, openView, screenshots, test } from './sandbox.js';

/**
 * Each table's right edge against its panel's and the view's: a value cell that cannot wrap (the admin
 * `Authorization` header, a URL, a token) pushes the table out of its card and the "What it is for" column off
 * the screen at 1280 px.
 */
async function overflows(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    const main = document.querySelector('#main');
    if (main !== null && main.scrollWidth > main.clientWidth + 1) {
      found.push(`the view scrolls sideways: ${main.scrollWidth} > ${main.clientWidth}`);
    }
    for (const table of Array.from(document.querySelectorAll<HTMLTableElement>('.lab-panel table'))) {
      const panel = table.closest('.lab-panel');
      if (panel === null) continue;
      const t = table.getBoundingClientRect();
      const p = panel.getBoundingClientRect();
      if (t.right > p.right + 1) {
        const caption = table.querySelector('caption')?.textContent ?? '?';
        found.push(`${caption} table ends at ${Math.round(t.right)}, its panel at ${Math.round(p.right)}`);
      }
    }
    return found;
  });
}

test('Flow Lab: every request and response table fits its panel at 1280 px, step by step', async ({
  workbench: page,
}) => {
  await openView(page, 'Flow Lab');
  await expect(page.locator('.lab-step-count')).toContainText('Step 1 of 6');
  const seen: string[] = [];
  for (let step = 1; step <= 6; step += 1) {
    if (step > 1) {
      await page.getByRole('button', { name: 'Next step' }).click();
      await expect(page.locator('.lab-step-count')).toContainText(`Step ${step} of`);
    }
    seen.push(...(await overflows(page)).map((o) => `step ${step} before sending: ${o}`));
    await page.getByRole('button', { name: /^(Send request|Run this step)$/ }).click();
    await expect(page.locator('.lab-step')).toHaveAttribute('data-sent', 'true');
    seen.push(...(await overflows(page)).map((o) => `step ${step} sent: ${o}`));
  }
  await screenshots(page, 'flow-lab-fhir-call-fits');
  expect(seen).toEqual([]);
});
