/**
 * Start-up decisions that involve the user: which port (the saved one, or a free one the user accepted when
 * it was taken) and which command-line overrides apply. No Electron here; main supplies the dialogs.
 */
import {
  PortInUseError,
  readDesktopSettings,
  startServerHost,
  writeDesktopSettings,
  type ServerHost,
} from './server-host.js';

export interface DesktopArgs {
  /** `--port N`: overrides the saved port for this launch (0 = any free port). */
  readonly port?: number;
  /** `--user-data-dir DIR`: keep everything in DIR instead of the platform's app-data folder. */
  readonly userDataDir?: string;
}

/**
 * Reads the few flags the desktop app understands from its argv. Chromium and Playwright add switches of
 * their own, so unknown arguments are ignored rather than refused.
 */
export function parseDesktopArgs(argv: readonly string[]): DesktopArgs {
  const valueOf = (name: string): string | undefined => {
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i] ?? '';
      if (arg === name) return argv[i + 1];
      if (arg.startsWith(`${name}=`)) return arg.slice(name.length + 1);
    }
    return undefined;
  };
  const port = valueOf('--port');
  const userDataDir = valueOf('--user-data-dir');
  const parsedPort =
    port !== undefined && /^\d{1,5}$/.test(port) && Number(port) <= 65535 ? Number(port) : undefined;
  return {
    ...(parsedPort === undefined ? {} : { port: parsedPort }),
    ...(userDataDir === undefined || userDataDir === '' ? {} : { userDataDir }),
  };
}

export interface StartOptions {
  readonly dataDir: string;
  /** A port given on the command line wins over the saved one and is not saved. */
  readonly portOverride?: number;
  /**
   * Asked when the port is taken: resolve true to use `error.freePort` (it is then saved as the new port),
   * false to give up.
   */
  readonly askToUseFreePort: (error: PortInUseError) => Promise<boolean>;
}

/** How many times a just-offered free port may be lost to another program before giving up. */
const MAX_ATTEMPTS = 3;

/**
 * Starts the server on the saved (or overridden) port; on a conflict offers a free port. Resolves with the
 * running host, or `undefined` when the user declined. Other start-up errors reject as they are.
 */
export async function startWithPortChoice(options: StartOptions): Promise<ServerHost | undefined> {
  const settings = await readDesktopSettings(options.dataDir);
  let port = options.portOverride ?? settings.port;
  for (let attempt = 1; ; attempt++) {
    try {
      const host = await startServerHost({ dataDir: options.dataDir, port, https: settings.https });
      if (options.portOverride === undefined && host.port !== settings.port) {
        await writeDesktopSettings(options.dataDir, { ...settings, port: host.port });
      }
      return host;
    } catch (err) {
      if (!(err instanceof PortInUseError) || attempt >= MAX_ATTEMPTS) throw err;
      if (!(await options.askToUseFreePort(err))) return undefined;
      port = err.freePort;
    }
  }
}
