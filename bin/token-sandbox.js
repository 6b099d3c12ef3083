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
const { runCli } = await import(entry.href);
process.exit(await runCli(process.argv.slice(2)));
