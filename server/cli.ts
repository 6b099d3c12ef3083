import type { webcrypto } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildServer } from './app.js';
import { ISSUER_NAME_PATTERN, MAX_ISSUERS, PROFILE_NAMES, type SandboxConfig } from './config/schema.js';
import { ConfigError, DEFAULT_ISSUER_NAME, loadConfigFile, parseConfig } from './config/validate.js';
import { findFreePort } from './free-port.js';
import { packageVersion } from './package-version.js';
import { SWITCH_OPTIONS, VALUE_OPTIONS, npmKeptFlags } from './cli-flags.js';
import { defaultSigningWorkers } from './keys/signing-pool.js';
import { CertificateError } from './https/certificate-error.js';
import type { LocalCertificate, TlsMaterial } from './https/certificates.js';
import { prepareDataDir } from './persistence/data-dir.js';
import { StateFileError } from './persistence/json-file.js';
import { STATE_FILE } from './persistence/state-file.js';
import { FhirLoadError } from './fhir/load.js';
import { profileNames } from './profiles/profile.js';
import { clientWarnings } from './profiles/serves.js';
import type { Issuers } from './issuers/registry.js';
import type { Sandbox } from './sandbox.js';

export const DEFAULT_PORT = 9710;

const USAGE = `Usage: token-sandbox serve [options]

Runs the OAuth 2.0 / SMART on FHIR sandbox server and its workbench UI.

Options:
  --port N             port to listen on; 0 picks a free one (default ${DEFAULT_PORT})
  --host H             address to bind (default 127.0.0.1; binding elsewhere exposes the sandbox)
  --config FILE        config file (JSON) with clients, profile, launch context and failures
  --profile NAME       token endpoint profile: ${PROFILE_NAMES.join(', ')} or one the config describes
                       (overrides the config's profile)
  --issuer NAME=PROFILE
                       serve one more issuer under /i/NAME with its own clients, keys and tokens
                       (repeatable), e.g. --issuer medirecords=medirecords
  --data-dir DIR       keep clients, settings, keys, failure presets and issued grants in DIR
                       (default: in memory only)
  --admin-token TOKEN  bearer token for the admin API (default: a random one, printed at start-up)
  --https              serve https with a certificate from a local CA made once and kept (in DIR/https with
                       --data-dir, else the user's config folder); prints the CA file to trust
  --https-name NAME    another name or IP the local certificate covers (repeatable), e.g. 10.0.2.2
  --cert FILE          serve https with your own certificate (PEM); needs --key
  --key FILE           the private key (PEM) of --cert
  --version            print the version
  -h, --help           show this help

Through npm, put -- before the flags: npm start -- --port 0`;

type ValueOption = keyof typeof VALUE_OPTIONS;
const FLAGS = [...Object.keys(VALUE_OPTIONS), 'https', 'version', 'help'];

/** Edit distance (insertions, deletions, substitutions, adjacent swaps): how far a typo is from a flag. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] ?? [])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** ` did you mean --port?` for a flag close enough to a real one to be a typo of it, else nothing. */
function closestFlag(name: string): string {
  let best: { flag: string; d: number } | undefined;
  for (const flag of FLAGS) {
    const d = distance(name.toLowerCase(), flag);
    if (best === undefined || d < best.d) best = { flag, d };
  }
  return best !== undefined && best.d <= Math.max(1, Math.floor(best.flag.length / 3))
    ? `; did you mean --${best.flag}?`
    : '';
}

/** Names the first option that is not ours, before Node's parser words it (`Unknown option '--prot'. To…`). */
function checkOptionNames(args: readonly string[]): void {
  for (const arg of args) {
    if (arg === '--') return;
    if (arg.startsWith('--')) {
      const name = arg.slice(2).split('=')[0] ?? '';
      if (!FLAGS.includes(name)) throw new UsageError(`unknown option --${name}${closestFlag(name)}`);
    } else if (arg.startsWith('-') && arg !== '-h' && !/^-\d/.test(arg)) {
      throw new UsageError(`unknown option ${arg}${closestFlag(arg.slice(1))}`);
    }
  }
}

class UsageError extends Error {}

interface ServeOptions {
  readonly port: number;
  readonly host: string;
  readonly configFile: string | undefined;
  readonly profile: string | undefined;
  readonly dataDir: string | undefined;
  readonly adminToken: string | undefined;
  readonly https: boolean;
  readonly httpsNames: readonly string[];
  readonly certFile: string | undefined;
  readonly keyFile: string | undefined;
  /** `--issuer NAME=PROFILE`, in order; the profile is checked once the config is read. */
  readonly issuers: readonly { readonly name: string; readonly profile: string }[];
}

