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
