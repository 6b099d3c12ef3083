import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { menuTemplate } from '../../electron/menu.js';

function actions() {
  return { copyServerUrl: vi.fn(), openDataFolder: vi.fn(), exportConfig: vi.fn() };
}

function fileMenu(template: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  const file = template.find((m) => m.label === 'File');
  if (!Array.isArray(file?.submenu)) throw new Error('no File menu');
  return file.submenu;
}

function click(item: MenuItemConstructorOptions | undefined): void {
  (item?.click as (() => void) | undefined)?.();
}

describe('application menu', () => {
  it('has the sandbox items, each wired to its action', () => {
    const a = actions();
    const items = fileMenu(menuTemplate('linux', a));
    expect(items.slice(0, 3).map((i) => i.label)).toStrictEqual([
      'Copy Server URL',
      'Open Data Folder',
      'Export Config…',
    ]);
    click(items[0]);
    click(items[1]);
    click(items[2]);
    expect(a.copyServerUrl).toHaveBeenCalledOnce();
    expect(a.openDataFolder).toHaveBeenCalledOnce();
    expect(a.exportConfig).toHaveBeenCalledOnce();
  });

  it('has the standard menus by role on Linux and Windows, Quit in File', () => {
    for (const platform of ['linux', 'win32'] as const) {
      const template = menuTemplate(platform, actions());
      expect(template.map((m) => m.role ?? m.label)).toStrictEqual([
        'File',
        'editMenu',
        'viewMenu',
        'windowMenu',
      ]);
      expect(fileMenu(template).at(-1)).toStrictEqual({ role: 'quit' });
    }
  });

  it('starts with the app menu on macOS and closes the window from File', () => {
    const template = menuTemplate('darwin', actions());
    expect(template.map((m) => m.role ?? m.label)).toStrictEqual([
      'appMenu',
      'File',
      'editMenu',
      'viewMenu',
      'windowMenu',
    ]);
    expect(fileMenu(template).at(-1)).toStrictEqual({ role: 'close' });
  });
});
