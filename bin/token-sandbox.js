#!/usr/bin/env node
// The installed command: runs the compiled CLI, or says how to build it.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/server/cli.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    'token-sandbox: not built yet (dist/server/cli.js is missing); run "npm run build" first.\n',
  );
  process.exit(2);
}
// Start the RSA key's prime search before loading the server, so the two overlap (see early-key.ts).
const { startRs256KeyGeneration } = await import(
  new URL('../dist/server/keys/early-key.js', import.meta.url).href
);
const rs256Key = startRs256KeyGeneration();
rs256Key.catch(() => undefined);
const { runCli } = await import(entry.href);
process.exit(await runCli(process.argv.slice(2), process.stdout, { rs256Key }));
