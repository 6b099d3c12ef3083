import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect } from 'vitest';
import { cliTest as it } from '../helpers/cli.js';
import { LIMITS } from '../../server/limits.js';
import { faultRounds } from './fault-rounds.js';

// Black-box: the real command, held by clients that send nothing, or a byte at a time. Each is cut within its
// documented bound (README "Limits"), and SIGTERM still finishes within the shutdown bound.
const FULL = faultRounds(0, 1) === 1;
/** Node checks the request timeouts once a second, and a loaded machine is slower still. */
const SLACK_MS = 2_500;

const open: Socket[] = [];
afterEach(() => {
  for (const socket of open.splice(0)) socket.destroy();
});

interface Held {
  readonly socket: Socket;
  /** Resolves when the server closes the socket: the milliseconds it was held, and what the server wrote. */
  readonly cut: Promise<{ ms: number; received: string }>;
}

async function hold(origin: string): Promise<Held> {
  const { hostname, port } = new URL(origin);
  const socket = connect({ host: hostname, port: Number(port) });
  open.push(socket);
  const started = Date.now();
  let received = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => undefined);
  const cut = new Promise<{ ms: number; received: string }>((resolve) => {
    socket.once('close', () => {
      resolve({ ms: Date.now() - started, received });
    });
  });
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  return { socket, cut };
}

/** Writes `text` one byte every `everyMs` until the socket closes. */
function trickle(socket: Socket, text: string, everyMs: number): void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= text.length) clearInterval(timer);
    else socket.write(text[i++] ?? '');
  }, everyMs);
  socket.once('close', () => {
    clearInterval(timer);
  });
}

const SLOW_BODY_HEAD =
  'POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
  'Content-Length: 200\r\n\r\n';

/**
 * Two held connections: one that sends nothing, one that sends the headers of a GET of `path` a byte every
 * `everyMs`, never finishing them.
 */
async function silentAndSlowHeaders(origin: string, path: string, everyMs: number): Promise<[Held, Held]> {
  const silent = await hold(origin);
  const slowHeaders = await hold(origin);
  trickle(slowHeaders.socket, `GET ${path} HTTP/1.1\r\nHost: x\r\n`, everyMs);
  return [silent, slowHeaders];
}

describe('slow and silent connections', () => {
  it('cuts a client that sends nothing, and one that sends its headers a byte at a time, with a 408 naming the limit', async ({
    startCli,
  }) => {
    const running = await startCli([]);
    const [silent, slowHeaders] = await silentAndSlowHeaders(
      running.origin,
      '/.well-known/smart-configuration',
      1_000,
    );
    for (const { cut } of [silent, slowHeaders]) {
      const { ms, received } = await cut;
      expect(ms).toBeGreaterThanOrEqual(LIMITS.headersTimeoutMs - 100);
      expect(ms).toBeLessThan(LIMITS.headersTimeoutMs + SLACK_MS);
      expect(received).toMatch(/^HTTP\/1\.1 408 /);
      expect(received).toContain('"error":"request_timeout"');
      expect(received).toContain('header timeout');
    }
    expect(await running.stop()).toBe(0);
  }, 30_000);

  it.runIf(FULL)(
    'cuts a body sent one byte every 5 s once the request timeout passes',
    async ({ startCli }) => {
      const running = await startCli([]);
      const slowBody = await hold(running.origin);
      slowBody.socket.write(SLOW_BODY_HEAD);
      trickle(slowBody.socket, 'grant_type=client_credentials'.padEnd(200, '&'), 5_000);
      const { ms, received } = await slowBody.cut;
      expect(ms).toBeLessThan(LIMITS.requestTimeoutMs + SLACK_MS);
      expect(received).toContain('request timeout');
      expect(await running.stop()).toBe(0);
    },
    60_000,
  );

  it('finishes SIGTERM within the shutdown bound while silent, slow and idle keep-alive sockets are held', async ({
    startCli,
  }) => {
    const running = await startCli([]);
    const [silent, slowHeaders] = await silentAndSlowHeaders(running.origin, '/fhir/metadata', 300);
    const slowBody = await hold(running.origin);
    slowBody.socket.write(SLOW_BODY_HEAD);
    trickle(slowBody.socket, 'grant_type=client_credentials'.padEnd(200, '&'), 300);
    const keepAlive = await hold(running.origin);
    keepAlive.socket.write('GET /.well-known/smart-configuration HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 500));

    const started = Date.now();
    const code = await running.stop('SIGTERM');
    const ms = Date.now() - started;
    expect(code).toBe(0);
    expect(ms).toBeLessThan(LIMITS.shutdownMs + SLACK_MS);
    for (const held of [silent, slowHeaders, slowBody, keepAlive]) await held.cut;
    expect((await keepAlive.cut).received).toMatch(/^HTTP\/1\.1 200 /);
  }, 30_000);

  it(`answers the connection over the cap (${LIMITS.maxConnections}) with a 503 that names the limit`, async ({
    startCli,
  }) => {
    const running = await startCli([]);
    const held: Held[] = [];
    for (let i = 0; i < LIMITS.maxConnections; i++) held.push(await hold(running.origin));
    const over = await hold(running.origin);
    const { received } = await over.cut;
    expect(received).toMatch(/^HTTP\/1\.1 503 /);
    expect(received).toContain('"error":"too_many_connections"');
    expect(received).toContain(`${LIMITS.maxConnections} connections are already open`);
    // Once one is let go, a new client is served again.
    held.pop()?.socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const res = await fetch(`${running.origin}/.well-known/smart-configuration`);
    expect(res.status).toBe(200);
    for (const h of held) h.socket.destroy();
    expect(await running.stop()).toBe(0);
  }, 30_000);
});
