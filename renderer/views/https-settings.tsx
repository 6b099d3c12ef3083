import { useEffect, useState } from 'react';
import type { DesktopApi, DesktopWindow } from '../../electron/ipc-contract.js';
import { Card, ErrorText } from '../components/common.js';

/** The desktop app's preload API, or undefined in a plain browser. */
export function desktopApi(win: Pick<Window, 'location'> & DesktopWindow): DesktopApi | undefined {
  return win.tokenSandboxDesktop;
}

/**
 * Settings → HTTPS. In the desktop app a switch saves the preference through the preload (it applies at the
 * next start: the server's origin, and with it the issuer every client has cached, changes with the scheme).
 * In a plain browser the headless server's scheme is fixed by how it was started, so this says how.
 */
export function HttpsSettings({
  desktop,
  secure,
}: {
  /** The desktop app's preload API; undefined in a plain browser. */
  readonly desktop: DesktopApi | undefined;
  /** Whether this page (and so the server) is served over https now. */
  readonly secure: boolean;
}) {
  return (
    <Card title="HTTPS">
      <p data-testid="https-now">
        This server serves <strong>{secure ? 'https' : 'plain http'}</strong>
        {secure ? ', with a certificate from its local CA unless it was started with your own.' : '.'}
      </p>
      {desktop === undefined ? (
        <p className="muted">
          The server’s scheme is chosen when it starts: <code>token-sandbox serve --https</code> (a
          certificate from a local CA it creates once and keeps; the CA file is printed at start-up),{' '}
          <code>--cert FILE --key FILE</code> for your own, or <code>&quot;https&quot;</code> in the config
          file. README “HTTPS” says how to trust the CA.
        </p>
      ) : (
        <DesktopHttpsSwitch desktop={desktop} secure={secure} />
      )}
    </Card>
  );
}

function DesktopHttpsSwitch({ desktop, secure }: { readonly desktop: DesktopApi; readonly secure: boolean }) {
  const [saved, setSaved] = useState<boolean>();
  const [changed, setChanged] = useState(false);
  const [error, setError] = useState<string>();

  useEffect(() => {
    let live = true;
    desktop.httpsPreference().then(
      (value) => {
        if (live) setSaved(value);
      },
      (err: unknown) => {
        if (live) setError(`could not read the saved preference: ${String(err)}`);
      },
    );
    return () => {
      live = false;
    };
  }, [desktop]);

  async function toggle(enabled: boolean) {
    setError(undefined);
    try {
      await desktop.setHttpsPreference(enabled);
      setSaved(enabled);
      setChanged(true);
    } catch (err) {
      setError(`could not save the preference: ${String(err)}`);
    }
  }

  return (
    <>
      <label className="choice">
        <input
          type="checkbox"
          checked={saved ?? secure}
          disabled={saved === undefined}
          onChange={(e) => void toggle(e.target.checked)}
        />{' '}
        Serve over HTTPS
      </label>
      <p className="muted small">
        Applies the next time Token Sandbox starts. The certificate comes from a local CA kept in the data
        folder (<code>https/ca.pem</code>); the app trusts it for its own window, and other clients trust it
        as README “HTTPS” explains.
      </p>
      {changed && saved !== secure ? (
        <p role="status" className="ok-text">
          Saved. Restart Token Sandbox to serve {saved === true ? 'https' : 'plain http'}.
        </p>
      ) : null}
      <ErrorText message={error} />
    </>
  );
}
