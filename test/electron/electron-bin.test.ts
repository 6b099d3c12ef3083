import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findElectron } from '../../scripts/electron-bin.mjs';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'token-sandbox-electron-pkg-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("finding the Electron binary (from electron's own files, never require)", () => {
  it('says the package is missing', () => {
    expect(findElectron({ dir: undefined })).toStrictEqual({
      ok: false,
      reason: 'the electron npm package is not installed',
    });
  });

  it('says the binary was never downloaded when path.txt is missing', () => {
    expect(findElectron({ dir, env: {} })).toStrictEqual({
      ok: false,
      dir,
      reason: `${path.join(dir, 'path.txt')} is missing: the Electron binary was never downloaded`,
    });
  });

  it('says so when path.txt names a binary that is not there', async () => {
    await writeFile(path.join(dir, 'path.txt'), 'electron');
    expect(findElectron({ dir, env: {} })).toStrictEqual({
      ok: false,
      dir,
      reason: `${path.join(dir, 'dist', 'electron')} does not exist`,
    });
  });

  it('finds the binary that path.txt names under dist/', async () => {
    await writeFile(path.join(dir, 'path.txt'), 'electron\n');
    await mkdir(path.join(dir, 'dist'));
    await writeFile(path.join(dir, 'dist', 'electron'), '');
    expect(findElectron({ dir, env: {} })).toStrictEqual({
      ok: true,
      dir,
      bin: path.join(dir, 'dist', 'electron'),
    });
  });

  it('honours ELECTRON_OVERRIDE_DIST_PATH, as electron itself does', async () => {
    const dist = path.join(dir, 'elsewhere');
    await mkdir(dist);
    await writeFile(path.join(dist, 'electron.exe'), '');
    expect(
      findElectron({ dir, env: { ELECTRON_OVERRIDE_DIST_PATH: dist }, platform: 'win32' }),
    ).toStrictEqual({
      ok: true,
      dir,
      bin: path.join(dist, 'electron.exe'),
    });
  });

  it('reports this machine honestly', () => {
    const found = findElectron();
    // Whatever the machine has, a "yes" must come with a binary path and a "no" with a reason.
    expect(found.ok ? found.bin : found.reason).toMatch(/\S/);
  });
});
