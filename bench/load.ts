import autocannon from 'autocannon';
import { cpuMs } from './server-process.js';
import type { LoadFigures } from './stats.js';

export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  /** Seconds; the run stops by itself after this, or after `amount` requests when that is given. */
  readonly durationS?: number;
  readonly amount?: number;
  readonly method?: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly requests?: autocannon.Request[];
  /** Which responses are a success; the rest count as failures. */
  readonly okStatus: readonly number[];
  /** Successful responses per unit of work (2 for an authorize + token cycle). */
  readonly responsesPerUnit?: number;
  /** The server's pid, to charge its CPU time to the run. */
  readonly serverPid?: number;
}

/**
 * One bounded autocannon run against a loopback URL. The rate is successful units per second of the whole
 * run (not autocannon's per-second sample mean), so a run that ends mid-second is not over-counted.
 */
export async function runLoad(options: LoadOptions): Promise<LoadFigures> {
  const url = new URL(options.url);
  if (url.hostname !== '127.0.0.1') throw new Error(`the bench only loads loopback, not ${url.hostname}`);
  const cpuBefore = options.serverPid === undefined ? undefined : cpuMs(options.serverPid);
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    ...(options.amount === undefined ? { duration: options.durationS ?? 5 } : { amount: options.amount }),
    timeout: 10,
    ...(options.method === undefined ? {} : { method: options.method }),
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    ...(options.body === undefined ? {} : { body: options.body }),
    ...(options.requests === undefined ? {} : { requests: options.requests }),
  });
  const byStatus = result.statusCodeStats ?? {};
  let ok = 0;
  let answered = 0;
  for (const [status, stat] of Object.entries(byStatus)) {
    const count = stat.count ?? 0;
    answered += count;
    if (options.okStatus.includes(Number(status))) ok += count;
  }
  const perUnit = options.responsesPerUnit ?? 1;
  const cpuAfter = options.serverPid === undefined ? undefined : cpuMs(options.serverPid);
  const units = ok / perUnit;
  return {
    cpuUsPerUnit:
      cpuBefore === undefined || cpuAfter === undefined || units === 0
        ? undefined
        : ((cpuAfter - cpuBefore) * 1000) / units,
    perSecond: ok / perUnit / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    failures: answered - ok + result.errors,
    requests: answered,
  };
}
