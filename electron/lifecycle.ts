/**
 * App-level lifecycle rules: one instance per user, and a quit that waits for the server to stop.
 */
import type { App } from 'electron';

/**
 * Takes the single-instance lock (docs/cli.md#data-folder: two instances must never share one data folder).
 * Returns false when another instance holds it; that instance is then told to show its window.
 */
export function setupSingleInstance(
  app: Pick<App, 'requestSingleInstanceLock' | 'on'>,
  focusWindow: () => void,
): boolean {
  if (!app.requestSingleInstanceLock()) return false;
  app.on('second-instance', () => {
    focusWindow();
  });
  return true;
}

/**
 * Delays the first quit until `stop()` has closed the server (pending state writes finish inside it), then
 * quits for real. A failing stop is reported but never keeps the app from quitting.
 */
export function setupCleanQuit(
  app: Pick<App, 'on' | 'quit'>,
  stop: () => Promise<void>,
  report: (err: unknown) => void,
): void {
  let stopping = false;
  app.on('before-quit', (event) => {
    if (stopping) return;
    stopping = true;
    event.preventDefault();
    stop()
      .catch(report)
      .finally(() => {
        app.quit();
      });
  });
}

/**
 * SIGINT and SIGTERM (a terminal's Ctrl-C, a session logout, `kill`) quit through the same clean path as the
 * menu, so the server closes and the state is written. The handlers stay installed (`on`): signal-exit, which
 * write-file-atomic installs for the length of each write, re-raises a signal it finds no other listener for,
 * and the app would then die mid-write without its final persist.
 */
export function setupSignalQuit(proc: Pick<NodeJS.Process, 'on'>, quit: () => void): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    proc.on(signal, () => {
      quit();
    });
  }
}
