// Finds the Electron binary from electron's own files (path.txt and dist/), never by require('electron'):
// from electron 42 on, that require tries to download the binary from GitHub on the spot.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

function electronPackageDir() {
  try {
    return path.dirname(require.resolve('electron/package.json'));
  } catch {
    return undefined;
  }
}

/**
 * @param {{ dir?: string | undefined, env?: NodeJS.ProcessEnv, platform?: NodeJS.Platform }} [where]
 * @returns {import('./electron-bin.d.mts').ElectronLookup}
 */
export function findElectron(where = {}) {
  const dir = 'dir' in where ? where.dir : electronPackageDir();
  const env = where.env ?? process.env;
  const platform = where.platform ?? process.platform;
  if (dir === undefined) return { ok: false, reason: 'the electron npm package is not installed' };
  const pathTxt = path.join(dir, 'path.txt');
  const relative = existsSync(pathTxt) ? readFileSync(pathTxt, 'utf8').trim() : undefined;
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  const distRoot = override !== undefined && override !== '' ? override : path.join(dir, 'dist');
  if (relative === undefined && distRoot === path.join(dir, 'dist')) {
    return { ok: false, dir, reason: `${pathTxt} is missing: the Electron binary was never downloaded` };
  }
  const bin = path.join(distRoot, relative ?? (platform === 'win32' ? 'electron.exe' : 'electron'));
  if (!existsSync(bin)) return { ok: false, dir, reason: `${bin} does not exist` };
  return { ok: true, dir, bin };
}
