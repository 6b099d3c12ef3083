import type { IpcMainInvokeEvent } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { CHANNELS } from '../../electron/ipc-contract.js';
import { ipcHandlers, registerIpc, type IpcCapabilities } from '../../electron/ipc.js';

const ORIGIN = 'http://127.0.0.1:9710';

function capabilities() {
  return {
    origin: () => ORIGIN,
    openExternal: vi.fn<(url: string) => Promise<void>>(async () => undefined),
    revealDataFolder: vi.fn<() => void>(),
    appVersion: () => '1.2.3',
    httpsPreference: async () => false,
    setHttpsPreference: vi.fn<(enabled: boolean) => Promise<void>>(async () => undefined),
  } satisfies IpcCapabilities;
}

function from(url: string | null): Pick<IpcMainInvokeEvent, 'senderFrame'> {
  return { senderFrame: url === null ? null : ({ url } as IpcMainInvokeEvent['senderFrame']) };
}

describe('IPC sender validation (Electron security checklist §17)', () => {
  it('answers a frame on the server origin', async () => {
    const handlers = ipcHandlers(capabilities());
    await expect(handlers[CHANNELS.appVersion](from(`${ORIGIN}/?token=x`))).resolves.toBe('1.2.3');
  });

  it.each([
    ['a foreign site', 'https://evil.example/'],
    ['a look-alike host', 'http://127.0.0.1:9710.evil.example/'],
    ['another port', 'http://127.0.0.1:9711/'],
    ['localhost instead of 127.0.0.1', 'http://localhost:9710/'],
    ['a file page', 'file:///etc/passwd'],
    ['an unparseable URL', 'not a url'],
  ])('refuses %s', async (_name, url) => {
    const caps = capabilities();
    const handlers = ipcHandlers(caps);
    for (const channel of Object.values(CHANNELS)) {
      await expect(
        handlers[channel](
          from(url),
          ...(channel === CHANNELS.openExternal
            ? ['https://ok.example/']
            : channel === CHANNELS.setHttpsPreference
              ? [true]
              : []),
        ),
      ).rejects.toThrow(`${channel} refused: sender`);
    }
    expect(caps.openExternal).not.toHaveBeenCalled();
    expect(caps.revealDataFolder).not.toHaveBeenCalled();
    expect(caps.setHttpsPreference).not.toHaveBeenCalled();
  });

  it('refuses a sender whose frame is gone', async () => {
    const handlers = ipcHandlers(capabilities());
    await expect(handlers[CHANNELS.revealDataFolder](from(null))).rejects.toThrow(
      'the sending frame is gone',
    );
  });

  it('follows the server when its origin changes', async () => {
    let origin = ORIGIN;
    const handlers = ipcHandlers({ ...capabilities(), origin: () => origin });
    origin = 'http://127.0.0.1:5000';
    await expect(handlers[CHANNELS.appVersion](from(`${ORIGIN}/`))).rejects.toThrow('refused');
    await expect(handlers[CHANNELS.appVersion](from('http://127.0.0.1:5000/'))).resolves.toBe('1.2.3');
  });
});

describe('IPC payload validation', () => {
  it.each(['https://hl7.org/fhir/smart-app-launch/', 'http://localhost:3000/callback'])(
    'opens %s in the browser',
    async (url) => {
      const caps = capabilities();
      await ipcHandlers(caps)[CHANNELS.openExternal](from(`${ORIGIN}/`), url);
      expect(caps.openExternal).toHaveBeenCalledExactlyOnceWith(url);
    },
  );

  it.each([
    ['file:', 'file:///etc/passwd'],
    ['javascript:', 'javascript:alert(1)'],
    ['a custom scheme', 'smb://host/share'],
    ['a relative URL', '/settings'],
    ['a number', 42],
    ['an object', { href: 'https://x.example/' }],
    ['a huge string', `https://x.example/${'a'.repeat(5000)}`],
  ])('refuses to open %s', async (_name, payload) => {
    const caps = capabilities();
    await expect(ipcHandlers(caps)[CHANNELS.openExternal](from(`${ORIGIN}/`), payload)).rejects.toThrow(
      'expects one absolute http(s) URL',
    );
    expect(caps.openExternal).not.toHaveBeenCalled();
  });

  it('refuses extra arguments', async () => {
    const caps = capabilities();
    const handlers = ipcHandlers(caps);
    await expect(
      handlers[CHANNELS.openExternal](from(`${ORIGIN}/`), 'https://a.example/', 'https://b.example/'),
    ).rejects.toThrow('expects one absolute http(s) URL');
    await expect(handlers[CHANNELS.revealDataFolder](from(`${ORIGIN}/`), '/etc')).rejects.toThrow(
      'takes no arguments',
    );
    await expect(handlers[CHANNELS.appVersion](from(`${ORIGIN}/`), 1)).rejects.toThrow('takes no arguments');
    expect(caps.revealDataFolder).not.toHaveBeenCalled();
  });

  it('saves the https preference from the Settings view, and only a boolean', async () => {
    const caps = capabilities();
    const handlers = ipcHandlers(caps);
    await handlers[CHANNELS.setHttpsPreference](from(`${ORIGIN}/`), true);
    expect(caps.setHttpsPreference).toHaveBeenCalledExactlyOnceWith(true);
    for (const payload of [[], ['true'], [1], [true, true], [{ enabled: true }]]) {
      await expect(handlers[CHANNELS.setHttpsPreference](from(`${ORIGIN}/`), ...payload)).rejects.toThrow(
        'expects one boolean',
      );
    }
    await expect(handlers[CHANNELS.httpsPreference](from(`${ORIGIN}/`), 1)).rejects.toThrow(
      'takes no arguments',
    );
    expect(await handlers[CHANNELS.httpsPreference](from(`${ORIGIN}/`))).toBe(false);
    expect(caps.setHttpsPreference).toHaveBeenCalledOnce();
  });

  it('reveals the data folder for the workbench', async () => {
    const caps = capabilities();
    await ipcHandlers(caps)[CHANNELS.revealDataFolder](from(`${ORIGIN}/`));
    expect(caps.revealDataFolder).toHaveBeenCalledOnce();
  });
});

describe('registerIpc', () => {
  it('handles exactly the three capability channels and removes them again', () => {
    const handled = new Map<string, unknown>();
    const ipcMain = {
      handle: vi.fn((channel: string, listener: unknown) => {
        handled.set(channel, listener);
      }),
      removeHandler: vi.fn((channel: string) => {
        handled.delete(channel);
      }),
    };
    const unregister = registerIpc(ipcMain, capabilities());
    expect([...handled.keys()].sort()).toStrictEqual(Object.values(CHANNELS).sort());
    unregister();
    expect(handled.size).toBe(0);
  });
});
