// Bundles the preload into one self-contained CommonJS file. Electron's sandboxed preloads can require
// 'electron' (and a few Node built-ins) but no local file and no ES module, so the channel names it imports
// must be inlined: tsc alone cannot do that, esbuild does it in milliseconds.
// Usage: node scripts/build-preload.mjs [--outfile FILE]   (default dist/electron/preload.cjs)
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const flag = process.argv.indexOf('--outfile');
const outfile = flag === -1 ? 'dist/electron/preload.cjs' : process.argv[flag + 1];

await build({
  absWorkingDir: root,
  entryPoints: ['electron/preload.ts'],
  outfile,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node22',
  external: ['electron'],
  sourcemap: false,
  logLevel: 'warning',
});
