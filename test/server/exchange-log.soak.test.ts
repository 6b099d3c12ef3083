import http from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { admin, listenLocally, startSandbox } from '../helpers/sandbox.js';
import { DEFAULT_EXCHANGE_LOG_CAPACITY } from '../../server/exchanges/exchange-log.js';

describe('the exchange log holds its bound (docs/admin-api.md#exchanges)', () => {
  it('keeps exactly the default 5,000 newest of 50,000 exchanges', async () => {
    const { app } = await startSandbox();
    try {
      const total = 50_000;
      const batch = 500;
      const started = performance.now();
      for (let sent = 0; sent < total; sent += batch) {
        await Promise.all(
          Array.from({ length: batch }, (_, i) =>
            app.inject({ url: `/.well-known/jwks.json?n=${sent + i}` }),
          ),
        );
      }
      const elapsed = performance.now() - started;
      const body = (await admin(app, 'GET', '/exchanges?limit=1')).json<{
        size: number;
        capacity: number;
        latestSeq: number;
        exchanges: { seq: number; query: Record<string, string> }[];
      }>();
      expect(body).toMatchObject({
        size: DEFAULT_EXCHANGE_LOG_CAPACITY,
        capacity: DEFAULT_EXCHANGE_LOG_CAPACITY,
        latestSeq: total,
      });
      expect(body.exchanges[0]).toMatchObject({ seq: total, query: { n: String(total - 1) } });
      expect((await admin(app, 'GET', `/exchanges/${total - 4_999}`)).statusCode).toBe(200);
      expect((await admin(app, 'GET', `/exchanges/${total - 5_000}`)).statusCode).toBe(404);
      console.log(`exchange log: ${total} injected requests in ${Math.round(elapsed)} ms`);
    } finally {
      await app.close();
    }
  }, 180_000);

  it('keeps the heap flat once the log is full, over real sockets', async () => {
    // inject() itself retains memory per request, so heap flatness is measured over real keep-alive sockets.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const { app } = await startSandbox({ exchangeLog: { capacity: 1_000 } });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    try {
      const port = await listenLocally(app);
      const get = (n: number) =>
        new Promise<void>((resolve, reject) => {
          http
            .get({ host: '127.0.0.1', port, path: `/.well-known/jwks.json?n=${n}`, agent }, (res) => {
              res.resume();
              res.on('end', resolve);
            })
            .on('error', reject);
        });
      const send = async (from: number, count: number) => {
        for (let sent = 0; sent < count; sent += 250) {
          await Promise.all(Array.from({ length: 250 }, (_, i) => get(from + sent + i)));
        }
      };
      await send(0, 2_000);
      gc();
      const full = process.memoryUsage().heapUsed;
      await send(2_000, 4_000);
      gc();
      const later = process.memoryUsage().heapUsed;
      expect(app.sandbox.exchanges.size).toBe(1_000);
      expect(later - full).toBeLessThan(8 * 1024 * 1024);
    } finally {
      agent.destroy();
      await app.close();
    }
  }, 120_000);
});
