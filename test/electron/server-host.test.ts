import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { get as httpsGet } from 'node:https';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import {
  PortInUseError,
  desktopSettingsFile,
  findFreePort,
  readDesktopSettings,
  startServerHost,
  type ServerHost,
} from '../../electron/server-host.js';
import { parseDesktopArgs, startWithPortChoice } from '../../electron/startup.js';
import { writeJsonFile } from '../../server/persistence/json-file.js';

let dataDir: string;
const hosts: ServerHost[] = [];
const blockers: Server[] = [];

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'token-sandbox-desktop-'));
});

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
  await Promise.all(blockers.splice(0).map((b) => new Promise((resolve) => b.close(resolve))));
  await rm(dataDir, { recursive: true, force: true });
});

/**
 * The data folder as a previous start left it: keys.json holding the run's RSA key (test/global-setup.ts). A
 * start in an empty folder generates one first (50 to 300 ms), which only the tests of the key itself need.
 */
async function keyKept(): Promise<void> {
  await writeJsonFile(path.join(dataDir, 'keys.json'), inject('signingKeys'));
}

async function occupyPort(): Promise<number> {
  const blocker = createServer();
  blockers.push(blocker);
  await new Promise<void>((resolve) => blocker.listen({ port: 0, host: '127.0.0.1' }, resolve));
  const address = blocker.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return address.port;
}

async function portIsFree(port: number): Promise<boolean> {
  const probe = createServer();
  return new Promise((resolve) => {
    probe.once('error', () => {
      resolve(false);
    });
    probe.listen({ port, host: '127.0.0.1' }, () => {
      probe.close(() => {
        resolve(true);
      });
    });
  });
}

