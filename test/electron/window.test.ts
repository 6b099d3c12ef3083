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
  it('isolates the page from Node and sandboxes it: only the safe switches are on', () => {
    const { preload, ...switches } = webPreferences('/app/preload.cjs');
    expect(preload).toBe('/app/preload.cjs');
    // Every option is an explicit switch, so an Electron default that changes cannot open a door.
    expect(Object.values(switches).every((v) => typeof v === 'boolean')).toBe(true);
    // Checklist items 3, 4 and 6: isolation, the sandbox and web security on; safeDialogs stops dialog spam.
    const on = Object.entries(switches).filter(([, v]) => v === true);
    expect(on.map(([k]) => k).sort()).toEqual(['contextIsolation', 'safeDialogs', 'sandbox', 'webSecurity']);
    // Items 2, 8, 9, 11: no Node anywhere in the page, no insecure content, no experiments, no <webview>.
    for (const door of [
      'nodeIntegration',
      'nodeIntegrationInWorker',
      'nodeIntegrationInSubFrames',
      'allowRunningInsecureContent',
      'experimentalFeatures',
      'webviewTag',
      'navigateOnDragDrop',
    ] as const) {
      expect(switches[door], door).toBe(false);
    }
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
