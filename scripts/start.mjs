// `npm start` (after the build): the desktop app where the Electron binary exists or can be fetched;
// otherwise one line saying why, then the headless server, which prints the workbench URL with its token.
// Arguments pass through (`npm start -- --port 0`); the desktop app reads --port and --user-data-dir (README).
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findElectron } from './electron-bin.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);

// `npm start --port 0` (or `--https`) leaves the flag with npm: say so before either app starts without it.
const { npmKeptFlags } = await import('../dist/server/cli-flags.js');
const { SWITCH_OPTIONS, VALUE_OPTIONS } = await import('../dist/server/cli-options.js');
const kept = npmKeptFlags(process.env, args, { ...VALUE_OPTIONS, 'user-data-dir': 'DIR' }, SWITCH_OPTIONS);
if (kept !== undefined) {
  process.stderr.write(`token-sandbox: ${kept}.\n`);
  process.exit(2);
}

// --help and --version belong to the command: answered at once, without looking for (or downloading) Electron,
// which would print its own version, and without the line about serving the workbench instead.
if (args.some((a) => a === '--help' || a === '-h' || a === '--version')) await runCommand();

let found = findElectron();
let reason = found.ok ? '' : found.reason;
if (!found.ok && found.dir !== undefined && process.env.ELECTRON_SKIP_BINARY_DOWNLOAD === undefined) {
  // Electron's own installer downloads the binary (from GitHub) for people who have the network.
  const install = spawnSync(process.execPath, [path.join(found.dir, 'install.js')], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 300_000,
  });
  found = findElectron();
  if (!found.ok) {
    const output = `${install.stdout ?? ''}\n${install.stderr ?? ''}`;
    const cause = /(fetch failed|ENOTFOUND [^\s]+|ETIMEDOUT|ECONNREFUSED|EAI_AGAIN)/.exec(output)?.[1];
    reason = `${reason}, and downloading it failed${cause === undefined ? '' : ` (${cause})`}`;
  }
}

if (found.ok) {
  const child = spawn(found.bin, ['.', ...args], { cwd: root, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('close', (code, signal) => process.exit(code ?? (signal === null ? 0 : 1)));
} else {
  console.log(`Electron binary not available (${reason}); serving the workbench in your browser instead.`);
  await runCommand();
}

/** The installed command itself (bundled, with its code cache), as `token-sandbox serve …`; it exits when done. */
async function runCommand() {
  process.argv = [
    process.argv[0],
    fileURLToPath(new URL('../bin/token-sandbox.js', import.meta.url)),
    'serve',
    ...args,
  ];
  await import('../bin/token-sandbox.js');
  // The command exits by itself; never fall through to the desktop app.
  await new Promise(() => {});
}
