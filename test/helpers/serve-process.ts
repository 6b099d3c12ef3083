import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN } from './cli.js';

export interface ServeProcess {
  readonly origin: string;
  readonly child: ChildProcessWithoutNullStreams;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Writes `config` to a temporary file and returns its path, with a function that removes it. */
export async function tempConfig(config: unknown): Promise<{ file: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'token-sandbox-'));
  const file = path.join(dir, 'config.json');
  await writeFile(file, JSON.stringify(config));
  return { file, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Starts the built command (`node bin/token-sandbox.js …`) and resolves once it prints its
 * `listening on` line, with the origin it printed. Needs `npm run build` (the typecheck step builds too).
 */
export function startServe(args: readonly string[]): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      resolve(code);
    }),
  );
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1] !== undefined) {
        resolve({
          origin: match[1],
          child,
          stop: () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    void exited.then((code) => {
      reject(new Error(`token-sandbox exited with ${code}: ${err}`));
    });
  });
}

/** Runs the command to completion and returns its exit code and output. */
export function runServe(
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      resolve({ code, stdout, stderr });
    }),
  );
}
