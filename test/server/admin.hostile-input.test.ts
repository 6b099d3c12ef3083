import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { admin, clientCredentials, startSandbox, type TestSandbox } from '../helpers/sandbox.js';

/** `{"a":{"a":…{}}}`, `levels` deep, written by hand: JSON.stringify itself overflows at these depths. */
function nested(levels: number): string {
  return `${'{"a":'.repeat(levels)}{}${'}'.repeat(levels)}`;
}

function deepJwksClient(levels: number): string {
  return `{"clientId":"deep","tokenEndpointAuthMethod":"private_key_jwt","grantTypes":["client_credentials"],"scope":"system/*.rs","jwks":{"keys":[{"kty":"RSA","n":"x","e":"AQAB","ext":${nested(levels)}}]}}`;
}

let dir: string;
let t: TestSandbox;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'token-sandbox-hostile-'));
  t = await startSandbox({}, { dataDir: dir });
});
afterEach(async () => {
  await t.app.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a deeply nested jwks or fhirContext is refused before anything changes', () => {
  it('POST /clients with a 5,000-level jwks answers 400 naming the key, and the admin API and saving keep working', async () => {
    const res = await admin(t.app, 'POST', '/clients', deepJwksClient(5000));
    expect(res.statusCode).toBe(400);
    expect(res.json<{ field: string }>().field).toBe('jwks.keys[0].ext');

    const list = await admin(t.app, 'GET', '/clients');
    expect(list.statusCode).toBe(200);
    expect(list.json<{ clients: { clientId: string }[] }>().clients.map((c) => c.clientId)).not.toContain(
      'deep',
    );
    expect((await admin(t.app, 'GET', '/config')).statusCode).toBe(200);

    // Saving still works: a client added afterwards is in the state file.
    expect((await clientCredentials(t.app)).statusCode).toBe(200);
    const added = await admin(t.app, 'POST', '/clients', {
      clientId: 'after',
      clientSecret: 'x',
      grantTypes: ['client_credentials'],
    });
    expect(added.statusCode).toBe(201);
    const state = JSON.parse(await readFile(path.join(dir, 'state.json'), 'utf8')) as {
      config: { clients: { clientId: string }[] };
    };
    expect(state.config.clients.map((c) => c.clientId)).toContain('after');
  });

  it('a JWK with an unknown nested member is refused; its known members are typed (RFC 7517 §4)', async () => {
    const res = await admin(t.app, 'POST', '/clients', {
      clientId: 'bad-key',
      tokenEndpointAuthMethod: 'private_key_jwt',
      grantTypes: ['client_credentials'],
      jwks: { keys: [{ kty: 'RSA', n: { deep: true }, e: 'AQAB' }] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ field: string }>().field).toBe('jwks.keys[0].n');
  });

  it('PUT /config with a 5,000-level launch.fhirContext answers 400 and keeps the config', async () => {
    const body = `{"launch":{"fhirContext":[{"reference":"Patient/1","identifier":${nested(5000)}}]}}`;
    const res = await admin(t.app, 'PUT', '/config', body);
    expect(res.statusCode).toBe(400);
    expect(res.json<{ field: string }>().field).toMatch(/^launch\.fhirContext\[0\]\.identifier/);
    const config = await admin(t.app, 'GET', '/config');
    expect(config.statusCode).toBe(200);
    expect(config.json<{ clients: unknown[] }>().clients).toHaveLength(3);
  });

  it('POST /launches refuses fhirContext members SMART does not define', async () => {
    const res = await admin(t.app, 'POST', '/launches', {
      clientId: 'conf-app',
      fhirContext: [{ reference: 'Patient/1', nested: { a: { b: {} } } }],
    });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ field: string }>().field).toBe('fhirContext[0].nested');
  });
});

describe('an admin write that cannot be saved changes nothing', () => {
  it('POST /clients answers 500 saying why, logs it, and the client is not registered', async () => {
    // A folder where the state file should be: every save fails.
    await rm(path.join(dir, 'state.json'));
    await mkdir(path.join(dir, 'state.json'));
    // The test sandbox has no logger, like the CLI: the error must still reach standard error.
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    let res;
    try {
      res = await admin(t.app, 'POST', '/clients', {
        clientId: 'unsaved',
        clientSecret: 'x',
        grantTypes: ['client_credentials'],
      });
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toMatch(
        /unexpected error in the admin API \(POST \/_sandbox\/api\/clients\).*EISDIR/,
      );
    } finally {
      stderr.mockRestore();
    }
    expect(res.statusCode).toBe(500);
    expect(res.json<{ message: string }>().message).toMatch(/EISDIR.*nothing was changed/);
    expect((await admin(t.app, 'GET', '/clients/unsaved')).statusCode).toBe(404);
    await rm(path.join(dir, 'state.json'), { recursive: true });
  });

  it('DELETE /clients/:id that cannot be saved leaves the client registered', async () => {
    await rm(path.join(dir, 'state.json'));
    await mkdir(path.join(dir, 'state.json'));
    expect((await admin(t.app, 'DELETE', '/clients/conf-app')).statusCode).toBe(500);
    expect((await admin(t.app, 'GET', '/clients/conf-app')).statusCode).toBe(200);
    await rm(path.join(dir, 'state.json'), { recursive: true });
  });
});
