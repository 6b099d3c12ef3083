import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'vitest';

export const BIN = fileURLToPath(new URL('../../bin/token-sandbox.js', import.meta.url));

export interface RunningCli {
  readonly child: ChildProcessWithoutNullStreams;
  readonly origin: string;
  readonly adminToken: string;
  /** Everything printed to stdout so far. */
  readonly stdout: () => string;
  readonly stderr: () => string;
  /**
   * Resolves with everything the stream has printed once it contains `text` (at once if it does already), as
   * the command writes it: lines printed after the `listening on` one may arrive in a later chunk. Rejects if
   * the command exits first.
   */
  readonly printed: (stream: 'stdout' | 'stderr', text: string) => Promise<string>;
  /** Sends a signal and resolves with the exit code, once all the command printed has been read. */
  readonly stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/**
 * A confidential client for a black-box config (docs/config.md#clients): a secret, one redirect URI, and by
 * default the three grants a confidential client may use.
 */
export function secretClient(
  clientId: string,
  clientSecret: string,
  redirectUri: string,
  scope: string,
  grantTypes: readonly string[] = ['authorization_code', 'refresh_token', 'client_credentials'],
) {
  return { clientId, clientSecret, redirectUris: [redirectUri], grantTypes, scope };
}

/** Writes a config document to a temporary file and returns its path. */
export async function writeConfig(doc: unknown): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sandbox-config-'));
  const file = path.join(dir, 'sandbox.json');
  await writeFile(file, JSON.stringify(doc));
  return file;
}

/** Starts the real `token-sandbox serve` command and waits for its `listening on` line. */
export async function startCli(
  args: string[],
  /** `bin`: another copy of bin/token-sandbox.js, such as one installed from the packed tarball. */
  options: { readonly env?: NodeJS.ProcessEnv; readonly bin?: string } = {},
): Promise<RunningCli> {
  const child = spawn(process.execPath, [options.bin ?? BIN, 'serve', '--port', '0', ...args], {
    stdio: 'pipe',
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  // 'close', not 'exit': once it fires, everything the command printed has been read.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const printed = (stream: 'stdout' | 'stderr', text: string) =>
    new Promise<string>((resolve, reject) => {
      const current = () => (stream === 'stdout' ? out : err);
      const check = () => {
        if (!current().includes(text)) return;
        child[stream].off('data', check);
        resolve(current());
      };
      // Registered after the accumulating listener above, so `current()` already holds each new chunk.
      child[stream].on('data', check);
      check();
      void exited.then(() => {
        child[stream].off('data', check);
        reject(new Error(`exited before printing "${text}" on ${stream}: ${current()}`));
      });
    });
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "listening on" line within 15 s: ${out} ${err}`)),
      15_000,
    );
    const check = () => {
      const m = /listening on (https?:\/\/\S+)\n[^]*\?token=\S+\n/.exec(out);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${String(code)} before listening: ${err}`));
    });
  });
  const adminToken = /\?token=(\S+)/.exec(out)?.[1] ?? '';
  return {
    child,
    origin,
    adminToken,
    stdout: () => out,
    stderr: () => err,
    printed,
    stop: async (signal = 'SIGTERM') => {
      child.kill(signal);
      return exited;
    },
  };
}

/** Runs the command to completion and returns its exit code and output. */
export async function runCliToExit(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  /** `bin`: another copy of bin/token-sandbox.js, as for startCli. */
  bin: string = BIN,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: 'pipe', env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // 'close', not 'exit': once it fires, everything the command printed has been read (as startCli's stop).
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { code, stdout, stderr };
}

/**
 * One admin API call to a running command, with its own admin token; a `body` goes as JSON. Resolves with the
 * status and the body read to the end (so the socket goes back to the pool).
 */
export async function adminCall(
  cli: RunningCli,
  method: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  const res = await fetch(`${cli.origin}/_sandbox/api${route}`, {
    method,
    headers: {
      authorization: `Bearer ${cli.adminToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, text: await res.text() };
}

/**
 * Registers a client_credentials client through the admin API of a running command; resolves with the status
 * (201 once the client is on disk, when the command has a data folder).
 */
export async function addBackendClient(
  origin: string,
  adminToken: string,
  clientId: string,
): Promise<number> {
  const res = await fetch(`${origin}/_sandbox/api/clients`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      clientId,
      clientSecret: 'x',
      grantTypes: ['client_credentials'],
      scope: 'system/*.rs',
    }),
  });
  await res.arrayBuffer(); // read to the end, so the socket goes back to the pool
  return res.status;
}

/**
 * Runs the command as `npm start` hands it on: `npmConfig` holds the npm_config_* variables of the flags npm
 * kept for itself (npm 10/11 keep a flag they do not know, and pass on only what follows it).
 */
export async function runUnderNpmStart(
  args: string[],
  npmConfig: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCliToExit(args, { npm_lifecycle_event: 'start', ...npmConfig });
}

/**
 * `it` with `startCli` as a fixture: every command a test starts and leaves running is killed (SIGKILL: a
 * failed test may leave it holding sockets) when the test ends. A test that checks how the command stops
 * stops it itself.
 */
export const cliTest = test.extend<{ startCli: typeof startCli }>({
  // eslint-disable-next-line no-empty-pattern -- vitest fixtures take their dependencies by destructuring.
  startCli: async ({}, use) => {
    const started: RunningCli[] = [];
    await use(async (args, options) => {
      const cli = await startCli(args, options);
      started.push(cli);
      return cli;
    });
    for (const cli of started) {
      if (cli.child.exitCode === null && cli.child.signalCode === null) await cli.stop('SIGKILL');
    }
  },
});

/**
 * `cliTest` with `cli`: one `token-sandbox serve` that the file's tests share, started when a test first names
 * it, with the arguments `args` resolves to (it may write a config or make a data folder first), and stopped
 * after the file's last test, before `cleanup` runs (so the command never writes into a removed folder).
 */
export function servedCliTest(args: () => Promise<string[]>, cleanup?: () => Promise<void>) {
  return cliTest.extend<{ cli: RunningCli }>({
    cli: [
      // eslint-disable-next-line no-empty-pattern -- vitest fixtures take their dependencies by destructuring.
      async ({}, use) => {
        const cli = await startCli(await args());
        await use(cli);
        await cli.stop();
        await cleanup?.();
      },
      { scope: 'file' },
    ],
  });
}
