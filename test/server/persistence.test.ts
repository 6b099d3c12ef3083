import {
  chmod,
  chown,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  realpath,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../server/app.js';
import { ManualClock } from '../../server/clock.js';
import type { ClientConfig, SandboxConfig } from '../../server/config/schema.js';
import { StateFileError } from '../../server/persistence/json-file.js';
import {
  ADMIN_TOKEN,
  ORIGIN,
  admin,
  basic,
  confidentialClient,
  fullCodeFlow,
  postForm,
  stateFileHolding,
} from '../helpers/sandbox.js';

let dir: string;
const clock = new ManualClock(Date.now());
const open: FastifyInstance[] = [];

/**
 * A first start in an empty folder takes the run's RSA key (test/global-setup.ts) instead of generating one,
 * 50 to 300 ms each, and saves it to keys.json as it would a generated one; a restart is given no key, so
 * what it signs and verifies with comes from keys.json alone.
 */
async function start(config: SandboxConfig = { clients: [confidentialClient] }): Promise<FastifyInstance> {
  const firstStart = !existsSync(path.join(dir, 'keys.json'));
  const app = await buildServer({
    config,
    dataDir: dir,
    clock,
    origin: ORIGIN,
    adminToken: ADMIN_TOKEN,
    ...(firstStart ? { signingKeys: inject('signingKeys') } : {}),
  });
  open.push(app);
  return app;
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'token-sandbox-state-'));
});
afterEach(async () => {
  for (const app of open.splice(0)) await app.close();
  await rm(dir, { recursive: true, force: true });
});

const backend: ClientConfig = {
  clientId: 'backend',
  clientSecret: 'b4ck',
  grantTypes: ['client_credentials'],
  scope: 'system/*.rs',
};

