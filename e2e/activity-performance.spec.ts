import { activityTotal, FEED, routeActivityFeed } from '../bench/activity-feed.js';
import { expect, openView, test } from './sandbox.js';

/**
 * Activity with 50,000 exchanges while 200 new ones arrive each second: what a user sees is that rows render,
 * the list follows new entries and the page keeps only a screenful of rows. How long frames take is measured
 * by the benchmark (`npm run bench`), not asserted here: a slow CI machine is not a user-visible failure.
 */
test('50,000 entries plus 200 a second: rows render, the list follows new entries, the DOM keeps a few rows', async ({
  workbench: page,
}) => {
  await routeActivityFeed(page);
  await page.reload();
  await openView(page, 'Activity');
  const count = page.getByTestId('exchange-count');
  await expect(count).toHaveAttribute('data-total', /^\d+$/);
  await expect.poll(() => activityTotal(page), { timeout: 30_000 }).toBeGreaterThanOrEqual(FEED.initial);
  await expect(page.locator('.exchange-row').first()).toBeVisible();

  // New exchanges keep arriving (600 more is about 3 s at 200/s) and the list follows them: the newest
  // exchange among the rows inside the list's visible box keeps up with the total.
  const startTotal = await activityTotal(page);
  const newestOnScreen = () =>
    page.evaluate(() => {
      const box = document.querySelector('[role="listbox"]')?.getBoundingClientRect();
      if (box === undefined) return 0;
      const seqs = Array.from(document.querySelectorAll<HTMLElement>('.exchange-row'))
        .filter((row) => {
          const r = row.getBoundingClientRect();
          return r.bottom > box.top && r.top < box.bottom;
        })
        .map((row) => Number(row.getAttribute('data-seq')));
      return Math.max(0, ...seqs);
    });
  await expect.poll(newestOnScreen, { timeout: 30_000 }).toBeGreaterThanOrEqual(startTotal + 600);

  const rows = await page.locator('.exchange-row').count();
  const kept = await page.evaluate(() => document.querySelectorAll('[role="option"]').length);
  expect(rows).toBeGreaterThan(0);
  expect(rows).toBeLessThanOrEqual(60);
  expect(kept).toBe(rows);
  // The buffer stays bounded: the oldest fall off the front.
  await expect(count).toContainText('no longer kept here');
});
