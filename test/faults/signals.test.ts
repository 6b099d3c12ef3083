import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addBackendClient, startCli, writeConfig, type RunningCli } from '../helpers/cli.js';
import { CHALLENGE, REDIRECT, VERIFIER, basic, confidentialClient, form } from '../helpers/sandbox.js';
import { faultRounds } from './fault-rounds.js';

// Black-box: the real command, as built, signalled at random moments while admin writes, token requests and
// refresh chains are in flight. Every signal must end in exit 0 with everything answered before it on disk.
const TOKEN = 'faults-admin-token';
const CLIENT_AUTH = basic('conf-app', 's3cret');
const ROUNDS_PER_SIGNAL = faultRounds(2, 25);

let dir: string;
let configFile: string;
let running: RunningCli | undefined;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'token-sandbox-signals-'));
  configFile = await writeConfig({ clients: [confidentialClient] });
});
afterAll(async () => {
  if (running?.child.exitCode === null) await running.stop('SIGKILL');
  await rm(dir, { recursive: true, force: true });
  await rm(path.dirname(configFile), { recursive: true, force: true });
});

/** What the server answered 2xx to: all of it must survive the signal and the restart. */
const acknowledged = { clients: [] as string[], chains: [] as string[] };

function serve(): Promise<RunningCli> {
  return startCli(['--data-dir', dir, '--admin-token', TOKEN, '--config', configFile]);
}

async function tokenRequest(origin: string, params: Record<string, string>): Promise<Response> {
  return fetch(`${origin}/token`, {
    method: 'POST',
    headers: { authorization: CLIENT_AUTH, 'content-type': 'application/x-www-form-urlencoded' },
    body: form(params),
  });
}

/** A code flow that ends in a refresh token (authorization code with PKCE, then its exchange). */
async function newChain(origin: string): Promise<string> {
  const query = form({
    response_type: 'code',
    client_id: 'conf-app',
    redirect_uri: REDIRECT,
    scope: 'openid launch/patient patient/*.rs offline_access',
    state: 'st4te',
    aud: `${origin}/fhir`,
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
  });
  const res = await fetch(`${origin}/authorize?${query}`, { redirect: 'manual' });
  const code = new URL(res.headers.get('location') ?? '').searchParams.get('code') ?? '';
  const tokens = await tokenRequest(origin, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT,
    code_verifier: VERIFIER,
  });
  expect(tokens.status).toBe(200);
  return ((await tokens.json()) as { refresh_token: string }).refresh_token;
}

async function introspect(origin: string, token: string): Promise<boolean> {
  const res = await fetch(`${origin}/introspect`, {
    method: 'POST',
    headers: { authorization: CLIENT_AUTH, 'content-type': 'application/x-www-form-urlencoded' },
    body: form({ token }),
  });
  return ((await res.json()) as { active: boolean }).active;
}

/** Loops a request until it fails (the server is gone); `ok` records what was acknowledged. */
async function until(stopped: () => boolean, once: () => Promise<void>): Promise<void> {
  while (!stopped()) {
    try {
      await once();
    } catch {
      return; // the connection died with the process, or the server refused it while closing
    }
  }
}

let seq = 0;

/** Admin writes, client_credentials tokens and every refresh chain advancing, all at once. */
async function traffic(origin: string, stopped: () => boolean): Promise<void> {
  const workers = [
    ...[0, 1].map(() =>
      until(stopped, async () => {
        const clientId = `client-${seq++}`;
        if ((await addBackendClient(origin, TOKEN, clientId)) === 201) acknowledged.clients.push(clientId);
      }),
    ),
    until(stopped, async () => {
      const res = await tokenRequest(origin, { grant_type: 'client_credentials', scope: 'system/*.rs' });
      await res.arrayBuffer();
    }),
    ...acknowledged.chains.map((_, i) =>
      until(stopped, async () => {
        const res = await tokenRequest(origin, {
          grant_type: 'refresh_token',
          refresh_token: acknowledged.chains[i] ?? '',
        });
        if (res.status === 200) {
          acknowledged.chains[i] = ((await res.json()) as { refresh_token: string }).refresh_token;
        } else {
          await res.arrayBuffer();
          if (res.status !== 503) throw new Error(`refresh answered ${res.status}`);
        }
      }),
    ),
  ];
  await Promise.all(workers);
}

/** Everything acknowledged so far is there: every client, and the newest refresh token of every chain. */
async function expectAllAcknowledged(origin: string): Promise<void> {
  const res = await fetch(`${origin}/_sandbox/api/clients`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  const ids = new Set(
    ((await res.json()) as { clients: { clientId: string }[] }).clients.map((c) => c.clientId),
  );
  expect(acknowledged.clients.filter((id) => !ids.has(id))).toEqual([]);
  const inactive: string[] = [];
  for (const token of acknowledged.chains) if (!(await introspect(origin, token))) inactive.push(token);
  expect(inactive).toEqual([]);
}

describe('SIGTERM and SIGINT under load', () => {
  const signals = Array.from({ length: ROUNDS_PER_SIGNAL * 2 }, (_, i) =>
    i % 2 === 0 ? 'SIGTERM' : 'SIGINT',
  ) satisfies NodeJS.Signals[];

  it(
    `exits 0 after persisting, ${signals.length} times, with nothing acknowledged missing after restart`,
    async () => {
      running = await serve();
      for (let i = 0; i < 3; i++) acknowledged.chains.push(await newChain(running.origin));
      const exits: string[] = [];
      for (const signal of signals) {
        const current = running;
        let stopped = false;
        const load = traffic(current.origin, () => stopped);
        // A random moment, once writes are under way.
        await new Promise((resolve) => setTimeout(resolve, 30 + Math.random() * 300));
        const exit = current.stop(signal);
        const code = await exit;
        stopped = true;
        await load;
        exits.push(`${signal} ${String(code)}`);
        expect(code, `${signal} after ${acknowledged.clients.length} writes: ${current.stderr()}`).toBe(0);
        expect(current.stdout()).toContain(`${signal} received, closing`);
        running = await serve();
        await expectAllAcknowledged(running.origin);
      }
      expect(exits).toEqual(signals.map((s) => `${s} 0`));
      expect(await running.stop('SIGTERM')).toBe(0);
    },
    30_000 + signals.length * 8_000,
  );
});
