/**
 * The test API's cost, measured in this process as a test suite sees it: start a sandbox (with a kept key),
 * get a first token, close, over and over. Two ways to the first token: `issueToken()` (direct) and a real
 * `POST /token` (client_credentials over a socket). The baseline is the same cycle with a bare Fastify
 * server (listen, one POST, close), so the ratio says what the sandbox adds. It also checks that the cycles
 * leak nothing: the process's active handles return to where they were, and RSS stays flat.
 */
import Fastify from 'fastify';
import v8 from 'node:v8';
import vm from 'node:vm';
import { generateSigningKeys, startSandbox, type ClientConfig } from '../server/test-api/index.js';
import { bodyOfSize } from './bare-fastify.js';
import { percentile, ratio, round, toMb } from './stats.js';

export type Post = (
  url: string,
  headers: Record<string, string>,
  body: string,
) => Promise<{ status: number; body: string }>;

export interface CycleFigures {
  readonly medianMs: number;
  readonly p95Ms: number;
}

export interface InProcessFigures {
  readonly cycles: number;
  readonly direct: CycleFigures;
  readonly post: CycleFigures;
  readonly bareFastify: CycleFigures;
  /** CPU time of this process per direct cycle (user + system): less swayed by a busy machine than wall time. */
  readonly directCpuMsPerCycle: number;
  readonly directVsBare: number;
  readonly postVsBare: number;
  /** Active handles (`process.getActiveResourcesInfo()`) left after the cycles that were not there before. */
  readonly leakedHandles: readonly string[];
  /** Mean RSS over the first and the last 50 cycles of the direct run. */
  readonly rssFirst50Mb: number;
  readonly rssLast50Mb: number;
  /** Heap in use after a full collection, before and after the direct cycles: what the cycles kept alive. */
  readonly heapAfterGcBeforeMb: number;
  readonly heapAfterGcAfterMb: number;
  readonly targetMedianMs: number;
  readonly targetMet: boolean;
}

const CLIENT: ClientConfig = {
  clientId: 'bench-client',
  clientSecret: 'bench-secret',
  tokenEndpointAuthMethod: 'client_secret_basic',
  grantTypes: ['client_credentials'],
  scope: 'system/*.rs',
};
const HEADERS = {
  authorization: `Basic ${Buffer.from('bench-client:bench-secret').toString('base64')}`,
  'content-type': 'application/x-www-form-urlencoded',
};
const BODY = 'grant_type=client_credentials&scope=system%2F*.rs';
/** Discarded cycles first: the JIT and the first loads of each module are not what a suite pays per test. */
const WARMUP = 20;
const TARGET_MEDIAN_MS = 50;

function figures(samples: readonly number[]): CycleFigures {
  return { medianMs: round(percentile(samples, 50), 1), p95Ms: round(percentile(samples, 95), 1) };
}

/** Counts of each kind of handle in `after` beyond those in `before`. */
function leaked(before: readonly string[], after: readonly string[]): string[] {
  const left = [...before];
  return after.filter((kind) => {
    const i = left.indexOf(kind);
    if (i === -1) return true;
    left.splice(i, 1);
    return false;
  });
}

/**
 * A full collection, then the heap in use. RSS alone says little: V8 grows its heap under allocation and
 * collects lazily, so RSS rises over cycles that keep nothing. The flag is set at run time, so the bench needs
 * no node option.
 */
function heapAfterGc(): number {
  v8.setFlagsFromString('--expose-gc');
  // The global `gc` the flag exposes, read from a fresh context (this one was made before the flag was set).
  const gc = vm.runInNewContext('gc') as () => void;
  gc();
  return process.memoryUsage().heapUsed;
}

async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 100));
}

