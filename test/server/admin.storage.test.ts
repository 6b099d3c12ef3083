import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { admin, startSandbox, type TestSandbox } from '../helpers/sandbox.js';

const open: TestSandbox[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const t of open.splice(0)) await t.app.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('GET /storage: where this server keeps its state (Settings, "Where the data lives")', () => {
  it('names the absolute data folder given with --data-dir', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'token-sandbox-storage-'));
    dirs.push(dir);
    const t = await startSandbox({}, { dataDir: path.relative(process.cwd(), dir) });
    open.push(t);
    const res = await admin(t.app, 'GET', '/storage');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ dataDir: dir });
  });

  it('answers null when state lives in memory only', async () => {
    const t = await startSandbox();
    open.push(t);
    expect((await admin(t.app, 'GET', '/storage')).json()).toEqual({ dataDir: null });
  });

  it('is behind the admin token like every admin route', async () => {
    const t = await startSandbox();
    open.push(t);
    const res = await admin(t.app, 'GET', '/storage', undefined, { authorization: undefined });
    expect(res.statusCode).toBe(401);
  });

  it('stays out of the exported config, so an export imports again unchanged', async () => {
    const t = await startSandbox();
    open.push(t);
    const exported = (await admin(t.app, 'GET', '/config')).json<Record<string, unknown>>();
    expect(exported).not.toHaveProperty('dataDir');
    expect((await admin(t.app, 'PUT', '/config', exported)).statusCode).toBe(200);
  });
});
