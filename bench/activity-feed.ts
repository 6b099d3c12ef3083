import type { Page } from '@playwright/test';

/**
 * A synthetic admin API for the Activity view: a long history and a steady stream of new exchanges, served by
 * Playwright routes in the browser so the page's real code runs (the list load, the SSE parser, the per-frame
 * batching, the bounded buffer and the virtualized list). Shared by the e2e test (what a user sees) and the
 * benchmark (how long frames take).
 */
export const FEED = {
  /** Exchanges in the first list load. */
  initial: 50_000,
  /** Events per SSE connection; the page reconnects after 500 ms, so 200 events a second. */
  perConnection: 100,
} as const;

export function syntheticExchange(seq: number) {
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

/** Replaces the page's exchange list and event stream with the synthetic feed (call before loading the page). */
export async function routeActivityFeed(page: Page): Promise<void> {
  let next = FEED.initial + 1;
  await page.route('**/_sandbox/api/exchanges?*', (route) =>
    route.fulfill({
      json: { exchanges: Array.from({ length: FEED.initial }, (_, i) => syntheticExchange(i + 1)) },
    }),
  );
  await page.route('**/_sandbox/api/events', (route) => {
    let body = '';
    for (let i = 0; i < FEED.perConnection; i++, next++) {
      body += `id: ${next}\nevent: exchange.recorded\ndata: ${JSON.stringify(syntheticExchange(next))}\n\n`;
    }
    return route.fulfill({ status: 200, headers: { 'content-type': 'text/event-stream' }, body });
  });
}

/** The total the Activity view says it has received (its `data-total`), or NaN before the list loads. */
export async function activityTotal(page: Page): Promise<number> {
  return Number(await page.getByTestId('exchange-count').getAttribute('data-total'));
}
