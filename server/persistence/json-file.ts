import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';

/** A state file that exists but cannot be used; start-up stops rather than overwrite it. */
export class StateFileError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(
      `${file} ${reason}. It was left untouched: move it aside (or fix it) and start again, ` +
        'or start with another --data-dir.',
    );
    this.name = 'StateFileError';
  }
}

/** Reads a JSON state file; undefined when it does not exist. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StateFileError(file, `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new StateFileError(file, 'is not valid JSON (it may be damaged)');
  }
}

/**
 * Writes JSON atomically: a temporary file in the same folder, flushed, then renamed over the old one, then
 * the folder flushed so the rename itself survives a power cut. A crash at any moment leaves the old file
 * or the new one, never a torn one.
 */
export async function writeJsonFile(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`, { fsync: true, mode: 0o600 });
  if (process.platform !== 'win32') {
    const dir = await open(path.dirname(file), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
