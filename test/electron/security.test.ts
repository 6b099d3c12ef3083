import { EventEmitter } from 'node:events';
import type { HeadersReceivedResponse, OnHeadersReceivedListenerDetails } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import {
  denyAllPermissions,
  enforceContentSecurityPolicy,
  hardenContents,
  isExternalWebUrl,
  isOwnServerCertificate,
  type HardenableContents,
} from '../../electron/security.js';

const ORIGIN = 'http://127.0.0.1:9710';

type OpenHandler = (details: { url: string }) => { action: string };

function fakeContents() {
  const emitter = new EventEmitter();
  let openHandler: OpenHandler | undefined;
  const contents = {
    on: (event: string, listener: (...args: unknown[]) => void) => emitter.on(event, listener),
    setWindowOpenHandler: (handler: OpenHandler) => {
      openHandler = handler;
    },
  };
  const fire = (event: string, url: string) => {
    const e = { defaultPrevented: false, preventDefault: () => (e.defaultPrevented = true) };
    emitter.emit(event, e, url);
    return e.defaultPrevented;
  };
  return {
    contents: contents as unknown as HardenableContents,
    fire,
    open: (url: string) => {
      if (openHandler === undefined) throw new Error('no window open handler');
      return openHandler({ url });
    },
  };
}

describe('navigation and new windows (checklist §11-§14)', () => {
  it('cancels navigation and redirects away from the server origin, allows them on it', () => {
    const { contents, fire } = fakeContents();
    hardenContents(contents, () => ORIGIN, vi.fn());
    expect(fire('will-navigate', 'https://evil.example/')).toBe(true);
    expect(fire('will-navigate', 'http://127.0.0.1:9710.evil.example/')).toBe(true);
    expect(fire('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(fire('will-redirect', 'http://127.0.0.1:1/')).toBe(true);
    expect(fire('will-navigate', `${ORIGIN}/authorize?x=1`)).toBe(false);
    expect(fire('will-redirect', `${ORIGIN}/`)).toBe(false);
  });

  it('never attaches a webview', () => {
    const { contents, fire } = fakeContents();
    hardenContents(contents, () => ORIGIN, vi.fn());
    expect(fire('will-attach-webview', `${ORIGIN}/`)).toBe(true);
  });

  it('denies every new window; an external http(s) link goes to the system browser instead', () => {
    const { contents, open } = fakeContents();
    const openExternal = vi.fn();
    hardenContents(contents, () => ORIGIN, openExternal);
    expect(open('https://hl7.org/fhir/')).toStrictEqual({ action: 'deny' });
    expect(open(`${ORIGIN}/other`)).toStrictEqual({ action: 'deny' });
    expect(open('javascript:alert(1)')).toStrictEqual({ action: 'deny' });
    expect(open('file:///etc/passwd')).toStrictEqual({ action: 'deny' });
    expect(openExternal).toHaveBeenCalledExactlyOnceWith('https://hl7.org/fhir/');
  });
});

describe('openExternal allow-list (checklist §15)', () => {
  it.each(['https://example.com/', 'http://localhost:3000/cb'])('allows %s', (url) => {
    expect(isExternalWebUrl(url)).toBe(true);
  });

  it.each([
    'file:///etc/passwd',
    'javascript:alert(1)',
    'data:text/html,hi',
    'ms-settings:',
    '//example.com',
    '',
    42,
    null,
  ])('refuses %s', (url) => {
    expect(isExternalWebUrl(url)).toBe(false);
  });
});

describe('permissions (checklist §5)', () => {
  it('denies every request and every check', () => {
    let requestHandler:
      ((wc: unknown, permission: string, callback: (granted: boolean) => void) => void) | undefined;
    let checkHandler: (() => boolean) | undefined;
    const session = {
      setPermissionRequestHandler: (h: typeof requestHandler) => {
        requestHandler = h;
      },
      setPermissionCheckHandler: (h: typeof checkHandler) => {
        checkHandler = h;
      },
    };
    denyAllPermissions(session as unknown as Parameters<typeof denyAllPermissions>[0]);
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal']) {
      const callback = vi.fn();
      requestHandler?.({}, permission, callback);
      expect(callback).toHaveBeenCalledExactlyOnceWith(false);
    }
    expect(checkHandler?.()).toBe(false);
  });
});

function policyHeader(): { headers: Record<string, string[]>; policy: string } {
  let listener:
    ((d: OnHeadersReceivedListenerDetails, cb: (r: HeadersReceivedResponse) => void) => void) | undefined;
  enforceContentSecurityPolicy({
    webRequest: {
      onHeadersReceived: ((l: typeof listener) => {
        listener = l;
      }) as never,
    },
  });
  const callback = vi.fn<(r: HeadersReceivedResponse) => void>();
  listener?.(
    { responseHeaders: { 'Content-Type': ['text/html'] } } as unknown as OnHeadersReceivedListenerDetails,
    callback,
  );
  expect(callback).toHaveBeenCalledOnce();
  const headers = (callback.mock.calls[0]?.[0].responseHeaders ?? {}) as Record<string, string[]>;
  return { headers, policy: headers['Content-Security-Policy']?.join() ?? '' };
}

describe('content security policy (checklist §7)', () => {
  it('adds the policy header to every response, keeping the others', () => {
    const { headers } = policyHeader();
    expect(Object.keys(headers)).toStrictEqual(['Content-Type', 'Content-Security-Policy']);
    expect(headers['Content-Type']).toStrictEqual(['text/html']);
    expect(headers['Content-Security-Policy']).toHaveLength(1);
  });

  it('allows scripts and connections from the server origin only', () => {
    const { policy } = policyHeader();
    const directives = new Map(
      policy
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([name, ...values]) => [name, values]),
    );
    expect(directives.get('default-src')).toStrictEqual(["'self'"]);
    expect(directives.get('script-src')).toStrictEqual(["'self'"]);
    expect(directives.get('connect-src')).toStrictEqual(["'self'"]);
    expect(directives.get('object-src')).toStrictEqual(["'none'"]);
    expect(directives.get('base-uri')).toStrictEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toStrictEqual(["'none'"]);
    expect(policy).not.toContain('unsafe-eval');
  });
});

describe('the window and the https server certificate (README "HTTPS")', () => {
  const OWN = '-----BEGIN CERTIFICATE-----\r\nMIIBown\r\nAAAA\r\n-----END CERTIFICATE-----\r\n';
  const HTTPS = 'https://127.0.0.1:9710';

  it('accepts the server’s own certificate on its origin, whatever the line endings', () => {
    const presented = '-----BEGIN CERTIFICATE-----\nMIIBownAAAA\n-----END CERTIFICATE-----\n';
    expect(isOwnServerCertificate(`${HTTPS}/?token=x`, presented, HTTPS, OWN)).toBe(true);
  });

  it.each([
    ['another certificate on the origin', `${HTTPS}/`, 'MIIBother', OWN],
    ['the same certificate on another origin', 'https://127.0.0.1:9711/', OWN, OWN],
    ['a server without https', `${HTTPS}/`, OWN, undefined],
    ['an empty certificate', `${HTTPS}/`, '', '-----BEGIN CERTIFICATE----------END CERTIFICATE-----'],
  ])('refuses %s', (_name, url, presented, own) => {
    expect(isOwnServerCertificate(url, presented, HTTPS, own)).toBe(false);
  });
});
