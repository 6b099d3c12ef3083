#!/usr/bin/env node
// The installed command: runs the built CLI (one bundled file, see scripts/bundle.mjs), or says how to build it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/server/cli.bundle.cjs', import.meta.url));
if (!existsSync(bundle)) {
  process.stderr.write(
    'token-sandbox: not built yet (dist/server/cli.bundle.cjs is missing); run "npm run build" first.\n',
  );
  process.exit(2);
}
// Arguments first (server/cli-args.ts, a few small modules): --help, --version and a wrong flag are answered
// without loading the server or generating a key.
const { parseOrAnswer } = await import(new URL('../dist/server/cli-args.js', import.meta.url).href);
const answered = parseOrAnswer(process.argv.slice(2), process.env, process.stdout, process.stderr);
if (typeof answered === 'number') process.exit(answered);
// Start the RSA key's prime search before loading the server, so the two overlap (see early-key.ts).
const { startRs256KeyGeneration } = await import(
  new URL('../dist/server/keys/early-key.js', import.meta.url).href
);
const rs256Key = startRs256KeyGeneration();
rs256Key.catch(() => undefined);
const { loadCachedBundle } = await import(new URL('../dist/server/bundle-loader.js', import.meta.url).href);
const loaded = loadCachedBundle(bundle);
// The build sets this once (scripts/bundle.mjs) to record the code a start and a first token compile.
if (process.env.TOKEN_SANDBOX_SAVE_CODE_CACHE === '1') process.once('exit', () => loaded.saveCodeCache());
const { runCli } = loaded.exports;
process.exit(await runCli(process.argv.slice(2), process.stdout, { rs256Key }));
