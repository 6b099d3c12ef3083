import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';

export interface ReadyProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** The `ready` pattern's match on the process's stdout. */
  readonly match: RegExpExecArray;
  /** Resolves with the exit code once the process has exited and its output is closed. */
  readonly exited: Promise<number | null>;
}

/**
 * For tests that kill a server in the middle of writes and read what it left in its data folder: each test
 * gets a fresh folder (`dir()`), and `start` runs a Node script in it. Whatever a test started and left
 * running (a failed test may leave one holding sockets) is SIGKILLed, and only then is the folder removed.
 */
export function processesWithDataDir(prefix: string): {
  readonly dir: () => string;
  /** Runs `node ...args` and resolves once its stdout matches `ready`; rejects if it exits first. */
  readonly start: (args: readonly string[], ready: RegExp) => Promise<ReadyProcess>;
} {
  let dir = '';
  const started: Pick<ReadyProcess, 'child' | 'exited'>[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), prefix));
  });
  afterEach(async () => {
    for (const { child, exited } of started.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  });
  const start = (args: readonly string[], ready: RegExp) =>
    new Promise<ReadyProcess>((resolve, reject) => {
      const child = spawn(process.execPath, args, { stdio: 'pipe' });
      const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
      let out = '';
      let err = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        const match = ready.exec(out);
        if (match !== null) resolve({ child, match, exited });
      });
      started.push({ child, exited });
      void exited.then((code) => {
        reject(new Error(`exited with ${String(code)} before printing ${String(ready)}: ${err}`));
      });
    });
  return { dir: () => dir, start };
}
