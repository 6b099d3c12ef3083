import type { webcrypto } from 'node:crypto';
import { parseArgs } from 'node:util';
import { buildServer } from './app.js';
import { PROFILE_NAMES, type SandboxConfig } from './config/schema.js';
import { ConfigError, loadConfigFile, parseConfig } from './config/validate.js';
import { defaultSigningWorkers } from './keys/signing-pool.js';
import { StateFileError } from './persistence/json-file.js';
import { profileNames } from './profiles/profile.js';
import { clientWarnings } from './profiles/serves.js';

export const DEFAULT_PORT = 9710;

const USAGE = `Usage: token-sandbox serve [options]

Runs the OAuth 2.0 / SMART on FHIR sandbox server and its workbench UI.

Options:
  --port N             port to listen on; 0 picks a free one (default ${DEFAULT_PORT})
  --host H             address to bind (default 127.0.0.1; binding elsewhere exposes the sandbox)
  --config FILE        config file (JSON) with clients, profile, launch context and failures
  --profile NAME       token endpoint profile: ${PROFILE_NAMES.join(', ')} or one the config describes
                       (overrides the config's profile)
  --data-dir DIR       keep clients, settings, keys, failure presets and issued grants in DIR
                       (default: in memory only)
  --admin-token TOKEN  bearer token for the admin API (default: a random one, printed at start-up)
  -h, --help           show this help`;

class UsageError extends Error {}

interface ServeOptions {
  readonly port: number;
  readonly host: string;
  readonly configFile: string | undefined;
  readonly profile: string | undefined;
  readonly dataDir: string | undefined;
  readonly adminToken: string | undefined;
}

function parseServeArgs(args: string[]): ServeOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        config: { type: 'string' },
        profile: { type: 'string' },
        'data-dir': { type: 'string' },
        'admin-token': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help === true) return 'help';
  const [command, ...extra] = positionals;
  if (command !== 'serve') {
    throw new UsageError(
      command === undefined
        ? 'no command given; expected "serve"'
        : `unknown command "${command}"; expected "serve"`,
    );
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra.join(' ')}"`);
  const portText = values.port ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new UsageError(`--port must be a whole number from 0 to 65535, got "${portText}"`);
  }
  if (values['admin-token'] !== undefined && !/^[\x21-\x7e]{8,}$/.test(values['admin-token'])) {
    throw new UsageError('--admin-token must be at least 8 printable characters without spaces');
  }
  return {
    port,
    host: values.host ?? '127.0.0.1',
    configFile: values.config,
    profile: values.profile,
    dataDir: values['data-dir'],
    adminToken: values['admin-token'],
  };
}

function originOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

async function loadConfig(options: ServeOptions): Promise<SandboxConfig> {
  const config = options.configFile === undefined ? {} : await loadConfigFile(options.configFile);
  if (options.profile === undefined) return config;
  // Checked after the config is read, because the config may describe the profile --profile names.
  const names = profileNames(config);
  if (!names.includes(options.profile)) {
    const from = options.configFile === undefined ? '' : ` (built in or in ${options.configFile})`;
    throw new UsageError(`--profile must be one of ${names.join(', ')}${from}, got "${options.profile}"`);
  }
  return parseConfig({ ...config, profile: options.profile }, options.configFile ?? '--profile');
}

/**
 * Runs the command line; resolves with the exit code once the server has closed (or failed to start).
 * 2 means the invocation or the config was wrong, 1 that the server could not start.
 */
export async function runCli(
  args: string[],
  out: NodeJS.WritableStream = process.stdout,
  early: { readonly rs256Key?: Promise<webcrypto.CryptoKeyPair> } = {},
): Promise<number> {
  let options: ServeOptions | 'help';
  let config: SandboxConfig;
  try {
    options = parseServeArgs(args);
    if (options === 'help') {
      out.write(`${USAGE}\n`);
      return 0;
    }
    config = await loadConfig(options);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`token-sandbox: ${err.message}.\n\n${USAGE}\n`);
      return 2;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`token-sandbox: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  let app;
  try {
    app = await buildServer({
      config,
      signingWorkers: defaultSigningWorkers(),
      ...(early.rs256Key === undefined ? {} : { earlyRs256Key: early.rs256Key }),
      ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
      ...(options.adminToken === undefined ? {} : { adminToken: options.adminToken }),
    });
  } catch (err) {
    if (err instanceof StateFileError) {
      process.stderr.write(`token-sandbox: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  try {
    await app.listen({ port: options.port, host: options.host });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'EADDRINUSE'
        ? `port ${options.port} is already in use; choose another with --port, or --port 0 for a free one`
        : `cannot listen on ${options.host}:${options.port} (${code ?? (err as Error).message})`;
    process.stderr.write(`token-sandbox: ${why}.\n`);
    await app.close();
    return 1;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const origin = originOf(options.host, port);
  const sandbox = app.sandbox;
  sandbox.origin = origin;

  // Signal handlers go in before the "listening" line, so a signal sent on seeing it is always handled.
  const closed = new Promise<number>((resolve) => {
    let closing = false;
    const stop = (signal: NodeJS.Signals) => {
      if (closing) return;
      closing = true;
      out.write(`token-sandbox: ${signal} received, closing\n`);
      app.close().then(
        () => {
          resolve(0);
        },
        (err: unknown) => {
          process.stderr.write(`token-sandbox: error while closing: ${String(err)}\n`);
          resolve(1);
        },
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

  out.write(`token-sandbox: listening on ${origin}\n`);
  out.write(`token-sandbox: workbench ${origin}/?token=${sandbox.adminToken}\n`);
  out.write(
    `token-sandbox: profile ${sandbox.profile.name}; discovery ${origin}/.well-known/smart-configuration\n`,
  );
  out.write(
    `token-sandbox: ${sandbox.dataDir === undefined ? 'state in memory only' : `state in ${sandbox.dataDir}`}; ${sandbox.clients.list().length} client(s) registered\n`,
  );
  for (const client of sandbox.clients.list()) {
    for (const warning of clientWarnings(sandbox.profile, client)) {
      process.stderr.write(`token-sandbox: warning: client ${client.clientId}: ${warning}.\n`);
    }
  }
  if (!['127.0.0.1', '::1', 'localhost'].includes(options.host)) {
    process.stderr.write(
      `token-sandbox: warning: bound to ${options.host}, reachable beyond this machine.\n`,
    );
  }

  return closed;
}
