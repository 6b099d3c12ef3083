import { parseArgs } from 'node:util';
import { DEFAULT_ISSUER_NAME, ISSUER_NAME_PATTERN } from './config/names.js';
import { npmKeptFlags } from './cli-flags.js';
import {
  DEFAULT_HOST,
  DEFAULT_PORT,
  OPTION_NAMES,
  PARSER_OPTIONS,
  type OptionName,
  SWITCH_OPTIONS,
  usageText,
  VALUE_OPTIONS,
} from './cli-options.js';
import { packageVersion } from './package-version.js';

/*
 * The command's arguments, read before anything else loads. bin/token-sandbox.js calls parseOrAnswer first
 * (this file is plain tsc output, not the bundle), so `--help`, `--version` and a wrong flag are answered
 * without loading the server's bundle or generating its signing key: a fraction of the time a start takes.
 * Only what the arguments alone decide is checked here; what needs the config (a --profile or --issuer
 * profile the config may describe) is checked once the config is read (server/cli.ts).
 */

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
  for (const flag of OPTION_NAMES) {
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
      if (!OPTION_NAMES.includes(name)) throw new UsageError(`unknown option --${name}${closestFlag(name)}`);
    } else if (arg.startsWith('-') && arg !== '-h' && !/^-\d/.test(arg)) {
      throw new UsageError(`unknown option ${arg}${closestFlag(arg.slice(1))}`);
    }
  }
}

/** A wrong invocation: the command says what was wrong in one line and exits 2. */
export class UsageError extends Error {}

/** What `token-sandbox serve` was asked to do, from its arguments alone. */
export interface ServeOptions {
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

/**
 * The field of ServeOptions each option fills (`answered` for those answered before serving). Typed by the option
 * table, so a row added to server/cli-options.ts is a compile error here until it names its field; that field is
 * then a compile error in parseServeArgs's result until it is read, and in runCli until a step uses it.
 */
export const SERVE_FIELDS = {
  port: 'port',
  host: 'host',
  config: 'configFile',
  profile: 'profile',
  'data-dir': 'dataDir',
  issuer: 'issuers',
  'admin-token': 'adminToken',
  https: 'https',
  'https-name': 'httpsNames',
  cert: 'certFile',
  key: 'keyFile',
  help: 'answered',
  version: 'answered',
} as const satisfies Record<OptionName, keyof ServeOptions | 'answered'>;

function parseServeArgs(args: readonly string[], env: NodeJS.ProcessEnv): ServeOptions | 'help' | 'version' {
  checkOptionNames(args);
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: PARSER_OPTIONS,
    });
  } catch (err) {
    // Left after checkOptionNames: a value missing (`--port` last) or given a flag (`--port --host`).
    const name = /'--([a-z-]+)/.exec((err as Error).message)?.[1];
    const placeholder = name === undefined ? undefined : VALUE_OPTIONS[name];
    throw new UsageError(
      placeholder === undefined
        ? (err as Error).message
        : `--${name} needs a value: --${name} ${placeholder}`,
    );
  }
  const { values, positionals } = parsed;
  if (values.help === true) return 'help';
  if (values.version === true) return 'version';
  // `--host=` or `--data-dir ""` is a value left out, not one to use: an empty host binds every interface and
  // an empty data folder is the current directory.
  for (const [name, value] of Object.entries(values)) {
    const placeholder = VALUE_OPTIONS[name];
    if (placeholder !== undefined && (Array.isArray(value) ? value.includes('') : value === '')) {
      throw new UsageError(`--${name} needs a value: --${name} ${placeholder}`);
    }
  }
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
    host: values.host ?? DEFAULT_HOST,
    configFile: values.config,
    profile: values.profile,
    dataDir: values['data-dir'],
    adminToken: values['admin-token'],
  };
}

/** The one line a wrong invocation gets on stderr: what was wrong, and where the usage is. */
export function usageErrorLine(err: UsageError): string {
  const sentence = err.message.endsWith('?') ? err.message : `${err.message}.`;
  return `token-sandbox: ${sentence} See "token-sandbox --help".\n`;
}

/**
 * The options to serve with, or, when the arguments alone settle it, the exit code after writing the answer:
 * the usage or the version on `out` (0), or a wrong invocation's one line on `err` (2).
 */
export function parseOrAnswer(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): ServeOptions | number {
  let options;
  try {
    options = parseServeArgs(args, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    // One line that says what was wrong; the whole usage would bury it.
    err.write(usageErrorLine(error));
    return 2;
  }
  if (options === 'help') {
    out.write(`${usageText()}\n`);
    return 0;
  }
  if (options === 'version') {
    out.write(`token-sandbox ${packageVersion()}\n`);
    return 0;
  }
  return options;
}
