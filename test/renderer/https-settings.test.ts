// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DesktopApi } from '../../electron/ipc-contract.js';
import { HttpsSettings } from '../../renderer/views/https-settings.js';

afterEach(cleanup);

function fakeDesktop(saved: boolean) {
  let preference = saved;
  return {
    openExternal: vi.fn<DesktopApi['openExternal']>(async () => undefined),
    revealDataFolder: vi.fn<DesktopApi['revealDataFolder']>(async () => undefined),
    appVersion: async () => '0.1.0',
    httpsPreference: async () => preference,
    setHttpsPreference: vi.fn<DesktopApi['setHttpsPreference']>(async (enabled) => {
      preference = enabled;
    }),
  } satisfies DesktopApi;
}

describe('Settings → HTTPS (README "HTTPS")', () => {
  it('in the desktop app, saves the switch and says it applies at the next start', async () => {
    const desktop = fakeDesktop(false);
    render(createElement(HttpsSettings, { desktop, secure: false }));
    expect(screen.getByTestId('https-now').textContent).toBe('This server serves plain http.');
    const box = screen.getByLabelText<HTMLInputElement>('Serve over HTTPS');
    await waitFor(() => {
      expect(box.disabled).toBe(false);
    });
    expect(box.checked).toBe(false);
    fireEvent.click(box);
    await waitFor(() => {
      expect(screen.getByRole('status').textContent).toBe('Saved. Restart Token Sandbox to serve https.');
    });
    expect(desktop.setHttpsPreference).toHaveBeenCalledExactlyOnceWith(true);
    expect(box.checked).toBe(true);
    expect(screen.getByText(/Applies the next time Token Sandbox starts/)).toBeTruthy();
  });

  it('shows the saved preference, not the scheme in force, once read', async () => {
    render(createElement(HttpsSettings, { desktop: fakeDesktop(true), secure: false }));
    const box = screen.getByLabelText<HTMLInputElement>('Serve over HTTPS');
    await waitFor(() => {
      expect(box.checked).toBe(true);
    });
  });

  it('in a plain browser, offers no switch and explains the command-line flags', () => {
    render(createElement(HttpsSettings, { desktop: undefined, secure: true }));
    expect(screen.queryByLabelText('Serve over HTTPS')).toBeNull();
    expect(screen.getByTestId('https-now').textContent).toContain('This server serves https');
    expect(screen.getByText('token-sandbox serve --https')).toBeTruthy();
    expect(screen.getByText('--cert FILE --key FILE')).toBeTruthy();
  });
});
