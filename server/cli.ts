import type { webcrypto } from 'node:crypto';
import path from 'node:path';
import { buildServer } from './app.js';
import { parseOrAnswer, usageErrorLine, UsageError, type ServeOptions } from './cli-args.js';
import { MAX_ISSUERS, type SandboxConfig } from './config/schema.js';
import { ConfigError, loadConfigFile, parseConfig } from './config/validate.js';
import { findFreePort } from './free-port.js';
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
import { LOOPBACK_NAMES, urlHost } from './paths.js';
import type { Sandbox } from './sandbox.js';

export { DEFAULT_PORT } from './cli-options.js';

function originOf(host: string, port: number, secure: boolean): string {
  return `${secure ? 'https' : 'http'}://${urlHost(host)}:${port}`;
}

/*
 * What each step of runCli reads of the options. Between them they must read every field: runCli takes the
 * options as EveryFieldRead, so a field added to ServeOptions (a new option, server/cli-options.ts) that no step
 * reads is a compile error naming it, not an option parsed and then silently ignored.
 */
/** What reading the config reads: the config file and the flags that override it. */
type ConfigFlags = Pick<ServeOptions, 'configFile' | 'profile' | 'issuers'>;
/** What choosing the certificate reads. */
type TlsFlags = Pick<
  ServeOptions,
  'configFile' | 'certFile' | 'keyFile' | 'https' | 'httpsNames' | 'dataDir'
>;
/** What runCli hands to buildServer and listen() itself. */
type ServerFlags = Pick<ServeOptions, 'dataDir' | 'adminToken' | 'port' | 'host'>;
/** `T` when the steps read every field of it; else a type nothing is assignable to, naming the unread fields. */
type EveryFieldRead<T, Read extends keyof T> = [Exclude<keyof T, Read>] extends [never]
  ? T
  : { readonly unread: Exclude<keyof T, Read> };

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
async function resolveTls(options: TlsFlags, config: SandboxConfig): Promise<TlsPlan | undefined> {
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

async function loadConfig(options: ConfigFlags): Promise<SandboxConfig> {
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
function withIssuerFlags(options: ConfigFlags, config: SandboxConfig): SandboxConfig {
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
  const parsed = parseOrAnswer(args, env, out, process.stderr);
  if (typeof parsed === 'number') return parsed;
  const options: EveryFieldRead<ServeOptions, keyof (ConfigFlags & TlsFlags & ServerFlags)> = parsed;
  let config: SandboxConfig;
  let tls: TlsPlan | undefined;
  try {
    config = await loadConfig(options);
    tls = await resolveTls(options, config);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(usageErrorLine(err));
      return 2;
    }
    if (err instanceof ConfigError || err instanceof CertificateError || err instanceof StateFileError) {
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
  if (!LOOPBACK_NAMES.includes(options.host)) {
    process.stderr.write(
      `token-sandbox: warning: bound to ${options.host}, reachable beyond this machine.\n`,
    );
  }

  return closed;
}