describe('durable state in --data-dir', () => {
  it('keeps clients added through the admin API across a restart', async () => {
    const first = await start({});
    expect((await admin(first, 'POST', '/clients', backend)).statusCode).toBe(201);
    await first.close();
    const second = await start({});
    expect((await admin(second, 'GET', '/clients/backend')).json()).toEqual(backend);
  });

  it('acknowledges an admin write only once it is in the state file', async () => {
    const app = await start({});
    await admin(app, 'POST', '/clients', backend);
    const doc = JSON.parse(await readFile(path.join(dir, 'state.json'), 'utf8')) as {
      config: { clients: { clientId: string }[] };
    };
    expect(doc.config.clients.map((c) => c.clientId)).toEqual(['backend']);
  });

  it("keeps an app's tokens valid: refresh, introspection and revocation survive a restart", async () => {
    const first = await start();
    const tokens = await fullCodeFlow(first);
    const second = await fullCodeFlow(first);
    await postForm(
      first,
      '/revoke',
      { token: String(second['access_token']) },
      { authorization: basic('conf-app', 's3cret') },
    );
    await first.close();
    const app = await start();
    const introspect = (token: unknown) =>
      postForm(app, '/introspect', { token: String(token) }, { authorization: basic('conf-app', 's3cret') });
    expect((await introspect(tokens['access_token'])).json()).toMatchObject({ active: true });
    expect((await introspect(second['access_token'])).json()).toEqual({ active: false });
    const refreshed = await postForm(
      app,
      '/token',
      { grant_type: 'refresh_token', refresh_token: String(tokens['refresh_token']) },
      { authorization: basic('conf-app', 's3cret') },
    );
    expect(refreshed.statusCode, refreshed.body).toBe(200);
  });

  it('lists the restored codes and tokens in the grants view after a restart', async () => {
    const first = await start();
    await fullCodeFlow(first);
    await first.close();
    const app = await start();
    const grants = (await admin(app, 'GET', '/grants')).json<{ grants: { kind: string; state: string }[] }>();
    expect(grants.grants.map((g) => `${g.kind} ${g.state}`).sort()).toEqual([
      'access_token active',
      'code consumed',
      'refresh_token active',
    ]);
  });

  it('keeps settings imported with PUT /config, and failure presets, but not armed failures', async () => {
    const first = await start({});
    await admin(first, 'PUT', '/config', { clients: [backend], tokens: { accessTokenLifetime: 90 } });
    await admin(first, 'PUT', '/failures/presets/flaky', {
      failures: [{ id: 'token.server_error', times: 2 }],
    });
    await admin(first, 'POST', '/failures', { id: 'token.invalid_grant' });
    await first.close();
    const app = await start({});
    expect((await admin(app, 'GET', '/config')).json()).toEqual({
      clients: [backend],
      tokens: { accessTokenLifetime: 90 },
    });
    expect((await admin(app, 'GET', '/failures/presets')).json()).toEqual({
      presets: { flaky: [{ id: 'token.server_error', times: 2 }] },
    });
    expect((await admin(app, 'GET', '/failures')).json<{ armed: unknown[] }>().armed).toEqual([]);
    const armed = await admin(app, 'POST', '/failures/presets/flaky/arm');
    expect(armed.json()).toMatchObject({ armed: [{ id: 'token.server_error', remaining: 2 }] });
  });

  it('never reads a file the command was not given: fhir.load is refused on import and never kept', async () => {
    const first = await start({});
    const imported = await admin(first, 'PUT', '/config', { fhir: { load: ['/etc/passwd'] } });
    expect(imported.statusCode).toBe(400);
    expect(imported.json()).toMatchObject({ field: 'fhir.load' });
    expect(imported.json<{ message: string }>().message).toMatch(/--config/);
    await first.close();
    // A state file that names files (hand-edited, or from an earlier release) loads without reading them.
    const state = JSON.parse(await readFile(path.join(dir, 'state.json'), 'utf8')) as Record<string, unknown>;
    const config = state['config'] as Record<string, unknown>;
    await writeFile(
      path.join(dir, 'state.json'),
      JSON.stringify({ ...state, config: { ...config, fhir: { load: ['/etc/passwd'] } } }),
    );
    const app = await start({});
    expect((await admin(app, 'GET', '/config')).json()).not.toHaveProperty('fhir.load');
  });

  it('lays the config file over the stored state: its clients replace stored ones of the same id', async () => {
    const first = await start({});
    await admin(first, 'POST', '/clients', backend);
    await admin(first, 'POST', '/clients', { ...backend, clientId: 'other' });
    await first.close();
    const app = await start({ clients: [{ ...backend, clientSecret: 'from-file' }] });
    const clients = (await admin(app, 'GET', '/clients')).json<{
      clients: { clientId: string; clientSecret: string }[];
    }>();
    expect(clients.clients.map((c) => `${c.clientId}:${c.clientSecret}`)).toEqual([
      'backend:from-file',
      'other:b4ck',
    ]);
  });

  it('stops with a clear error on a corrupt state file and leaves it untouched', async () => {
    const file = path.join(dir, 'state.json');
    await writeFile(file, '{"version": 1, "config": {"clients": [');
    await expect(start()).rejects.toThrow(StateFileError);
    await expect(start()).rejects.toThrow(/state\.json is not valid JSON .* left untouched/);
    expect(await readFile(file, 'utf8')).toBe('{"version": 1, "config": {"clients": [');
  });

  it('refuses a state file of the wrong shape, naming what is wrong', async () => {
    const file = path.join(dir, 'state.json');
    const doc = stateFileHolding({ clients: [{ clientId: 'x', grantTypes: ['password'] }] });
    await writeFile(file, JSON.stringify(doc));
    await expect(start()).rejects.toThrow(/invalid config .*clients\[0\]\.grantTypes\[0\]/);
    await writeFile(file, JSON.stringify({ ...doc, config: {}, artefacts: { codes: 'x' } }));
    await expect(start()).rejects.toThrow(/issued grants in an unexpected shape/);
    await writeFile(file, JSON.stringify({ version: 7 }));
    await expect(start()).rejects.toThrow(/not a version 1/);
  });

  it('refuses, naming the entry, issued grants that lack a field the server reads', async () => {
    const file = path.join(dir, 'state.json');
    const app = await start();
    await fullCodeFlow(app);
    await app.close();
    const good = JSON.parse(await readFile(file, 'utf8')) as {
      artefacts: Record<string, Record<string, unknown>[]>;
    };
    const spoiled = (list: string, field: string, value: unknown) => {
      const doc = structuredClone(good);
      const entry = doc.artefacts[list]?.[0];
      if (entry === undefined) throw new Error(`no ${list} in the state file`);
      entry[field] = value;
      return JSON.stringify(doc);
    };
    for (const [list, field, value] of [
      ['grants', 'accessTokens', 5],
      ['grants', 'refreshTokens', 7],
      ['grants', 'scope', 'openid'],
      ['codes', 'scope', 'openid'],
      ['codes', 'context', null],
      ['refreshTokens', 'state', 'alive'],
      ['refreshTokens', 'scope', undefined],
    ] as const) {
      await writeFile(file, spoiled(list, field, value));
      await expect(start(), `${list}.${field}`).rejects.toThrow(
        new RegExp(`unexpected shape \\(${list}\\[0\\]\\.${field} is`),
      );
    }
    await writeFile(file, JSON.stringify(good));
    await start();
  });

  it('refuses a data folder given as a symbolic link, saying so and naming its target', async () => {
    const real = path.join(dir, 'real');
    const link = path.join(dir, 'link');
    await mkdir(real, { mode: 0o700 });
    await symlink(real, link);
    await expect(
      buildServer({ config: {}, dataDir: link, clock, origin: ORIGIN, adminToken: ADMIN_TOKEN }),
    ).rejects.toThrow(
      `link is a symbolic link to ${await realpath(real)}, which is not followed; pass the folder itself`,
    );
    expect(await readdir(real)).toEqual([]);
  });

  it('refuses a file given as the data folder, or a folder below a file, with a message and no crash', async () => {
    const file = path.join(dir, 'a-file');
    await writeFile(file, 'not a folder');
    const startIn = (dataDir: string) =>
      buildServer({ config: {}, dataDir, clock, origin: ORIGIN, adminToken: ADMIN_TOKEN });
    await expect(startIn(file)).rejects.toThrow(new StateFileError(file, 'is not a folder'));
    await expect(startIn(path.join(file, 'below'))).rejects.toBeInstanceOf(StateFileError);
    expect(await readFile(file, 'utf8')).toBe('not a folder');
  });

  it('removes temporary files a killed writer left behind', async () => {
    await writeFile(path.join(dir, 'state.json.123456'), '{"half":');
    await start();
    expect((await readdir(dir)).sort()).toEqual(['keys.json', 'state.json']);
  });
});

