import { EventEmitter } from 'node:events';
import type { App } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { setupCleanQuit, setupSingleInstance } from '../../electron/lifecycle.js';

function fakeApp(lock = true) {
  const emitter = new EventEmitter();
  const app = {
    requestSingleInstanceLock: () => lock,
    on: (event: string, listener: (...args: unknown[]) => void) => emitter.on(event, listener),
    quit: vi.fn(() => {
      const event = { defaultPrevented: false, preventDefault: () => (event.defaultPrevented = true) };
      emitter.emit('before-quit', event);
      return event.defaultPrevented;
    }),
  };
  return {
    app: app as unknown as Pick<App, 'requestSingleInstanceLock' | 'on' | 'quit'>,
    emitter,
    quit: app.quit,
  };
}

describe('single instance (docs/cli.md#data-folder)', () => {
  it('a second launch focuses the first window', () => {
    const { app, emitter } = fakeApp(true);
    const focus = vi.fn();
    expect(setupSingleInstance(app, focus)).toBe(true);
    emitter.emit('second-instance');
    expect(focus).toHaveBeenCalledOnce();
  });

  it('the second instance learns that it must quit', () => {
    const { app, emitter } = fakeApp(false);
    const focus = vi.fn();
    expect(setupSingleInstance(app, focus)).toBe(false);
    expect(emitter.listenerCount('second-instance')).toBe(0);
  });
});

describe('clean quit', () => {
  it('holds the quit until the server has stopped, then quits once', async () => {
    const { app, quit } = fakeApp();
    let finishStop: () => void = () => undefined;
    const stop = vi.fn(() => new Promise<void>((resolve) => (finishStop = resolve)));
    setupCleanQuit(app, stop, vi.fn());
    expect(quit()).toBe(true); // the first quit is held back
    expect(stop).toHaveBeenCalledOnce();
    expect(quit).toHaveBeenCalledTimes(1);
    finishStop();
    await vi.waitFor(() => {
      expect(quit).toHaveBeenCalledTimes(2);
    });
    expect(quit.mock.results[1]?.value).toBe(false); // the second quit goes through
    expect(stop).toHaveBeenCalledOnce();
  });

  it('reports a failing stop and still quits', async () => {
    const { app, quit } = fakeApp();
    const report = vi.fn();
    setupCleanQuit(app, () => Promise.reject(new Error('disk full')), report);
    quit();
    await vi.waitFor(() => {
      expect(quit).toHaveBeenCalledTimes(2);
    });
    expect(report).toHaveBeenCalledExactlyOnceWith(new Error('disk full'));
  });
});
