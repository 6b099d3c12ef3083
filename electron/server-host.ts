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
  /** e.g. `http://127.0.0.1:9710`. */
  readonly origin: string;
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
  const app = await buildServer({ dataDir: options.dataDir });
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
  const origin = `http://${DESKTOP_HOST}:${port}`;
  app.sandbox.origin = origin;

  let closing: Promise<void> | undefined;
  return {
    app,
    origin,
    port,
    adminToken: app.sandbox.adminToken,
    dataDir: options.dataDir,
    exportConfig: async () => app.sandbox.exportConfig(),
    exportConfigTo: (file) => writeJsonFile(file, app.sandbox.exportConfig()),
    close: () => (closing ??= app.close()),
  };
}

/** What the desktop app remembers between launches, next to the sandbox's own state. */
export interface DesktopSettings {
  readonly port: number;
}

export const DEFAULT_DESKTOP_SETTINGS: DesktopSettings = { port: DEFAULT_PORT };

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
  const port = typeof doc === 'object' && doc !== null ? (doc as { port?: unknown }).port : undefined;
  return { port: isPort(port) ? port : DEFAULT_DESKTOP_SETTINGS.port };
}

export async function writeDesktopSettings(dataDir: string, settings: DesktopSettings): Promise<void> {
  await writeJsonFile(desktopSettingsFile(dataDir), settings);
}
