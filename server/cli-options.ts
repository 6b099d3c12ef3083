import type { ParseArgsConfig } from 'node:util';
import { PROFILE_NAMES } from './config/names.js';

/*
 * The command's options, written once. The parser's options (server/cli-args.ts), the lists npm's flag check
 * reads (server/cli-flags.ts, scripts/start.mjs), the flags a typo is matched against, the `--help` text and
 * the Options table of docs/cli.md (a generated region, server/reference/generated-docs.ts) are all read from
 * this table: a row added here is parsed, suggested, shown and documented at once. What it means is not
 * automatic: checking its value and carrying it into ServeOptions (server/cli-args.ts, SERVE_FIELDS and
 * parseServeArgs) and using it (server/cli.ts, runCli) are written by hand, and the compiler refuses a row until
 * each is (SERVE_FIELDS must name its field, parseServeArgs must fill it, one of runCli's steps must read it).
 * bin/token-sandbox.js loads this before the server's bundle: it stays free of imports but the import-free
 * names module, so answering `--help` or a typo stays as fast as Node's start.
 */

export const DEFAULT_PORT = 9710;
export const DEFAULT_HOST = '127.0.0.1';

/** One option of `token-sandbox serve`. */
export interface CliOption {
  /** Without its dashes: `data-dir`. */
  readonly name: string;
  /** The placeholder of its value (`DIR`); absent for a switch, which takes none. */
  readonly value?: string;
  /** May be given more than once; every value is kept, in order. */
  readonly repeatable?: boolean;
  /** A one-letter alias (`h` for `-h`). */
  readonly short?: string;
  /** What `--help` says of it, in plain words; "(repeatable)" and the default are added to it. */
  readonly help: string;
  /** What docs/cli.md says of it (Markdown, links relative to docs/). */
  readonly meaning: string;
  /** The default, as docs/cli.md words it (Markdown); absent when there is none. */
  readonly default?: string;
}

export const CLI_OPTIONS = [
  {
    name: 'port',
    value: 'N',
    help: 'port to listen on; 0 picks a free one',
    meaning: 'port to listen on, `0` to `65535`; `0` picks a free one (the real port is printed)',
    default: `\`${DEFAULT_PORT}\``,
  },
  {
    name: 'host',
    value: 'H',
    help: 'address to bind; anything but loopback exposes the sandbox',
    meaning:
      'address to bind. The default is loopback only; anything else exposes the sandbox and a warning says so',
    default: `\`${DEFAULT_HOST}\``,
  },
  {
    name: 'config',
    value: 'FILE',
    help: 'config file (JSON) with clients, profile, launch context and failures',
    meaning: 'a [config file](config.md) (JSON)',
  },
  {
    name: 'profile',
    value: 'NAME',
    help: `token endpoint profile: ${PROFILE_NAMES.join(', ')} or one the config describes; overrides the config's`,
    meaning: `${PROFILE_NAMES.map((name) => `\`${name}\``).join(', ')} or a profile the config describes; overrides the config's \`profile\``,
    default: "the config's, else `smart`",
  },
  {
    name: 'data-dir',
    value: 'DIR',
    help: 'keep clients, settings, keys, failure presets and issued grants in DIR',
    meaning:
      'keep clients, settings, signing keys, failure presets and issued grants in `DIR` ([Data folder](#data-folder))',
    default: 'in memory only',
  },
  {
    name: 'issuer',
    value: 'NAME=PROFILE',
    repeatable: true,
    help: 'serve one more issuer under /i/NAME with its own clients, keys and tokens, e.g. --issuer medirecords=medirecords',
    meaning:
      'serve one more issuer under `/i/NAME` with the profile `PROFILE` (built in or the config\'s); repeatable, each name once (a repeated name exits `2`); sets the profile of a config issuer of that name (README "Many issuers")',
  },
  {
    name: 'admin-token',
    value: 'TOKEN',
    help: 'bearer token for the admin API; at least 8 printable characters, no spaces',
    meaning:
      'bearer token for the [admin API](admin-api.md#guard); at least 8 printable characters, no spaces',
    default: 'random, printed at start-up',
  },
  {
    name: 'https',
    help: "serve https with a certificate from a local CA made once and kept (in DIR/https with --data-dir, else the user's config folder); prints the CA file to trust",
    meaning: 'serve https with a certificate from the local CA ([HTTPS](#https))',
    default: 'plain http',
  },
  {
    name: 'https-name',
    value: 'NAME',
    repeatable: true,
    help: 'another name or IP the local certificate covers, e.g. 10.0.2.2; implies --https',
    meaning: 'another host name or IP the local certificate covers; repeatable; implies `--https`',
  },
  {
    name: 'cert',
    value: 'FILE',
    help: 'serve https with your own certificate (PEM); needs --key',
    meaning: 'serve https with your own certificate (PEM, may hold its chain); needs `--key`',
  },
  {
    name: 'key',
    value: 'FILE',
    help: 'the private key (PEM) of --cert',
    meaning: 'the unencrypted PEM private key of `--cert`; needs `--cert`',
  },
  {
    name: 'help',
    short: 'h',
    help: 'show this help',
    meaning: 'print the usage and exit 0',
  },
  {
    name: 'version',
    help: 'print the version',
    meaning: 'print `token-sandbox VERSION` and exit 0',
  },
] as const satisfies readonly CliOption[];

