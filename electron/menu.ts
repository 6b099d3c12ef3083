/**
 * The application menu as data: the platform's standard menus (by role, so Electron supplies the native
 * labels and shortcuts) plus the sandbox's own items. Main turns it into a Menu.
 */
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  copyServerUrl(): void;
  openDataFolder(): void;
  exportConfig(): void;
}

export function menuTemplate(platform: NodeJS.Platform, actions: MenuActions): MenuItemConstructorOptions[] {
  const isMac = platform === 'darwin';
  const item = (label: string, run: () => void, accelerator?: string): MenuItemConstructorOptions => ({
    label,
    ...(accelerator === undefined ? {} : { accelerator }),
    click: () => {
      run();
    },
  });
  const sandboxItems = [
    item(
      'Copy Server URL',
      () => {
        actions.copyServerUrl();
      },
      'CmdOrCtrl+Shift+C',
    ),
    item('Open Data Folder', () => {
      actions.openDataFolder();
    }),
    item(
      'Export Config…',
      () => {
        actions.exportConfig();
      },
      'CmdOrCtrl+E',
    ),
  ];
  return [
    ...(isMac ? [{ role: 'appMenu' } as const] : []),
    {
      label: 'File',
      submenu: [...sandboxItems, { type: 'separator' }, isMac ? { role: 'close' } : { role: 'quit' }],
    },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
  ];
}
