import { expect, openView, test } from './sandbox.js';

/**
 * Activity stays smooth with 50,000 exchanges while 200 new ones arrive each second. The admin API's
 * answers are replaced in the browser (Playwright routes) by synthetic ones, so the page's real code runs:
 * the list load, the SSE parser, the per-frame batching, the bounded buffer and the virtualized list.
 */
const INITIAL = 50_000;
const PER_CONNECTION = 100;

function exchange(seq: number) {
  return {
    seq,
    time: new Date(1_790_000_000_000 + seq).toISOString(),
    durationMs: 2,
    method: 'POST',
    path: seq % 3 === 0 ? '/introspect' : '/token',
    status: seq % 7 === 0 ? 400 : 200,
    clientId: 'backend-svc',
    verdict: {
      outcome: seq % 7 === 0 ? 'rejected' : 'accepted',
      summary: `synthetic exchange ${seq}`,
      reasons: [],
    },
    query: {},
    request: { headers: {} },
    response: { headers: {} },
  };
}

test('50,000 entries plus 200 a second: the DOM keeps a few rows and frames keep coming', async ({
  workbench: page,
}) => {
  let next = INITIAL + 1;
  await page.route('**/_sandbox/api/exchanges?*', (route) =>
    route.fulfill({ json: { exchanges: Array.from({ length: INITIAL }, (_, i) => exchange(i + 1)) } }),
  );
  // Each (re)connection delivers 100 events and ends; the page reconnects after 500 ms: 200 events a second.
  await page.route('**/_sandbox/api/events', (route) => {
    let body = '';
    for (let i = 0; i < PER_CONNECTION; i++, next++) {
      body += `id: ${next}\nevent: exchange.recorded\ndata: ${JSON.stringify(exchange(next))}\n\n`;
    }
    return route.fulfill({ status: 200, headers: { 'content-type': 'text/event-stream' }, body });
  });
  await page.reload();
  await openView(page, 'Activity');
  const count = page.getByTestId('exchange-count');
  await expect(count).toHaveAttribute('data-total', /^\d+$/);
  await expect
    .poll(async () => Number(await count.getAttribute('data-total')), { timeout: 30_000 })
    .toBeGreaterThanOrEqual(INITIAL);

  // Count animation frames in the page while 600 more exchanges (about 3 s at 200/s) arrive.
  await page.evaluate(() => {
    const w = window as unknown as { frames_: number; start_: number };
    w.frames_ = 0;
    w.start_ = performance.now();
    const tick = () => {
      w.frames_++;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const startTotal = Number(await count.getAttribute('data-total'));
  await expect
    .poll(async () => Number(await count.getAttribute('data-total')), { timeout: 30_000 })
    .toBeGreaterThanOrEqual(startTotal + 600);
  const { frames, seconds } = await page.evaluate(() => {
    const w = window as unknown as { frames_: number; start_: number };
    return { frames: w.frames_, seconds: (performance.now() - w.start_) / 1000 };
  });
  const rows = await page.locator('.exchange-row').count();
  const kept = await page.evaluate(() => document.querySelectorAll('[role="option"]').length);
  const fps = frames / seconds;
  test.info().annotations.push({
    type: 'measured',
    description: `${fps.toFixed(1)} frames/s over ${seconds.toFixed(1)} s; ${rows} rows in the DOM`,
  });
  console.log(
    `activity performance: ${fps.toFixed(1)} frames/s over ${seconds.toFixed(1)} s with ${startTotal}+ entries; ${rows} rows in the DOM`,
  );
  expect(rows).toBeLessThanOrEqual(60);
  expect(kept).toBe(rows);
  expect(fps).toBeGreaterThanOrEqual(20);
  // The buffer stays bounded: the oldest fall off the front.
  await expect(count).toContainText('no longer kept here');
});