describe('data folder permissions (as ssh checks ~/.ssh)', () => {
  it('creates a new data folder, and the folders above it, readable by the owner only (0700)', async () => {
    const nested = path.join(dir, 'a', 'b');
    await buildServer({ dataDir: nested, signingKeys: inject('signingKeys') }).then((app) => open.push(app));
    expect((await stat(path.join(dir, 'a'))).mode & 0o777).toBe(0o700);
    expect((await stat(nested)).mode & 0o777).toBe(0o700);
  });

  it('refuses a data folder other users can write, saying how to fix it', async () => {
    await chmod(dir, 0o777);
    await expect(start()).rejects.toThrow(StateFileError);
    await expect(start()).rejects.toThrow(
      `${dir} is writable by other users (mode 0777), so anyone could replace its signing keys; run "chmod go-w ${dir}"`,
    );
  });

  it.runIf(process.getuid?.() === 0)('refuses a data folder that belongs to another user', async () => {
    await chown(dir, 65534, 65534);
    await expect(start()).rejects.toThrow(`${dir} belongs to another user (uid 65534)`);
  });

  it('refuses signing keys other users can read, and a state file they can write', async () => {
    const first = await start({});
    await first.close();
    const keys = path.join(dir, 'keys.json');
    await chmod(keys, 0o644);
    await expect(start()).rejects.toThrow(
      `${keys} is readable or writable by other users (mode 0644); run "chmod 600 ${keys}"`,
    );
    await chmod(keys, 0o600);
    await chmod(path.join(dir, 'state.json'), 0o666);
    await expect(start()).rejects.toThrow(/state\.json is writable by other users \(mode 0666\)/);
  });
});
