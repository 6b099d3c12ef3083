import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, type JSONWebKeySet } from 'jose';
import type { KeyList, KeyRotation } from '../../server/admin/shapes.js';
import { adminCall, startCli, type RunningCli } from '../helpers/cli.js';

// Black-box: the real command, as built (test/global-setup.ts rebuilds it before every run).
const TOKEN = 'keys-admin-token';

let dir: string;
let running: RunningCli | undefined;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'token-sandbox-keys-'));
});
afterEach(async () => {
  await running?.stop();
  running = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function serve(): Promise<RunningCli> {
  running = await startCli(['--data-dir', dir, '--admin-token', TOKEN]);
  return running;
}
async function restart(): Promise<RunningCli> {
  await running?.stop();
  return serve();
}
async function call<T>(cli: RunningCli, method: 'GET' | 'POST', route: string, body?: unknown): Promise<T> {
  const res = await adminCall(cli, method, route, body);
  if (res.status < 200 || res.status > 299) throw new Error(`${method} ${route}: ${res.status} ${res.text}`);
  return JSON.parse(res.text) as T;
}
const jwksKids = async (cli: RunningCli) =>
  ((await (await fetch(`${cli.origin}/.well-known/jwks.json`)).json()) as JSONWebKeySet).keys.map(
    (k) => k.kid,
  );

describe('signing keys in the data folder (--data-dir)', () => {
  it('keeps a rotation and a retirement across restarts', async () => {
    let cli = await serve();
    const { added, replaced } = await call<KeyRotation>(cli, 'POST', '/keys/rotate', { graceSeconds: 600 });
    const [oldKid, newKid] = [replaced[0]?.kid, added[0]?.kid];
    const listed = (await call<KeyList>(cli, 'GET', '/keys')).keys;

    cli = await restart();
    expect((await call<KeyList>(cli, 'GET', '/keys')).keys).toEqual(listed);
    expect(await jwksKids(cli)).toEqual([oldKid, newKid]);

    await call(cli, 'POST', `/keys/${String(oldKid)}/retire`);
    cli = await restart();
    expect(await jwksKids(cli)).toEqual([newKid]);
    expect((await call<KeyList>(cli, 'GET', '/keys')).keys.map((k) => k.state)).toEqual([
      'retired',
      'current',
    ]);
  });

  it('loads a keys.json written before rollover (version 1) as it is, and leaves the file untouched', async () => {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: 'legacy-kid' };
    const legacy = `${JSON.stringify({ keys: [{ alg: 'RS256', jwk }] }, null, 2)}\n`;
    await writeFile(path.join(dir, 'keys.json'), legacy, { mode: 0o600 });

    const cli = await serve();
    expect(await jwksKids(cli)).toEqual(['legacy-kid']);
    const [key] = (await call<KeyList>(cli, 'GET', '/keys')).keys;
    expect(key).toEqual({ kid: 'legacy-kid', alg: 'RS256', state: 'current' });
    expect(await readFile(path.join(dir, 'keys.json'), 'utf8')).toBe(legacy);

    // The first rotation writes version 2, the legacy key kept as a published one.
    await call(cli, 'POST', '/keys/rotate', {});
    const stored = JSON.parse(await readFile(path.join(dir, 'keys.json'), 'utf8')) as {
      version: number;
      keys: { jwk: { kid: string }; publishedUntil?: number }[];
    };
    expect(stored.version).toBe(2);
    expect(stored.keys[0]?.jwk.kid).toBe('legacy-kid');
    expect(typeof stored.keys[0]?.publishedUntil).toBe('number');
  });

  it('refuses to start on a keys.json from a newer release, naming the file and the versions it reads', async () => {
    await writeFile(path.join(dir, 'keys.json'), JSON.stringify({ version: 3, keys: [] }), { mode: 0o600 });
    await expect(serve()).rejects.toThrow(
      /keys\.json is keys\.json version 3; this release reads versions 1 and 2/,
    );
    running = undefined;
  });
});
