import { failed, messageOf, OK } from './errors.js';
import type { ActionResult, Remote } from './types.js';

/**
 * Reads a list from the admin API into its `Remote`: "loading" only the first time (a reload keeps what is on
 * screen until the answer comes), then the data or the error in words.
 */
export async function loadRemote<T>(
  current: Remote<T>,
  put: (next: Remote<T>) => void,
  read: () => Promise<T>,
): Promise<void> {
  if (current.status !== 'ready') put({ status: 'loading' });
  try {
    put({ status: 'ready', data: await read() });
  } catch (err) {
    put({ status: 'error', message: messageOf(err) });
  }
}

/** Runs a write, then reads again what the server now holds: the server decides what stands. */
export async function writeThenReload(
  write: () => Promise<unknown>,
  reload: () => Promise<void>,
): Promise<ActionResult> {
  try {
    await write();
    await reload();
    return OK;
  } catch (err) {
    return failed(err);
  }
}