function parseServeArgs(args: string[], env: NodeJS.ProcessEnv): ServeOptions | 'help' | 'version' {
  checkOptionNames(args);
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
        https: { type: 'boolean' },
        'https-name': { type: 'string', multiple: true },
        issuer: { type: 'string', multiple: true },
        cert: { type: 'string' },
        key: { type: 'string' },
        version: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    // Left after checkOptionNames: a value missing (`--port` last) or given a flag (`--port --host`).
    const name = /'--([a-z-]+)/.exec((err as Error).message)?.[1];
    const placeholder = name === undefined ? undefined : VALUE_OPTIONS[name as ValueOption];
    throw new UsageError(
      placeholder === undefined
        ? (err as Error).message
        : `--${name} needs a value: --${name} ${placeholder}`,
    );
  }
  const { values, positionals } = parsed;
  if (values.help === true) return 'help';
  if (values.version === true) return 'version';
  const [command, ...extra] = positionals;
  const npm = npmKeptFlags(env, command === 'serve' ? extra : positionals, VALUE_OPTIONS, SWITCH_OPTIONS);
  if (npm !== undefined) throw new UsageError(npm);
  if (command !== 'serve') {
    throw new UsageError(
      command === undefined
        ? 'no command given; expected "serve"'
        : `unknown command "${command}"; expected "serve"`,
    );
  }
  if (extra.length > 0) {
    // Under npm (`npm start --prot 0`: npm keeps the mistyped flag and passes only the number on), the
    // suggestion is the npm form, or `--port 0` would be kept by npm too.
    const script = env['npm_lifecycle_event'];
    const npmRun =
      script === undefined || script === '' || script === 'npx'
        ? ''
        : `${script === 'start' ? 'npm start' : `npm run ${script}`} -- `;
    const hint =
      extra.length === 1 && /^\d+$/.test(extra[0] ?? '') ? `; did you mean ${npmRun}--port ${extra[0]}?` : '';
    throw new UsageError(`unexpected argument "${extra.join(' ')}"${hint}`);
  }
  const portText = values.port ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new UsageError(`--port must be a whole number from 0 to 65535, got "${portText}"`);
  }
  if (values['admin-token'] !== undefined && !/^[\x21-\x7e]{8,}$/.test(values['admin-token'])) {
    throw new UsageError('--admin-token must be at least 8 printable characters without spaces');
  }
  if ((values.cert === undefined) !== (values.key === undefined)) {
    throw new UsageError(
      `${values.cert === undefined ? '--key' : '--cert'} needs ${values.cert === undefined ? '--cert' : '--key'}: ` +
        'give both --cert FILE --key FILE for your own certificate, or neither (--https for the local CA)',
    );
  }
  const httpsNames = values['https-name'] ?? [];
  if (httpsNames.length > 0 && values.cert !== undefined) {
    throw new UsageError(
      '--https-name names what the local certificate covers; with --cert your certificate names its own',
    );
  }
  const issuers = (values.issuer ?? []).map((value) => {
    const match = /^([^=]*)=(.*)$/.exec(value);
    const name = match?.[1] ?? '';
    if (match === null || !new RegExp(ISSUER_NAME_PATTERN).test(name) || name === DEFAULT_ISSUER_NAME) {
      throw new UsageError(
        `--issuer must be NAME=PROFILE, NAME being 1 to 32 lowercase letters, digits and - (not "default", the root's), got "${value}"`,
      );
    }
    return { name, profile: match[2] ?? '' };
  });
  // A repeated name would otherwise be settled silently by the last flag; the config file refuses it too.
  issuers.forEach(({ name, profile }, i) => {
    const first = issuers.findIndex((other) => other.name === name);
    if (first !== i) {
      throw new UsageError(
        `--issuer ${name}=${profile}: the name "${name}" is already given by --issuer ${name}=${issuers[first]?.profile ?? ''}; give each issuer once`,
      );
    }
  });
  return {
    issuers,
    https: values.https === true || values.cert !== undefined || httpsNames.length > 0,
    httpsNames,
    certFile: values.cert,
    keyFile: values.key,
    port,
    host: values.host ?? '127.0.0.1',
    configFile: values.config,
    profile: values.profile,
    dataDir: values['data-dir'],
    adminToken: values['admin-token'],
  };
}

