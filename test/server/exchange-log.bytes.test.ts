import { describe, expect, it } from 'vitest';
import { MAX_LOGGED_BODY } from '../../server/exchanges/record-hooks.js';
import { admin, basic, startSandbox } from '../helpers/sandbox.js';

/** A token request with a 63 KiB padding parameter: under the 64 KiB OAuth body limit, so it is answered. */
function bigTokenRequest(n: number): { url: string; headers: Record<string, string>; payload: string } {
  return {
    url: '/token',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basic('conf-app', 's3cret'),
    },
    payload: `grant_type=client_credentials&scope=system%2F*.rs&n=${n}&pad=${'x'.repeat(63 * 1024)}`,
  };
}

interface LogPage {
  size: number;
  bytes: number;
  maxBytes: number;
  exchanges: { request: { body?: string; truncated?: boolean; length?: number } }[];
}

describe('the exchange log is bounded by bytes as well as entries', () => {
  it('cuts a 63 KiB request body when recorded and says so in the entry', async () => {
    const { app } = await startSandbox();
    try {
      await app.inject({ method: 'POST', ...bigTokenRequest(1) });
      const page = (await admin(app, 'GET', '/exchanges?limit=1')).json<LogPage>();
      const request = page.exchanges[0]?.request;
      expect(request?.truncated).toBe(true);
      expect(request?.length).toBe(bigTokenRequest(1).payload.length);
      expect(request?.body?.length).toBeLessThanOrEqual(MAX_LOGGED_BODY);
      // What the entry weighs is what it keeps, not what was sent.
      expect(page.bytes).toBeLessThan(4 * MAX_LOGGED_BODY);
    } finally {
      await app.close();
    }
  });

  it('drops the oldest entries to stay under exchangeLog.maxBytes', async () => {
    const { app } = await startSandbox({ exchangeLog: { capacity: 5_000, maxBytes: 1_048_576 } });
    try {
      for (let sent = 0; sent < 400; sent += 50) {
        await Promise.all(
          Array.from({ length: 50 }, (_, i) => app.inject({ method: 'POST', ...bigTokenRequest(sent + i) })),
        );
      }
      const page = (await admin(app, 'GET', '/exchanges?limit=1')).json<LogPage>();
      expect(page.maxBytes).toBe(1_048_576);
      expect(page.bytes).toBeLessThanOrEqual(1_048_576);
      expect(page.size).toBeGreaterThan(50);
      expect(page.size).toBeLessThan(400);
    } finally {
      await app.close();
    }
  });

  it('refuses an exchangeLog.maxBytes under 1 MiB, naming the field', async () => {
    const { app } = await startSandbox();
    try {
      const res = await admin(app, 'PUT', '/config', { exchangeLog: { maxBytes: 1000 } });
      expect(res.statusCode).toBe(400);
      expect(res.json<{ field: string }>().field).toBe('exchangeLog.maxBytes');
    } finally {
      await app.close();
    }
  });
});
