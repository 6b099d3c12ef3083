/**
 * Hosts the sandbox server inside the desktop app: builds it with the same factory as the CLI, keeps its
 * state in the app's data folder and listens on 127.0.0.1 only. Nothing here imports Electron, so tests run
 * it for real on a free port.
 */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../server/app.js';
import { DEFAULT_PORT } from '../server/cli.js';
import { findFreePort as findFreePortOn } from '../server/free-port.js';
import { readJsonFile, StateFileError, writeJsonFile } from '../server/persistence/json-file.js';

/** The desktop app binds loopback only; the CLI's `--host` has no desktop counterpart on purpose. */
export const DESKTOP_HOST = '127.0.0.1';

/** The port is busy; `freePort` was free a moment ago and is what the app offers instead. */
export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly freePort: number,
  ) {
    super(`Port ${port} on ${DESKTOP_HOST} is already in use (another Token Sandbox, or another program).`);
    this.name = 'PortInUseError';
  }
}

export interface ServerHost {
  readonly app: FastifyInstance;
  /** e.g. `http://127.0.0.1:9710`, or `https://…` when the desktop settings ask for https. */
  readonly origin: string;
  /**
   * With https, the server certificate (PEM) the window is to accept for `origin` and nothing else, and the
   * local CA file other clients are told to trust.
   */
  readonly tls?: { readonly cert: string; readonly caFile: string };
  readonly port: number;
  readonly adminToken: string;
  readonly dataDir: string;
  /** The whole config document (docs/config.md), as "Export config" writes it. */
  exportConfig(): Promise<unknown>;
  /**
   * Writes that document to `file`, atomically and readable by its owner only (0600): it holds client
   * secrets. A file that already exists is replaced, so it does not keep wider permissions.
   */
  exportConfigTo(file: string): Promise<void>;
  /** Stops listening and lets pending writes finish; safe to call twice. */
  close(): Promise<void>;
}

export interface ServerHostOptions {
  readonly dataDir: string;
  /** The port from the desktop settings; 0 picks a free one. */
  readonly port: number;
  /** Serve https with a certificate from the local CA kept in the data folder (`DIR/https`, as `serve --https`). */
  readonly https?: boolean;
}

/** A port that is free on 127.0.0.1 right now (the OS picks it). */
export async function findFreePort(): Promise<number> {
  return findFreePortOn(DESKTOP_HOST);
}

/**
 * Builds the server and listens on 127.0.0.1 at `options.port`. When the port is taken it rejects with a
 * {@link PortInUseError} that carries a free port to offer; any other failure (an unreadable state file, a
 * refused bind) rejects with the original error, whose message is meant for a person.
 */
export async function startServerHost(options: ServerHostOptions): Promise<ServerHost> {
  // Loaded only for https, so a plain start does not load the certificate code.
  const certificates = options.https === true ? await import('../server/https/certificates.js') : undefined;
  const local = await certificates?.localCertificate({
    dir: certificates.dataDirCertificateDir(options.dataDir),
  });
  const app = await buildServer({
    dataDir: options.dataDir,
    ...(local === undefined ? {} : { https: { cert: local.cert, key: local.key } }),
  });
  try {
    await app.listen({ port: options.port, host: DESKTOP_HOST });
  } catch (err) {
    await app.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new PortInUseError(options.port, await findFreePort());
    }
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const origin = `${local === undefined ? 'http' : 'https'}://${DESKTOP_HOST}:${port}`;
  app.sandbox.origin = origin;

  let closing: Promise<void> | undefined;
  return {
    app,
    origin,
    port,
    adminToken: app.sandbox.adminToken,
    dataDir: options.dataDir,
    ...(local === undefined ? {} : { tls: { cert: local.cert, caFile: local.caFile } }),
    exportConfig: async () => app.sandbox.exportConfig(),
    exportConfigTo: (file) => writeJsonFile(file, app.sandbox.exportConfig()),
    close: () => (closing ??= app.close()),
  };
}

/** What the desktop app remembers between launches, next to the sandbox's own state. */
export interface DesktopSettings {
  readonly port: number;
  /** Serve over https (Settings → HTTPS); applies at the next start. */
  readonly https: boolean;
}

export const DEFAULT_DESKTOP_SETTINGS: DesktopSettings = { port: DEFAULT_PORT, https: false };

export function desktopSettingsFile(dataDir: string): string {
  return path.join(dataDir, 'desktop-settings.json');
}

function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535;
}

/**
 * Reads the desktop settings; a missing file means defaults. A file in the wrong shape is not fatal here
 * (it holds only a port preference): what cannot be read falls back to the defaults, and the next save
 * replaces it.
 */
export async function readDesktopSettings(dataDir: string): Promise<DesktopSettings> {
  let doc: unknown;
  try {
    doc = await readJsonFile(desktopSettingsFile(dataDir));
  } catch (err) {
    if (!(err instanceof StateFileError)) throw err;
  }
  const fields = typeof doc === 'object' && doc !== null ? (doc as { port?: unknown; https?: unknown }) : {};
  return {
    port: isPort(fields.port) ? fields.port : DEFAULT_DESKTOP_SETTINGS.port,
    https: typeof fields.https === 'boolean' ? fields.https : DEFAULT_DESKTOP_SETTINGS.https,
  };
}

export async function writeDesktopSettings(dataDir: string, settings: DesktopSettings): Promise<void> {
  await writeJsonFile(desktopSettingsFile(dataDir), settings);
}