function originOf(host: string, port: number, secure: boolean): string {
  return `${secure ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** What start-up serves https with, or undefined for plain http. */
interface TlsPlan {
  readonly material: TlsMaterial;
  /** Set when the certificate comes from the local CA. */
  readonly local: LocalCertificate | undefined;
}

/**
 * The certificate to serve with: flags first, then the config's `https` section (whose files are relative to
 * the config file). The certificate module is loaded only here, so a plain-http start never pays for it.
 */
async function resolveTls(options: ServeOptions, config: SandboxConfig): Promise<TlsPlan | undefined> {
  const section = config.https;
  const base =
    options.configFile === undefined ? process.cwd() : path.dirname(path.resolve(options.configFile));
  let certFile = options.certFile;
  let keyFile = options.keyFile;
  if (
    certFile === undefined &&
    section !== undefined &&
    section.enabled !== false &&
    (section.cert !== undefined || section.key !== undefined)
  ) {
    if (section.cert === undefined || section.key === undefined) {
      const [given, missing] = section.cert === undefined ? ['key', 'cert'] : ['cert', 'key'];
      throw new ConfigError(options.configFile ?? 'the config', [
        {
          path: `https.${missing}`,
          message: `missing; https.${given} needs it (give both, or neither for the local CA)`,
        },
      ]);
    }
    certFile = path.resolve(base, section.cert);
    keyFile = path.resolve(base, section.key);
  }
  const wanted = options.https || certFile !== undefined || section?.enabled === true;
  if (!wanted) return undefined;
  const certificates = await import('./https/certificates.js');
  if (certFile !== undefined && keyFile !== undefined) {
    return { material: await certificates.ownCertificate(certFile, keyFile), local: undefined };
  }
  if (options.dataDir !== undefined) await prepareDataDir(options.dataDir);
  const dir =
    options.dataDir === undefined
      ? certificates.defaultCertificateDir()
      : certificates.dataDirCertificateDir(options.dataDir);
  const local = await certificates.localCertificate({
    dir,
    extraNames: [...(section?.names ?? []), ...options.httpsNames],
  });
  return { material: local, local };
}

async function loadConfig(options: ServeOptions): Promise<SandboxConfig> {
  const config = withIssuerFlags(
    options,
    options.configFile === undefined ? {} : await loadConfigFile(options.configFile),
  );
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
 * The config with `--issuer NAME=PROFILE` merged in (README "Many issuers"): a flag naming an issuer the config
 * has sets its profile, any other adds one. Checked after the config is read, because the config may describe
 * the profile a flag names.
 */
function withIssuerFlags(options: ServeOptions, config: SandboxConfig): SandboxConfig {
  if (options.issuers.length === 0) return config;
  const names = profileNames(config);
  const issuers = [...(config.issuers ?? [])];
  for (const { name, profile } of options.issuers) {
    if (!names.includes(profile)) {
      const from = options.configFile === undefined ? '' : ` (built in or in ${options.configFile})`;
      throw new UsageError(
        `--issuer ${name}=${profile}: the profile must be one of ${names.join(', ')}${from}, got "${profile}"`,
      );
    }
    const at = issuers.findIndex((i) => i.name === name);
    if (at === -1) issuers.push({ name, profile });
    else issuers[at] = { ...issuers[at], name, profile };
  }
  if (issuers.length > MAX_ISSUERS) {
    throw new UsageError(
      `--issuer: at most ${MAX_ISSUERS} issuers beside the default one (the issuers limit), got ${issuers.length}`,
    );
  }
  return parseConfig({ ...config, issuers }, options.configFile ?? '--issuer');
}

/**
 * How many clients the start-up line reports: each issuer's own when there are several (README "Many issuers"),
 * since each keeps its own clients; the one count otherwise.
 */
function clientCounts(issuers: Issuers | undefined, root: Sandbox): string {
  const views = issuers?.list() ?? [];
  if (views.length <= 1) return `${root.clients.list().length} client(s) registered`;
  const counts = views.map((view) => {
    const own = view.isDefault ? root : issuers?.get(view.name)?.sandbox;
    return `${view.name} ${own?.clients.list().length ?? 0}`;
  });
  return `clients: ${counts.join(', ')}`;
}

/**
 * The signals that stop the server gracefully: Ctrl-C, a service manager, and the terminal closing (SIGHUP,
 * whose default would end the process before issued codes and tokens reach the data folder).
 */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Runs the command line; resolves with the exit code once the server has closed (or failed to start).
 * 2 means the invocation or the config was wrong, 1 that the server could not start.
 */
export async function runCli(
  args: string[],
  out: NodeJS.WritableStream = process.stdout,
  early: { readonly rs256Key?: Promise<webcrypto.CryptoKeyPair> } = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let options: ServeOptions | 'help' | 'version';
  let config: SandboxConfig;
  let tls: TlsPlan | undefined;
  try {
    options = parseServeArgs(args, env);
    if (options === 'help') {
      out.write(`${USAGE}\n`);
      return 0;
    }
    if (options === 'version') {
      out.write(`token-sandbox ${packageVersion()}\n`);
      return 0;
    }
    config = await loadConfig(options);
    tls = await resolveTls(options, config);
  } catch (err) {
    if (err instanceof UsageError) {
      // One line that says what was wrong; the whole usage would bury it.
      const sentence = err.message.endsWith('?') ? err.message : `${err.message}.`;
      process.stderr.write(`token-sandbox: ${sentence} See "token-sandbox --help".\n`);
      return 2;
    }
    if (err instanceof ConfigError || err instanceof CertificateError) {
      process.stderr.write(`token-sandbox: ${err.message}\n`);
      return 2;
    }
    if (err instanceof StateFileError) {
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
      ...(tls === undefined ? {} : { https: tls.material }),
    });
  } catch (err) {
    if (err instanceof StateFileError || err instanceof FhirLoadError) {
      process.stderr.write(`token-sandbox: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  try {
    await app.listen({ port: options.port, host: options.host });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const free = code === 'EADDRINUSE' ? await findFreePort(options.host).catch(() => undefined) : undefined;
    const why =
      code === 'EADDRINUSE'
        ? `port ${options.port} on ${options.host} is already in use; ` +
          `${free === undefined ? '' : `try --port ${free} (free just now), or `}--port 0 for any free port`
        : `cannot listen on ${options.host}:${options.port} (${code ?? (err as Error).message})`;
    process.stderr.write(`token-sandbox: ${why}.\n`);
    await app.close();
    return 1;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const origin = originOf(options.host, port, tls !== undefined);
  const sandbox = app.sandbox;
  sandbox.origin = origin;

  // Signal handlers go in before the "listening" line, so a signal sent on seeing it is always handled.
  // They stay installed (`on`, not `once`) until the state is persisted and the server closed: signal-exit,
  // which write-file-atomic installs for the length of each write, re-raises a signal when it finds itself
  // the only listener, and the process would then die by the signal before the final persist.
  const closed = new Promise<number>((resolve) => {
    let closing = false;
    const stop = (signal: NodeJS.Signals) => {
      if (closing) return; // a second signal while closing changes nothing: the close is already bounded
      closing = true;
      out.write(`token-sandbox: ${signal} received, closing\n`);
      const finish = (code: number) => {
        for (const name of STOP_SIGNALS) process.off(name, stop);
        resolve(code);
      };
      app.close().then(
        () => {
          finish(0);
        },
        (err: unknown) => {
          process.stderr.write(`token-sandbox: error while closing: ${String(err)}\n`);
          finish(1);
        },
      );
    };
    for (const name of STOP_SIGNALS) process.on(name, stop);
  });

  out.write(`token-sandbox: listening on ${origin}\n`);
  out.write(`token-sandbox: workbench ${origin}/?token=${sandbox.adminToken}\n`);
  out.write(
    `token-sandbox: profile ${sandbox.profile.name}; discovery ${origin}/.well-known/smart-configuration\n`,
  );
  for (const issuer of app.issuers?.list() ?? []) {
    if (issuer.isDefault) continue;
    out.write(
      `token-sandbox: issuer ${issuer.name}, profile ${issuer.profile}; discovery ${issuer.discovery}\n`,
    );
  }
  out.write(
    `token-sandbox: ${sandbox.dataDir === undefined ? 'state in memory only' : `state in ${sandbox.dataDir}`}; ${clientCounts(app.issuers, sandbox)}\n`,
  );
  const upstream = sandbox.config.fhir?.upstream;
  if (upstream !== undefined) {
    // fhir.upstream persists with the rest of the config: a later run without --config still forwards, so say so.
    const kept =
      sandbox.dataDir === undefined
        ? ''
        : `, kept in ${path.join(sandbox.dataDir, STATE_FILE)}; drop it with PUT /_sandbox/api/config without it`;
    out.write(`token-sandbox: FHIR base forwards to ${upstream} (fhir.upstream${kept})\n`);
  }
  if (tls?.local !== undefined) {
    const { caFile, caCreated, names } = tls.local;
    out.write(
      `token-sandbox: https certificate for ${names.join(', ')} from the local CA ${caFile}${caCreated ? ' (created now)' : ''}\n`,
    );
    out.write(
      `token-sandbox: trust that CA once: NODE_EXTRA_CA_CERTS=${caFile} for Node; browsers and systems: README "HTTPS"\n`,
    );
  }
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
