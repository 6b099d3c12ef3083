import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseOrAnswer, SERVE_FIELDS, type ServeOptions } from '../../server/cli-args.js';
import { npmKeptFlags } from '../../server/cli-flags.js';
import {
  CLI_OPTIONS,
  docsLabel,
  helpLabel,
  SWITCH_OPTIONS,
  VALUE_OPTIONS,
  type CliOption,
  type OptionName,
} from '../../server/cli-options.js';

/** `token-sandbox ARGS` answered from the arguments alone, as bin/token-sandbox.js runs it (no server loaded). */
function answer(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const written = { stdout: '', stderr: '' };
  const sink = (key: keyof typeof written) =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        written[key] += chunk.toString();
        done();
      },
    });
  const result = parseOrAnswer(args, env, sink('stdout'), sink('stderr'));
  return { result, ...written };
}

const options: readonly CliOption[] = CLI_OPTIONS;

/** What `serve ARGS` is asked to do; fails the test when the arguments are answered instead. */
function served(args: readonly string[]): ServeOptions {
  const { result, stderr } = answer(['serve', ...args]);
  if (typeof result === 'number') throw new Error(`serve ${args.join(' ')} exited ${result}: ${stderr}`);
  return result;
}

/** A valid use of each option that serves, with what it needs beside it. */
const SAMPLES: Readonly<Record<Exclude<OptionName, 'help' | 'version'>, readonly string[]>> = {
  port: ['--port', '0'],
  host: ['--host', '::1'],
  config: ['--config', 'sandbox.json'],
  profile: ['--profile', 'iehr'],
  'data-dir': ['--data-dir', 'state'],
  issuer: ['--issuer', 'medirecords=medirecords'],
  'admin-token': ['--admin-token', 'token-1234'],
  https: ['--https'],
  'https-name': ['--https-name', '10.0.2.2'],
  cert: ['--cert', 'cert.pem', '--key', 'key.pem'],
  key: ['--key', 'key.pem', '--cert', 'cert.pem'],
};

// An option parsed and then dropped before ServeOptions would start the server as if it had not been given.
describe('every option reaches what serve is asked to do (SERVE_FIELDS)', () => {
  it('names exactly the fields of ServeOptions, each filled by some option', () => {
    const fields = Object.values(SERVE_FIELDS).filter((field) => field !== 'answered');
    expect(new Set(fields)).toEqual(new Set(Object.keys(served([]))));
  });

  it.each(Object.entries(SAMPLES))('--%s changes the field it names', (name, args) => {
    const field = SERVE_FIELDS[name as keyof typeof SAMPLES];
    expect(served(args)[field]).not.toEqual(served([])[field]);
  });
});

// docs/cli.md#options: an option added to the command's table is parsed, suggested, shown and documented, or
// one of these fails; the table in docs/ is generated (test/docs/generated-docs.test.ts keeps it current).
describe('the command options, from one table (server/cli-options.ts)', () => {
  it.each(options.map((option) => [option.name, option] as const))(
    'the parser takes --%s, with its value when it has one',
    (_name, option) => {
      const args = ['serve', `--${option.name}`, ...(option.value === undefined ? [] : [option.value])];
      const { result, stderr } = answer(args);
      // Its own rule may still refuse the placeholder (`--port N`), but never as an unknown or valueless flag.
      expect(stderr).not.toMatch(/unknown option|needs a value/);
      if (option.name === 'help' || option.name === 'version') expect(result).toBe(0);
      if (option.short !== undefined) expect(answer(['serve', `-${option.short}`]).stderr).toBe('');
    },
  );

  // `--host=` bound every interface (printing http://:PORT) and `--data-dir=` kept state in the current directory.
  it.each(Object.entries(VALUE_OPTIONS))('refuses an empty --%s, in either form', (name, placeholder) => {
    for (const args of [[`--${name}=`], [`--${name}`, '']]) {
      const { result, stderr } = answer(['serve', ...args]);
      expect(result, args.join(' ')).toBe(2);
      expect(stderr).toBe(
        `token-sandbox: --${name} needs a value: --${name} ${placeholder}. See "token-sandbox --help".\n`,
      );
    }
  });

  it('shows every option in --help, each on its own line in the flag column', () => {
    const { result, stdout } = answer(['--help']);
    expect(result).toBe(0);
    const lines = stdout.split('\n');
    for (const option of options) {
      expect(
        lines.some((line) => line.startsWith(`  ${helpLabel(option)} `) || line === `  ${helpLabel(option)}`),
        helpLabel(option),
      ).toBe(true);
    }
    // Aligned and wrapped: no line wider than a terminal's usual width.
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(110);
  });

  it('documents every option in the Options table of docs/cli.md', async () => {
    const page = await readFile(new URL('../../docs/cli.md', import.meta.url), 'utf8');
    for (const option of options) expect(page, docsLabel(option)).toContain(`| ${docsLabel(option)} `);
  });

  it('suggests each option for a one-letter slip of it', () => {
    for (const option of options) {
      const typo = `--${option.name.slice(0, -1)}`;
      expect(answer(['serve', typo]).stderr, typo).toContain(`; did you mean --${option.name}?`);
    }
  });

  // npm start --data-dir /tmp/x --port 0: npm passes on "/tmp/x 0" and sets npm_config_port and _data_dir, in no
  // order of the command line's; pairing them in the table's order suggested --port /tmp/x --data-dir 0.
  it('never pairs a passed-on value with the wrong kept flag', () => {
    const env = { npm_lifecycle_event: 'start', npm_config_data_dir: 'true', npm_config_port: 'true' };
    expect(npmKeptFlags(env, ['/tmp/x', '0'], VALUE_OPTIONS, SWITCH_OPTIONS)).toBe(
      'npm kept --port --data-dir for itself and did not pass it on; put -- before the flags: ' +
        'npm start -- --port N --data-dir DIR',
    );
  });

  it('tells of every value option and switch npm kept for itself (npm start --port 0)', () => {
    for (const option of options) {
      if (option.name === 'help' || option.name === 'version') continue;
      const env = {
        npm_lifecycle_event: 'start',
        [`npm_config_${option.name.replaceAll('-', '_')}`]: 'true',
      };
      expect(npmKeptFlags(env, [], VALUE_OPTIONS, SWITCH_OPTIONS), option.name).toContain(
        `npm kept --${option.name} for itself`,
      );
    }
  });
});