describe('server host: start and stop', () => {
  it('serves the sandbox on 127.0.0.1 with its state in the data folder (docs/cli.md#options)', async () => {
    const host = await startServerHost({ dataDir, port: 0 });
    hosts.push(host);
    const address = host.app.server.address();
    expect(typeof address === 'object' && address?.address).toBe('127.0.0.1');
    expect(host.origin).toBe(`http://127.0.0.1:${host.port}`);
    expect(host.port).toBeGreaterThan(0);
    expect(host.adminToken).toMatch(/^[\w-]{20,}$/);

    const response = await fetch(`${host.origin}/.well-known/smart-configuration`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as { token_endpoint: string };
    expect(doc.token_endpoint).toBe(`${host.origin}/token`);
    expect(existsSync(path.join(dataDir, 'keys.json'))).toBe(true);
  });

  it('stops listening on close, and a second close is harmless', async () => {
    await keyKept();
    const host = await startServerHost({ dataDir, port: 0 });
    await host.close();
    await host.close();
    await expect(fetch(`${host.origin}/`)).rejects.toThrow();
    expect(await portIsFree(host.port)).toBe(true);
  });

  it('keeps the signing key across restarts in the same data folder', async () => {
    const first = await startServerHost({ dataDir, port: 0 });
    const jwks1: unknown = await (await fetch(`${first.origin}/.well-known/jwks.json`)).json();
    await first.close();
    const second = await startServerHost({ dataDir, port: 0 });
    hosts.push(second);
    const jwks2: unknown = await (await fetch(`${second.origin}/.well-known/jwks.json`)).json();
    expect(jwks2).toStrictEqual(jwks1);
  });

  it('exports the running config document, clients added since start-up included', async () => {
    await keyKept();
    const host = await startServerHost({ dataDir, port: 0 });
    hosts.push(host);
    const added = await fetch(`${host.origin}/_sandbox/api/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${host.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: 'added-later', redirectUris: ['http://127.0.0.1:5555/cb'] }),
    });
    expect(added.status).toBe(201);
    const exported = (await host.exportConfig()) as { clients: { clientId: string }[] };
    expect(exported.clients.map((c) => c.clientId)).toContain('added-later');
  });

  it('writes "Export Config…" readable by its owner only (0600), even over a file that was world-readable', async () => {
    await keyKept();
    const host = await startServerHost({ dataDir, port: 0 });
    hosts.push(host);
    const file = path.join(dataDir, 'exported.json');
    await writeFile(file, 'old', { mode: 0o644 });
    await host.exportConfigTo(file);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(await host.exportConfig());
  });
});

describe('server host: port conflict (README.md#desktop-app)', () => {
  it('says which port is taken and offers one that is free', async () => {
    await keyKept();
    const busy = await occupyPort();
    const error = await startServerHost({ dataDir, port: busy }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(PortInUseError);
    const conflict = error as PortInUseError;
    expect(conflict.port).toBe(busy);
    expect(conflict.message).toBe(
      `Port ${busy} on 127.0.0.1 is already in use (another Token Sandbox, or another program).`,
    );
    expect(conflict.freePort).not.toBe(busy);
    expect(await portIsFree(conflict.freePort)).toBe(true);
  });

  it('uses the offered port when the user accepts, and remembers it', async () => {
    await keyKept();
    const busy = await occupyPort();
    await writeFile(desktopSettingsFile(dataDir), JSON.stringify({ port: busy }));
    const ask = vi.fn(async (_conflict: PortInUseError) => true);
    const host = await startWithPortChoice({ dataDir, askToUseFreePort: ask });
    if (host === undefined) throw new Error('expected a running host');
    hosts.push(host);
    expect(ask).toHaveBeenCalledOnce();
    expect(ask.mock.calls[0]?.[0].port).toBe(busy);
    expect(host.port).toBe(ask.mock.calls[0]?.[0].freePort);
    expect((await fetch(`${host.origin}/.well-known/openid-configuration`)).status).toBe(200);
    expect(JSON.parse(await readFile(desktopSettingsFile(dataDir), 'utf8'))).toStrictEqual({
      port: host.port,
      https: false,
    });
  });

  it('starts nothing when the user declines', async () => {
    await keyKept();
    const busy = await occupyPort();
    const ask = vi.fn(async () => false);
    const host = await startWithPortChoice({ dataDir, portOverride: busy, askToUseFreePort: ask });
    expect(host).toBeUndefined();
    expect(ask).toHaveBeenCalledOnce();
  });

  it('does not save a port given on the command line', async () => {
    await keyKept();
    const port = await findFreePort();
    const host = await startWithPortChoice({
      dataDir,
      portOverride: port,
      askToUseFreePort: async () => false,
    });
    if (host === undefined) throw new Error('expected a running host');
    hosts.push(host);
    expect(host.port).toBe(port);
    expect(existsSync(desktopSettingsFile(dataDir))).toBe(false);
  });
});

describe('desktop settings', () => {
  it('default to port 9710', async () => {
    expect(await readDesktopSettings(dataDir)).toStrictEqual({ port: 9710, https: false });
  });

  it.each([
    ['damaged JSON', '{"port": 80'],
    ['a port out of range', '{"port": 70000}'],
    ['a port that is text', '{"port": "8080"}'],
  ])('fall back to the defaults on %s', async (_name, text) => {
    await writeFile(desktopSettingsFile(dataDir), text);
    expect(await readDesktopSettings(dataDir)).toStrictEqual({ port: 9710, https: false });
  });
});

describe('https (Settings → Serve over HTTPS)', () => {
  it('remembers the preference, and reads anything but a boolean as off', async () => {
    await writeFile(desktopSettingsFile(dataDir), '{"port": 9710, "https": true}');
    expect(await readDesktopSettings(dataDir)).toStrictEqual({ port: 9710, https: true });
    await writeFile(desktopSettingsFile(dataDir), '{"port": 9710, "https": "yes"}');
    expect(await readDesktopSettings(dataDir)).toStrictEqual({ port: 9710, https: false });
  });

  it('starts the server on https with the local CA in the data folder when the settings ask for it', async () => {
    await keyKept();
    await writeFile(desktopSettingsFile(dataDir), JSON.stringify({ port: 0, https: true }));
    const host = await startWithPortChoice({ dataDir, askToUseFreePort: async () => false });
    if (host === undefined) throw new Error('expected a running host');
    hosts.push(host);
    expect(host.origin).toBe(`https://127.0.0.1:${host.port}`);
    expect(host.tls?.caFile).toBe(path.join(dataDir, 'https', 'ca.pem'));
    const ca = await readFile(path.join(dataDir, 'https', 'ca.pem'), 'utf8');
    const discovery = await new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
      httpsGet(`${host.origin}/.well-known/smart-configuration`, { ca }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      }).on('error', reject);
    });
    expect(discovery.status).toBe(200);
    expect(JSON.parse(discovery.body)).toMatchObject({ token_endpoint: `${host.origin}/token` });
  });
});

describe('desktop command-line flags', () => {
  it('reads --port and --user-data-dir in both spellings, ignoring Chromium switches', () => {
    expect(parseDesktopArgs(['.', '--port', '0', '--no-sandbox', '--user-data-dir=/tmp/x'])).toStrictEqual({
      port: 0,
      userDataDir: '/tmp/x',
    });
    expect(parseDesktopArgs(['--port=8080'])).toStrictEqual({ port: 8080 });
  });

  it('ignores a port that is not one', () => {
    expect(parseDesktopArgs(['--port', 'abc'])).toStrictEqual({});
    expect(parseDesktopArgs(['--port', '65536'])).toStrictEqual({});
    expect(parseDesktopArgs(['--port'])).toStrictEqual({});
  });
});
