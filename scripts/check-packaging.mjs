// CI check of electron-builder.yml as far as an offline machine allows: an unpacked Linux build (`--dir`)
// against a stand-in Electron distribution (real builds download Electron from GitHub), then asserts what
// the package holds: the app's entry points, its production dependencies and no devDependency, and the
// fuses the afterPack hook flipped. Installers (AppImage, deb, dmg, nsis) need the network: `npm run dist`.
// Usage: npm run check:packaging   (builds first)
import { Buffer } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const asar = require('@electron/asar');
const { getCurrentFuseWire, FuseV1Options } = require('@electron/fuses');
const { FUSES } = require('./after-pack.cjs');

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const failures = [];
const check = (ok, what) => {
  if (!ok) failures.push(what);
};

const work = mkdtempSync(path.join(tmpdir(), 'token-sandbox-packaging-'));
try {
  // The stand-in: a script that refuses to run, carrying a fuse wire (sentinel, version 1, 8 fuses in
  // Electron's default states) so the afterPack hook flips fuses exactly as in a real binary.
  const electronDist = path.join(work, 'electron-dist');
  const output = path.join(work, 'release');
  const standIn = path.join(electronDist, 'electron');
  spawnSync('mkdir', ['-p', electronDist]);
  writeFileSync(
    standIn,
    Buffer.concat([
      Buffer.from(
        '#!/bin/sh\necho "stand-in Electron used to check packaging; it cannot run" >&2\nexit 1\n# ',
      ),
      Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX', 'ascii'),
      Buffer.from([1, 8]),
      Buffer.from('10110001', 'ascii'),
      Buffer.from('\n'),
    ]),
  );
  chmodSync(standIn, 0o755);

  const started = Date.now();
  const build = spawnSync(
    process.execPath,
    [
      require.resolve('electron-builder/cli.js'),
      '--linux',
      'dir',
      '--config',
      'electron-builder.yml',
      `-c.electronDist=${electronDist}`,
      `-c.directories.output=${output}`,
    ],
    { cwd: root, encoding: 'utf8', env: { ...process.env, CI: 'true' }, timeout: 600_000 },
  );
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (build.status !== 0) {
    process.stderr.write(`${build.stdout}\n${build.stderr}\n`);
    console.error(
      `check-packaging: electron-builder --linux dir failed (exit ${build.status}) after ${seconds}s`,
    );
    process.exit(1);
  }

  const appOut = path.join(output, 'linux-unpacked');
  const asarFile = path.join(appOut, 'resources', 'app.asar');
  check(existsSync(path.join(appOut, 'token-sandbox')), 'the executable token-sandbox');
  check(existsSync(asarFile), 'resources/app.asar');
  if (existsSync(asarFile)) {
    const entries = new Set(
      asar.listPackage(asarFile, { isPack: false }).map((e) => e.split(path.sep).join('/')),
    );
    const packaged = JSON.parse(asar.extractFile(asarFile, 'package.json').toString('utf8'));
    for (const required of [
      '/package.json',
      `/${packaged.main}`,
      '/dist/electron/preload.cjs',
      '/dist/server/app.js',
      '/dist/server/cli.js',
      '/dist/renderer/index.html',
    ]) {
      check(entries.has(required), `app.asar holds ${required}`);
    }
    for (const dep of Object.keys(pkg.dependencies ?? {})) {
      check(entries.has(`/node_modules/${dep}/package.json`), `app.asar holds the dependency ${dep}`);
    }
    // A devDependency that a production dependency also needs (ajv: Fastify validates with it; the tests import
    // it directly) belongs in the package; every other one must stay out.
    const production = productionPackages();
    for (const dep of Object.keys(pkg.devDependencies ?? {})) {
      if (production.has(dep)) continue;
      check(!entries.has(`/node_modules/${dep}`), `app.asar leaves out the devDependency ${dep}`);
    }
    for (const entry of entries) {
      check(
        !/^\/(?:electron|server|test|e2e|scripts)\//.test(entry),
        `app.asar leaves out sources (${entry})`,
      );
      check(
        !entry.endsWith('.map') || entry.startsWith('/node_modules/'),
        `app.asar leaves out source maps (${entry})`,
      );
    }
    check(!entries.has('/dist/electron/preload.js'), 'app.asar leaves out the unbundled preload');
    check(!entries.has('/dist/server/cli.bundle.cjs'), "app.asar leaves out the command's bundle");
    console.log(`check-packaging: app.asar holds ${entries.size} entries`);
  }

  const wire = await getCurrentFuseWire(path.join(appOut, 'token-sandbox'));
  for (const [name, enabled] of Object.entries(FUSES)) {
    const state = String.fromCharCode(wire[FuseV1Options[name]]);
    check(state === (enabled ? '1' : '0'), `fuse ${name} is ${enabled ? 'on' : 'off'} (found "${state}")`);
  }
  console.log(`check-packaging: electron-builder --linux dir took ${seconds}s`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.error(`check-packaging: ${failures.length} problem(s):`);
  for (const f of failures) console.error(`  missing: ${f}`);
  process.exit(1);
}
console.log('check-packaging: electron-builder.yml packs the app as expected (entries, dependencies, fuses)');

/** The top-level packages the production dependency tree installs, by name (`npm ls --omit=dev`). */
function productionPackages() {
  const listed = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
    cwd: root,
    encoding: 'utf8',
  });
  const top = path.join(root, 'node_modules');
  return new Set(
    listed.stdout
      .split('\n')
      .filter((line) => line.startsWith(top + path.sep))
      .map((line) => path.relative(top, line).split(path.sep).join('/'))
      .filter((name) => !name.includes('/node_modules/')),
  );
}
