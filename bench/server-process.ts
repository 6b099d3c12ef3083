import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

/** A server child process the bench started and must stop. */
export interface Spawned {
  readonly child: ChildProcess;
  readonly pid: number;
  /** `http://127.0.0.1:PORT`, from the process's own `listening on` line. */
  readonly origin: string;
  /** performance.now() at spawn and when the listening line arrived. */
  readonly spawnedAt: number;
  readonly listeningAt: number;
  /** SIGTERM, then wait for exit (so a `--cpu-prof` profile is written); SIGKILL after a grace period. */
  stop(): Promise<void>;
}

const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/;

/**
 * Spawns a node process and resolves once it prints `listening on http://127.0.0.1:PORT`. Anything it writes
 * to stderr is passed through, so a crash is visible; it is killed if no listening line comes in time.
 */
export async function spawnListening(
  args: readonly string[],
  options: { readonly nodeArgs?: readonly string[]; readonly timeoutMs?: number } = {},
): Promise<Spawned> {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${args.join(' ')}`);
  const lines = createInterface({ input: child.stdout });
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`${args.join(' ')} printed no listening line within ${options.timeoutMs ?? 30_000} ms`),
      );
    }, options.timeoutMs ?? 30_000);
    lines.on('line', (line) => {
      const m = LISTENING.exec(line);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited with ${code} before listening`));
    });
  });
  const listeningAt = performance.now();
  // Keep draining stdout so the child never blocks on a full pipe.
  lines.on('line', () => undefined);
  return {
    child,
    pid,
    origin,
    spawnedAt,
    listeningAt,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Resident set size of a process in bytes: VmRSS from /proc on Linux, `ps -o rss=` elsewhere (both in KiB).
 */
export function residentBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
    if (m?.[1] !== undefined) return Number(m[1]) * 1024;
  } catch {
    // No procfs (macOS, Windows under a POSIX shell): fall through to ps.
  }
  const kib = Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim());
  if (!Number.isFinite(kib)) throw new Error(`cannot read the resident size of process ${pid}`);
  return kib * 1024;
}

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux Node supports. */
const CLOCK_TICKS = 100;

/**
 * CPU time a process has used so far (user + system, every thread), in milliseconds, from /proc on Linux;
 * undefined elsewhere. Unlike a rate, CPU time per request barely moves when other work shares the machine.
 */
export function cpuMs(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // proc(5): fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return ((utime + stime) * 1000) / CLOCK_TICKS;
}
