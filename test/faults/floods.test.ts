import { readFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretClient, startCli, writeConfig, type RunningCli } from '../helpers/cli.js';

/**
 * Floods the real command with large and hostile requests, a few seconds each, and checks the limits README
 * "Limits" documents: peak RSS and state.json stay under them, and every refusal names its limit.
 */

const REDIRECT = 'http://127.0.0.1:5555/cb';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const FLOOD_MS = 3_000;
/** Small enough that a few seconds of flood pass it on a slow machine. */
const LIVE_CODES = 500;
const PENDING = 100;
/** README "Limits": a live code with state and nonce at the parameter limit weighs about 3 KB on disk. */
const MAX_STATE_FILE = LIVE_CODES * 4 * 1024 + 64 * 1024;
/**
 * The peak the flood suite allows the server process (README "Limits"), its heap capped at 256 MB; an
 * unbounded server passed 1 GB within 10 s of one flood.
 */
const MAX_RSS = 512 * 1024 * 1024;

let cli: RunningCli;
let dataDir: string;

/** Peak resident memory of the server process so far (Linux: VmHWM). */
async function peakRss(): Promise<number> {
  const status = await readFile(`/proc/${String(cli.child.pid)}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 'NaN') * 1024;
}

/** Sends `send()` from `concurrency` loops for `ms`; returns how many were answered, by status. */
async function flood(
  ms: number,
  concurrency: number,
  send: () => Promise<number>,
): Promise<Map<number, number>> {
  const until = Date.now() + ms;
  const statuses = new Map<number, number>();
  const loop = async () => {
    while (Date.now() < until) {
      const status = await send();
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return statuses;
}

function authorizeUrl(extra: Record<string, string>): string {
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: 'conf-app',
    redirect_uri: REDIRECT,
    scope: 'openid launch/patient patient/*.rs',
    aud: `${cli.origin}/fhir`,
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    ...extra,
  });
  return `${cli.origin}/authorize?${params.toString()}`;
}

async function adminFetch(method: string, route: string, body?: string): Promise<Response> {
  return fetch(`${cli.origin}/_sandbox/api${route}`, {
    method,
    headers: {
      authorization: `Bearer ${cli.adminToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body }),
  });
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'token-sandbox-floods-'));
  const config = await writeConfig({
    clients: [
      secretClient(
        'conf-app',
        's3cret',
        REDIRECT,
        'openid fhirUser launch/patient patient/*.rs system/*.rs offline_access',
      ),
    ],
    limits: { liveCodes: LIVE_CODES, pendingAuthorizations: PENDING },
  });
  // A heap capped at 256 MB: what the server retains must fit (an unbounded one dies of the flood), and V8
  // collects before it grows, so peak RSS measures the server rather than how lazy the collector was.
  cli = await startCli(['--config', config, '--data-dir', dataDir], {
    env: { ...process.env, NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --max-old-space-size=256` },
  });
}, 30_000);

afterAll(async () => {
  await cli.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('floods stay within the documented limits', () => {
  it('GET /authorize with a 5 KB nonce is refused naming the parameter and its limit', async () => {
    const res = await fetch(authorizeUrl({ state: 's', nonce: 'n'.repeat(5_000) }), { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location') ?? '');
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(
      /nonce is 5000 characters long; at most 2048 are accepted .*limits\.parameterLength/,
    );
  });

  it('a flood of /authorize with the longest allowed state and nonce keeps RSS and state.json bounded', async () => {
    const long = { state: 's'.repeat(2_048), nonce: 'n'.repeat(2_048) };
    const statuses = await flood(FLOOD_MS, 32, async () => {
      const res = await fetch(authorizeUrl(long), { redirect: 'manual' });
      await res.arrayBuffer();
      return res.status;
    });
    const issued = statuses.get(302) ?? 0;
    console.log(`authorize flood: ${issued} codes in ${FLOOD_MS} ms, peak RSS ${await peakRss()} bytes`);
    expect([...statuses.keys()]).toEqual([302]);
    expect(await peakRss()).toBeLessThan(MAX_RSS);
    // The coalesced writer catches up within a second.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const size = (await stat(path.join(dataDir, 'state.json'))).size;
    console.log(`state.json after the authorize flood: ${size} bytes`);
    expect(size).toBeLessThan(MAX_STATE_FILE);
  }, 30_000);

  it('a flood of 63 KiB token requests keeps the exchange log under its byte limit', async () => {
    const body = `grant_type=client_credentials&scope=system%2F*.rs&pad=${'x'.repeat(63 * 1024)}`;
    const auth = `Basic ${Buffer.from('conf-app:s3cret').toString('base64')}`;
    const statuses = await flood(FLOOD_MS, 16, async () => {
      const res = await fetch(`${cli.origin}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: auth },
        body,
      });
      await res.arrayBuffer();
      return res.status;
    });
    console.log(`token flood: ${statuses.get(200) ?? 0} tokens, peak RSS ${await peakRss()} bytes`);
    expect([...statuses.keys()]).toEqual([200]);
    const log = (await (await adminFetch('GET', '/exchanges?limit=1')).json()) as {
      bytes: number;
      maxBytes: number;
      exchanges: { request: { truncated?: boolean } }[];
    };
    expect(log.bytes).toBeLessThanOrEqual(log.maxBytes);
    expect(log.exchanges[0]?.request.truncated).toBe(true);
    expect(await peakRss()).toBeLessThan(MAX_RSS);
  }, 30_000);

  it('a deeply nested jwks and a flood of hostile admin bodies change nothing and never answer 500', async () => {
    const deep = `${'{"a":'.repeat(5_000)}{}${'}'.repeat(5_000)}`;
    const hostile = [
      `{"clientId":"deep","tokenEndpointAuthMethod":"private_key_jwt","grantTypes":["client_credentials"],"jwks":{"keys":[{"kty":"RSA","x":${deep}}]}}`,
      `{"launch":{"fhirContext":[{"identifier":${deep}}]}}`,
      `{"clientId":"big","clientSecret":"${'x'.repeat(600_000)}"}`,
      `{"clientId":"many","redirectUris":${JSON.stringify(Array.from({ length: 5_000 }, (_, i) => `http://127.0.0.1/${i}`))}}`,
    ];
    const first = await adminFetch('POST', '/clients', hostile[0]);
    expect(first.status).toBe(400);
    let n = 0;
    const statuses = await flood(2_000, 8, async () => {
      const i = n++ % hostile.length;
      const res = await adminFetch(i === 1 ? 'PUT' : 'POST', i === 1 ? '/config' : '/clients', hostile[i]);
      await res.arrayBuffer();
      return res.status;
    });
    expect([...statuses.keys()].every((s) => s >= 400 && s < 500)).toBe(true);
    const clients = await adminFetch('GET', '/clients');
    expect(clients.status).toBe(200);
    expect(((await clients.json()) as { clients: unknown[] }).clients).toHaveLength(1);
    expect((await adminFetch('GET', '/config')).status).toBe(200);
    expect(await peakRss()).toBeLessThan(MAX_RSS);
  }, 30_000);

  it('a flood of consent pages in interactive mode forgets the oldest past the pending limit', async () => {
    const config = (await (await adminFetch('GET', '/config')).json()) as Record<string, unknown>;
    const put = await adminFetch(
      'PUT',
      '/config',
      JSON.stringify({ ...config, authorize: { mode: 'interactive' } }),
    );
    expect(put.status).toBe(200);
    const long = { state: 's'.repeat(2_048), nonce: 'n'.repeat(2_048) };
    const ids: string[] = [];
    const statuses = await flood(2_000, 16, async () => {
      const res = await fetch(authorizeUrl(long), { redirect: 'manual' });
      const id = /name="request" value="([^"]+)"/.exec(await res.text())?.[1];
      if (id !== undefined) ids.push(id);
      return res.status;
    });
    expect([...statuses.keys()]).toEqual([200]);
    expect(ids.length).toBeGreaterThan(PENDING);
    const decide = (request: string) =>
      fetch(`${cli.origin}/authorize/decision`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ request, decision: 'deny' }).toString(),
        redirect: 'manual',
      });
    const oldest = await decide(ids[0] ?? '');
    expect(oldest.status).toBe(400);
    expect(await oldest.text()).toContain('pendingAuthorizations limit');
    expect((await decide(ids.at(-1) ?? '')).status).toBe(303);
    expect(await peakRss()).toBeLessThan(MAX_RSS);
  }, 30_000);

  it('after the floods a graceful stop writes a state file that holds at most the live-code limit', async () => {
    expect(await cli.stop()).toBe(0);
    const doc = JSON.parse(await readFile(path.join(dataDir, 'state.json'), 'utf8')) as {
      artefacts: { codes: unknown[] };
    };
    expect(doc.artefacts.codes).toHaveLength(LIVE_CODES);
  }, 30_000);
});
