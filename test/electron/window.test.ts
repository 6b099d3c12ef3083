import { EventEmitter } from 'node:events';
import type { BrowserWindowConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import {
  createWorkbenchWindow,
  webPreferences,
  windowOptions,
  workbenchUrl,
  type BrowserWindowClass,
} from '../../electron/window.js';

describe('workbench window options (Electron security checklist)', () => {
  it('isolates the page from Node and sandboxes it, exactly as listed', () => {
    expect(webPreferences('/app/preload.cjs')).toStrictEqual({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
    });
  });

  it('has no enableBlinkFeatures and stays hidden until the page is ready', () => {
    const options = windowOptions('/app/preload.cjs');
    expect(options.webPreferences).not.toHaveProperty('enableBlinkFeatures');
    expect(options.show).toBe(false);
    expect(options.title).toBe('Token Sandbox');
  });

  it('opens the server front page signed in with the admin token', () => {
    expect(workbenchUrl('http://127.0.0.1:9710', 'a b&c')).toBe('http://127.0.0.1:9710/?token=a+b%26c');
  });

  it('creates the window with those options and shows it on ready-to-show', () => {
    const created: { options: BrowserWindowConstructorOptions; shown: number; emitter: EventEmitter }[] = [];
    class FakeWindow extends EventEmitter {
      shown = 0;
      constructor(readonly options: BrowserWindowConstructorOptions) {
        super();
        created.push({ options, shown: 0, emitter: this });
      }
      show(): void {
        const entry = created.find((c) => c.emitter === this);
        if (entry !== undefined) entry.shown++;
      }
    }
    createWorkbenchWindow(FakeWindow as unknown as BrowserWindowClass, '/app/preload.cjs');
    expect(created).toHaveLength(1);
    const [entry] = created;
    expect(entry?.options).toStrictEqual(windowOptions('/app/preload.cjs'));
    expect(entry?.shown).toBe(0);
    entry?.emitter.emit('ready-to-show');
    expect(entry?.shown).toBe(1);
  });
});
