import { chromium, type Page } from '@playwright/test';
import { FEED, routeActivityFeed } from './activity-feed.js';
import { percentile } from './stats.js';

/** Frame times of one page, from requestAnimationFrame to requestAnimationFrame. */
export interface FrameFigures {
  readonly frames: number;
  readonly seconds: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly maxMs: number;
}

/** Frame times in the Activity view under the synthetic feed, beside the same page idle, in one browser. */
export interface ActivityFrames {
  readonly idle: FrameFigures;
  readonly busy: FrameFigures;
  /** busy p95 / idle p95: how much the feed stretches the slowest frames on this machine. */
  readonly p95Ratio: number;
}

/** Records frame intervals in the page for `ms` milliseconds. */
async function recordFrames(page: Page, ms: number): Promise<FrameFigures> {
  const intervals = await page.evaluate(
    (duration) =>
      new Promise<number[]>((resolve) => {
        const gaps: number[] = [];
        const start = performance.now();
        let last = start;
        const tick = (now: number) => {
          gaps.push(now - last);
          last = now;
          if (now - start < duration) requestAnimationFrame(tick);
          else resolve(gaps.slice(1));
        };
        requestAnimationFrame((now) => {
          last = now;
          requestAnimationFrame(tick);
        });
      }),
    ms,
  );
  const seconds = intervals.reduce((a, b) => a + b, 0) / 1000;
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    frames: intervals.length,
    seconds: round(seconds),
    p50Ms: round(percentile(intervals, 50)),
    p95Ms: round(percentile(intervals, 95)),
    maxMs: round(Math.max(...intervals)),
  };
}

/**
 * Opens the workbench in Chromium (Debian's, as the e2e tests use), loads 50,000 synthetic exchanges into
 * Activity, and measures frame times while 200 more arrive each second, then on the same page with the stream
 * stopped. Figures to compare runs by, not a pass mark: a busy CI machine stretches both.
 */
export async function measureActivityFrames(workbenchUrl: string, ms: number): Promise<ActivityFrames> {
  const browser = await chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await routeActivityFeed(page);
    await page.goto(workbenchUrl);
    await page
      .getByRole('navigation', { name: 'Views' })
      .getByRole('button', { name: 'Activity', exact: true })
      .click();
    await page.waitForFunction(
      (initial) =>
        Number(document.querySelector('[data-testid="exchange-count"]')?.getAttribute('data-total')) >=
        initial,
      FEED.initial,
      { timeout: 60_000 },
    );
    const busy = await recordFrames(page, ms);
    await page.unroute('**/_sandbox/api/events');
    await page.route('**/_sandbox/api/events', (route) => route.abort());
    await page.waitForTimeout(1_000);
    const idle = await recordFrames(page, ms);
    return { idle, busy, p95Ratio: Math.round((busy.p95Ms / idle.p95Ms) * 100) / 100 };
  } finally {
    await browser.close();
  }
}
