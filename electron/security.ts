/**
 * The window's security rules as plain functions over the few Electron objects they touch, so tests can
 * drive them with stand-ins. Follows Electron's security checklist (docs/tutorial/security.md): items 5
 * (permissions), 7 (CSP), 11-14 (webviews, navigation, new windows) and 15 (openExternal).
 */
import type {
  HeadersReceivedResponse,
  OnHeadersReceivedListenerDetails,
  Session,
  WebContents,
} from 'electron';

/** True when `url` parses and has exactly the origin `origin` (never a prefix match: checklist §13). */
export function isSameOrigin(url: string, origin: string): boolean {
  try {
    return new URL(url).origin === new URL(origin).origin;
  } catch {
    return false;
  }
}

/** True for an absolute http(s) URL: the only kind handed to the system browser (checklist §15). */
export function isExternalWebUrl(url: unknown): url is string {
  if (typeof url !== 'string' || url.length > 4096) return false;
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/** Denies every permission request and check: the workbench needs no camera, notifications or the like. */
export function denyAllPermissions(
  session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'>,
): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => {
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
}

/**
 * Adds the CSP header to every response the session receives (checklist §7: a header, not a meta tag): nothing
 * but the sandbox's own origin. Inline styles stay allowed because the server's own pages (login, consent,
 * errors) carry a `<style>` block; scripts never run inline. The policy is written out literally here so the
 * security linter evaluates the real thing.
 */
export function enforceContentSecurityPolicy(session: {
  webRequest: Pick<Session['webRequest'], 'onHeadersReceived'>;
}): void {
  session.webRequest.onHeadersReceived(
    (details: OnHeadersReceivedListenerDetails, callback: (response: HeadersReceivedResponse) => void) => {
      // The linter reads its suppression comment from the line it reports, so Prettier must not move it.
      // prettier-ignore
      callback({
        responseHeaders: { // eng-disable CSP_GLOBAL_CHECK -- rates script-src 'self' as maybe weak in case the origin hosts JSONP or uploads; this server hosts neither
          ...details.responseHeaders,
          'Content-Security-Policy': [
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
          ],
        },
      });
    },
  );
}

/** The parts of a WebContents the hardening attaches to. */
export type HardenableContents = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

/**
 * Keeps a WebContents on the sandbox's origin: navigation and redirects elsewhere are cancelled, webviews
 * never attach, and no new window opens. A link meant for a new window that points at an http(s) page goes
 * to the system browser instead, where the user expects it.
 */
export function hardenContents(
  contents: HardenableContents,
  origin: () => string,
  openExternal: (url: string) => unknown,
): void {
  const keepOnOrigin = (event: { preventDefault(): void }, url: string) => {
    if (!isSameOrigin(url, origin())) event.preventDefault();
  };
  contents.on('will-navigate', keepOnOrigin);
  contents.on('will-redirect', keepOnOrigin);
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    if (isExternalWebUrl(url) && !isSameOrigin(url, origin())) void openExternal(url);
    return { action: 'deny' };
  });
}

/** A PEM certificate without its armour and whitespace, so line endings (forge writes CRLF) do not matter. */
function pemBody(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
}

/**
 * Whether a certificate Chromium could not verify is the one the embedded server serves (from the local CA,
 * which the system need not trust), presented for the server's own origin: the window accepts exactly that
 * certificate there and refuses every other certificate error, as a browser would.
 */
export function isOwnServerCertificate(
  url: string,
  presentedPem: string,
  origin: string,
  ownPem: string | undefined,
): boolean {
  if (ownPem === undefined || !isSameOrigin(url, origin)) return false;
  return pemBody(presentedPem) === pemBody(ownPem) && pemBody(ownPem) !== '';
}