type Row = (typeof CLI_OPTIONS)[number];

/** An option's name, without dashes. */
export type OptionName = Row['name'];

/** The options as node:util's parseArgs takes them, typed per option so its `values` are too. */
export type ParserOptions = {
  readonly [R in Row as R['name']]: R extends { readonly value: string }
    ? R extends { readonly repeatable: true }
      ? { readonly type: 'string'; readonly multiple: true }
      : { readonly type: 'string' }
    : R extends { readonly short: infer S extends string }
      ? { readonly type: 'boolean'; readonly short: S }
      : { readonly type: 'boolean' };
};

/** `CLI_OPTIONS` as parseArgs's `options`. */
export const PARSER_OPTIONS = Object.fromEntries(
  CLI_OPTIONS.map((option: CliOption) => [
    option.name,
    {
      type: option.value === undefined ? 'boolean' : 'string',
      ...(option.repeatable === true ? { multiple: true } : {}),
      ...(option.short === undefined ? {} : { short: option.short }),
    },
  ]),
) as NonNullable<ParseArgsConfig['options']> as ParserOptions;

/** Every option's name, without dashes: what a mistyped flag is matched against. */
export const OPTION_NAMES: readonly string[] = CLI_OPTIONS.map((option) => option.name);

/**
 * The options that take a value, with the placeholder of each (`{ port: 'N', … }`). npm keeps such a flag
 * given before `--` as its own config and passes its value on as an argument (server/cli-flags.ts).
 */
export const VALUE_OPTIONS: Readonly<Record<string, string>> = Object.fromEntries(
  CLI_OPTIONS.flatMap((option: CliOption) =>
    option.value === undefined ? [] : [[option.name, option.value] as const],
  ),
);

/**
 * The switches npm would keep as `npm_config_NAME=true`, passing nothing on. `--help` and `--version` are left
 * out: npm answers those itself, before any script runs.
 */
export const SWITCH_OPTIONS: readonly string[] = CLI_OPTIONS.flatMap((option: CliOption) =>
  option.value === undefined && option.name !== 'help' && option.name !== 'version' ? [option.name] : [],
);

/** The flag as written, with its short alias and its value's placeholder: `-h, --help`, `--port N`. */
function label(option: CliOption, code: (text: string) => string): string {
  const long = code(option.value === undefined ? `--${option.name}` : `--${option.name} ${option.value}`);
  return option.short === undefined ? long : `${code(`-${option.short}`)}, ${long}`;
}

/** The flag as `--help` shows it. */
export function helpLabel(option: CliOption): string {
  return label(option, (text) => text);
}

/** The flag as docs/cli.md shows it, each form in code quotes. */
export function docsLabel(option: CliOption): string {
  return label(option, (text) => `\`${text}\``);
}

const HELP_WIDTH = 110;
const LABEL_WIDTH = 19;
const INDENT = ' '.repeat(2 + LABEL_WIDTH + 2);

/** Words laid into lines of at most `width` characters (a longer word stands alone). */
function wrap(words: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/**
 * What `--help` says of an option, as the words to wrap: its own, then "(repeatable)" and its default without
 * Markdown, each kept whole on one line.
 */
function helpWords(option: CliOption): string[] {
  const words = option.help.split(' ');
  if (option.repeatable === true) words.push('(repeatable)');
  if (option.default !== undefined) words.push(`(default: ${option.default.replaceAll('`', '')})`);
  return words;
}

/** The text `--help` prints: an aligned column of flags, each option's words wrapped beside it. */
export function usageText(): string {
  const lines = CLI_OPTIONS.flatMap((option: CliOption) => {
    const flag = helpLabel(option);
    const words = wrap(helpWords(option), HELP_WIDTH - INDENT.length).map((line) => `${INDENT}${line}`);
    // A flag too long for the column stands on its own line, its words below it.
    if (flag.length > LABEL_WIDTH) return [`  ${flag}`, ...words];
    const [first = INDENT, ...rest] = words;
    return [`  ${flag.padEnd(LABEL_WIDTH)}  ${first.slice(INDENT.length)}`, ...rest];
  });
  return [
    'Usage: token-sandbox serve [options]',
    '',
    'Runs the OAuth 2.0 / SMART on FHIR sandbox server and its workbench UI.',
    '',
    'Options:',
    ...lines,
    '',
    'Through npm, put -- before the flags: npm start -- --port 0',
  ].join('\n');
}
