import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKBENCH_CSP } from '../../server/routes/workbench.js';
import { startSandbox } from '../helpers/sandbox.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'workbench-'));
  await mkdir(path.join(dir, 'assets'));
  await writeFile(
    path.join(dir, 'index.html'),
    '<!doctype html><title>Token Sandbox</title><div id="root"></div>',
  );
  await writeFile(path.join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the workbench UI at / (docs/cli.md#output, docs/endpoints.md#sandbox-pages)', () => {
  it('serves the built page with a strict CSP, no framing, no referrer and no caching of the page', async () => {
    const { app } = await startSandbox({}, { workbenchDir: dir });
    const res = await app.inject({ url: '/', headers: { host: '127.0.0.1:9710' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toBe(WORKBENCH_CSP);
    expect(WORKBENCH_CSP).toContain("script-src 'self'");
    expect(WORKBENCH_CSP).not.toContain('unsafe-inline');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.body).toContain('<div id="root">');
    await app.close();
  });

  it('lets hashed assets be cached for good, and keeps the server’s 404 for unknown paths', async () => {
    const { app } = await startSandbox({}, { workbenchDir: dir });
    const asset = await app.inject({ url: '/assets/index-abc123.js', headers: { host: '127.0.0.1:9710' } });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const missing = await app.inject({
      url: '/assets/../../etc/passwd',
      headers: { host: '127.0.0.1:9710' },
    });
    expect(missing.statusCode).toBe(404);
    await app.close();
  });

  it('serves assets a rebuild wrote after start-up, so a running sandbox does not go blank', async () => {
    // `npm start` left running while `npm test` or `npm run build` rebuilds: the fresh index.html names new
    // hashed assets, which used to answer 404 (one route per file found at start-up) and left a blank page.
    const { app } = await startSandbox({}, { workbenchDir: dir });
    await writeFile(path.join(dir, 'assets', 'index-def456.js'), 'console.log(2)');
    const rebuilt = await app.inject({ url: '/assets/index-def456.js', headers: { host: '127.0.0.1:9710' } });
    expect(rebuilt.statusCode).toBe(200);
    expect(rebuilt.body).toBe('console.log(2)');
    expect(rebuilt.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(rebuilt.headers['content-security-policy']).toBe(WORKBENCH_CSP);
    for (const url of ['/assets/gone.js', '/assets/..%2f..%2fetc%2fpasswd', '/assets/.hidden']) {
      expect((await app.inject({ url, headers: { host: '127.0.0.1:9710' } })).statusCode).toBe(404);
    }
    expect(
      (await app.inject({ url: '/assets/index-def456.js', headers: { host: 'evil.example' } })).statusCode,
    ).toBe(403);
    await app.close();
  });

  it('refuses a foreign Host (DNS rebinding) with 403, as the admin API does', async () => {
    const { app } = await startSandbox({}, { workbenchDir: dir });
    const res = await app.inject({ url: '/', headers: { host: 'evil.example:9710' } });
    expect(res.statusCode).toBe(403);
    expect(res.body).not.toContain('id="root"');
    await app.close();
  });

  it('without a build, shows the endpoints page and says how to build the UI', async () => {
    const { app } = await startSandbox({}, { workbenchDir: false });
    const res = await app.inject({ url: '/', headers: { host: '127.0.0.1:9710' } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('run npm run build');
    expect(res.body).toContain('<title>Endpoints · Token Sandbox</title>');
    expect(res.body).toContain('/.well-known/smart-configuration');
    await app.close();
  });
});