export async function measureInProcess(cycles: number, post: Post): Promise<InProcessFigures> {
  const signingKeys = await generateSigningKeys();
  const options = { clients: [CLIENT], signingKeys };

  const directCycle = async (): Promise<number> => {
    const started = performance.now();
    const sandbox = await startSandbox(options);
    await sandbox.issueToken({ clientId: CLIENT.clientId, scope: 'system/*.rs' });
    await sandbox.close();
    return performance.now() - started;
  };
  const postCycle = async (): Promise<number> => {
    const started = performance.now();
    const sandbox = await startSandbox(options);
    const res = await post(sandbox.urls.token, HEADERS, BODY);
    if (res.status !== 200) throw new Error(`POST /token answered ${res.status}: ${res.body}`);
    await sandbox.close();
    return performance.now() - started;
  };
  const tokenBody = bodyOfSize(600);
  const bareCycle = async (): Promise<number> => {
    const started = performance.now();
    const app = Fastify({ logger: false });
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_r, raw, done) => {
      done(null, raw);
    });
    app.post('/token', async () => tokenBody);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    await post(`http://127.0.0.1:${port}/token`, HEADERS, BODY);
    await app.close();
    return performance.now() - started;
  };

  for (let i = 0; i < WARMUP; i++) {
    await directCycle();
    await postCycle();
    await bareCycle();
  }
  await settle();
  const handlesBefore = process.getActiveResourcesInfo();
  const heapBefore = heapAfterGc();

  const direct: number[] = [];
  const rss: number[] = [];
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < cycles; i++) {
    direct.push(await directCycle());
    rss.push(process.memoryUsage().rss);
  }
  const cpu = process.cpuUsage(cpuBefore);
  await settle();
  const heapAfter = heapAfterGc();
  const viaPost: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < cycles; i++) {
    viaPost.push(await postCycle());
    bare.push(await bareCycle());
  }
  await settle();
  const handlesAfter = process.getActiveResourcesInfo();

  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const d = figures(direct);
  const p = figures(viaPost);
  const b = figures(bare);
  return {
    cycles,
    direct: d,
    post: p,
    bareFastify: b,
    directCpuMsPerCycle: round((cpu.user + cpu.system) / 1000 / cycles, 1),
    directVsBare: ratio(d.medianMs, b.medianMs),
    postVsBare: ratio(p.medianMs, b.medianMs),
    leakedHandles: leaked(handlesBefore, handlesAfter),
    rssFirst50Mb: toMb(mean(rss.slice(0, 50))),
    rssLast50Mb: toMb(mean(rss.slice(-50))),
    heapAfterGcBeforeMb: toMb(heapBefore),
    heapAfterGcAfterMb: toMb(heapAfter),
    targetMedianMs: TARGET_MEDIAN_MS,
    targetMet: d.medianMs <= TARGET_MEDIAN_MS && p.medianMs <= TARGET_MEDIAN_MS,
  };
}

/** The figures as lines for the bench's output. */
export function inProcessLines(f: InProcessFigures): string[] {
  const line = (label: string, c: CycleFigures) => `${label}: median ${c.medianMs} ms, p95 ${c.p95Ms} ms`;
  return [
    `test API, start → first token → close, ${f.cycles} cycles, kept key:`,
    `  ${line('issueToken (direct)', f.direct)} (${f.directVsBare}× bare Fastify; CPU ${f.directCpuMsPerCycle} ms a cycle)`,
    `  ${line('POST /token', f.post)} (${f.postVsBare}× bare Fastify)`,
    `  ${line('bare Fastify listen → POST → close', f.bareFastify)}`,
    `  leak check: ${f.leakedHandles.length === 0 ? 'active handles back to baseline' : `LEAKED ${f.leakedHandles.join(', ')}`}; RSS first 50 cycles ${f.rssFirst50Mb} MB, last 50 ${f.rssLast50Mb} MB; heap after a full GC ${f.heapAfterGcBeforeMb} MB before the cycles, ${f.heapAfterGcAfterMb} MB after`,
    `  target median ≤ ${f.targetMedianMs} ms: ${f.targetMet ? 'met' : 'NOT met'}`,
  ];
}
