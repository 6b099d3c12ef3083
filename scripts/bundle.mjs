// The files tsc alone cannot produce, bundled by esbuild in milliseconds:
//
// - preload: Electron's sandboxed preloads can require 'electron' (and a few Node built-ins) but no local file
//   and no ES module, so the channel names it imports must be inlined into one CommonJS file.
// - cli: the command's server as one CommonJS file, plus V8's compiled code for it. Loading Fastify, jose and
//   the schema library file by file costs Node about a second of resolving and compiling hundreds of modules on
//   every start; one file, whose compiled code comes from the cache, loads in a fraction of that
//   (server/bundle-loader.ts, docs/benchmarks.md). The cache is made by starting the built command once and
//   asking it for a token, so the code a start and a first token run is in it. The bundle sits in dist/server/
//   beside the modules it replaces, so paths the server derives from its own location resolve the same way.
//
// Usage: node scripts/bundle.mjs [preload|cli] [--outfile FILE]   (no target: both, at their default paths)
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { withoutNpmFlags } from './npm-env.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

const targets = {
  preload: {
    entryPoints: ['electron/preload.ts'],
    outfile: 'dist/electron/preload.cjs',
    format: 'cjs',
    target: 'node22',
    external: ['electron'],
  },
  cli: {
    entryPoints: ['server/cli.ts'],
    outfile: 'dist/server/cli.bundle.cjs',
    format: 'cjs',
    target: 'node20',
    // The server finds the built workbench from its own URL; in a CommonJS bundle that is the bundle's file.
    define: { 'import.meta.url': '__bundleUrl' },
    banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  },
};

const args = process.argv.slice(2);
const flag = args.indexOf('--outfile');
const outfile = flag === -1 ? undefined : args[flag + 1];
const named = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--outfile');
for (const name of named) {
  if (!(name in targets)) {
    console.error(`bundle: unknown target "${name}"; expected one of: ${Object.keys(targets).join(', ')}`);
    process.exit(2);
  }
}
if (outfile !== undefined && named.length !== 1) {
  console.error('bundle: --outfile needs exactly one target (preload or cli)');
  process.exit(2);
}

for (const name of named.length === 0 ? Object.keys(targets) : named) {
  await build({
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    sourcemap: false,
    logLevel: 'warning',
    ...targets[name],
    ...(outfile === undefined ? {} : { outfile }),
  });
  if (name === 'cli' && outfile === undefined) await warmCodeCache();
}

/** Starts the built command, asks it for a token and stops it: on exit it writes the code V8 compiled. */
async function warmCodeCache() {
  const cacheFile = path.join(root, targets.cli.outfile + '.v8-cache');
  await rm(cacheFile, { force: true });
  const dir = await mkdtemp(path.join(tmpdir(), 'token-sandbox-warm-'));
  const secret = 'warm-up-secret-0123456789';
  const config = path.join(dir, 'config.json');
  await writeFile(
    config,
    JSON.stringify({
      clients: [
        {
          clientId: 'warm-up',
          clientSecret: secret,
          tokenEndpointAuthMethod: 'client_secret_basic',
          grantTypes: ['client_credentials'],
          scope: 'system/*.rs',
        },
      ],
    }),
  );
  const child = spawn(
    process.execPath,
    ['bin/token-sandbox.js', 'serve', '--port', '0', '--config', config],
    {
      cwd: root,
      // Not npm's flags: under `npm start --port 0` the command would refuse to start (scripts/npm-env.mjs).
      env: { ...withoutNpmFlags(process.env), TOKEN_SANDBOX_SAVE_CODE_CACHE: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = once(child, 'exit');
  try {
    const origin = await new Promise((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        const m = /listening on (http:\/\/\S+)/.exec(line);
        if (m !== null) resolve(m[1]);
      });
      void exited.then(([code]) => reject(new Error(`the command exited with ${code} before listening`)));
    });
    for (const wellKnown of ['/.well-known/smart-configuration', '/.well-known/jwks.json']) {
      await (await fetch(origin + wellKnown)).arrayBuffer();
    }
    const token = await fetch(`${origin}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`warm-up:${secret}`).toString('base64')}`,
      },
      body: 'grant_type=client_credentials&scope=system%2F*.rs',
    });
    if (token.status !== 200)
      throw new Error(`the token endpoint answered ${token.status}: ${await token.text()}`);
  } finally {
    child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  }
  if (!existsSync(cacheFile)) throw new Error(`bundle: the warm-up run wrote no code cache (${cacheFile})`);
}
