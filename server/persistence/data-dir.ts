import { lstat, mkdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { StateFileError } from './json-file.js';

/** The files in a data folder that the server trusts: the signing keys and the state. */
const TRUSTED_FILES = ['keys.json', 'state.json'] as const;

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8)}`;
}

/**
 * Creates the data folder readable by its owner only (0700), or checks an existing one the way ssh checks
 * `~/.ssh` (StrictModes): the folder and the files in it must belong to the user running the server (the
 * folder may belong to root), must not be writable by anyone else, and the signing keys must not be readable
 * by anyone else. Anyone who can write them can replace the signing keys or register clients; anyone who can
 * read the keys can mint tokens. Anything else stops start-up with a message saying how to fix it.
 */
export async function prepareDataDir(dataDir: string): Promise<void> {
  // `mode` applies to every folder mkdir creates, and to none that already exist.
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Something other than a folder in its place (EEXIST) is named below; a file above it (ENOTDIR) here.
    if (code !== 'EEXIST') throw new StateFileError(dataDir, `cannot be created (${code ?? 'error'})`);
  }
  if (process.platform === 'win32' || process.getuid === undefined) return; // ACLs, not modes, on Windows
  const uid = process.getuid();
  const dir = await lstat(dataDir);
  if (dir.isSymbolicLink()) {
    // Not followed: whoever owns the link (another user, in a shared /tmp) could point it elsewhere later.
    const target = await realpath(dataDir).catch(() => undefined);
    throw new StateFileError(
      dataDir,
      `is a symbolic link${target === undefined ? '' : ` to ${target}`}, which is not followed; pass the folder itself as --data-dir`,
    );
  }
  if (!dir.isDirectory()) throw new StateFileError(dataDir, 'is not a folder');
  if (dir.uid !== uid && dir.uid !== 0) {
    throw new StateFileError(dataDir, `belongs to another user (uid ${dir.uid}), so it cannot be trusted`);
  }
  if ((dir.mode & 0o022) !== 0) {
    throw new StateFileError(
      dataDir,
      `is writable by other users (mode ${octal(dir.mode)}), so anyone could replace its signing keys; ` +
        `run "chmod go-w ${dataDir}"`,
    );
  }
  for (const name of TRUSTED_FILES) {
    const file = path.join(dataDir, name);
    const stats = await lstat(file).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    });
    if (stats === undefined) continue;
    if (!stats.isFile()) throw new StateFileError(file, 'is not a regular file (a link, or a folder)');
    if (stats.uid !== uid) {
      throw new StateFileError(file, `belongs to another user (uid ${stats.uid}), so it cannot be trusted`);
    }
    // The keys sign every token: like ssh with a private key, refuse them readable by others too.
    const forbidden = name === 'keys.json' ? 0o077 : 0o022;
    if ((stats.mode & forbidden) !== 0) {
      throw new StateFileError(
        file,
        `is ${name === 'keys.json' ? 'readable or writable' : 'writable'} by other users (mode ${octal(stats.mode)}); ` +
          `run "chmod 600 ${file}"`,
      );
    }
  }
}
