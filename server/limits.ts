/**
 * Bounds on every connection (README "Limits"): how long a request may take to arrive, how long an idle
 * keep-alive socket is kept, how many sockets are open at once, and how long a shutdown may wait for them.
 * Without them a client that sends nothing, or one byte every few seconds, holds its socket for minutes and
 * delays shutdown without end.
 */
import { createServer, maxHeaderSize, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { createServer as createHttpsServer } from 'node:https';
import type { TlsMaterial } from './https/certificates.js';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';

export const LIMITS = {
  /** The request line and headers must arrive within this (Node's `headersTimeout`). */
  headersTimeoutMs: 10_000,
  /** The whole request, body included, must arrive within this (Node's `requestTimeout`). */
  requestTimeoutMs: 30_000,
  /** A keep-alive socket with no request in progress is closed after this. */
  keepAliveTimeoutMs: 5_000,
  /** Sockets open at once; one more is answered 503 and closed. */
  maxConnections: 1_000,
  /** From the start of a shutdown until every socket still open is cut. */
  shutdownMs: 5_000,
} as const;

/** How often Node checks the two request timeouts; its default (30 s) would stretch a 10 s bound to 40 s. */
const TIMEOUT_CHECK_MS = 1_000;

/** A complete HTTP/1.1 response written straight to a socket, for refusals made before any request exists. */
function rawResponse(status: string, error: string, description: string): string {
  const body = JSON.stringify({ error, error_description: description });
  return (
    `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `Connection: close\r\n\r\n${body}`
  );
}

const TIMEOUT_REFUSAL = rawResponse(
  '408 Request Timeout',
  'request_timeout',
  `the request did not arrive in time: its headers must arrive within ${LIMITS.headersTimeoutMs / 1000} s and ` +
    `the whole request within ${LIMITS.requestTimeoutMs / 1000} s of the connection (the header timeout and ` +
    'request timeout limits, fixed). Send the request in one go.',
);

const HEADER_SIZE_REFUSAL = rawResponse(
  '431 Request Header Fields Too Large',
  'request_header_too_large',
  `the request line and headers exceed ${maxHeaderSize / 1024} KiB (the header size limit; Node's ` +
    '--max-http-header-size raises it).',
);

const CONNECTION_REFUSAL = rawResponse(
  '503 Service Unavailable',
  'too_many_connections',
  `${LIMITS.maxConnections} connections are already open (the open connections limit, fixed). Close idle ` +
    `connections, or reuse them: idle keep-alive connections are closed after ${LIMITS.keepAliveTimeoutMs / 1000} s.`,
);

/** Writes a refusal and closes the socket once it is sent (or at once if the peer has gone). */
function refuse(socket: Socket, response: string): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(response, () => {
    socket.destroy();
  });
}

/**
 * An HTTP server with the limits above: the two request timeouts and the keep-alive timeout are Node's own;
 * the connection cap is counted here, so the socket over it is told why (Node's `maxConnections` would drop
 * it without a word).
 */
function limitedServer(handler: Parameters<typeof createServer>[1], tls: TlsMaterial | undefined): Server {
  const options = {
    headersTimeout: LIMITS.headersTimeoutMs,
    requestTimeout: LIMITS.requestTimeoutMs,
    keepAliveTimeout: LIMITS.keepAliveTimeoutMs,
    connectionsCheckingInterval: TIMEOUT_CHECK_MS,
  };
  // With TLS, the 'connection' listeners moved below are the TLS layer's, so the cap counts TCP sockets the same.
  const server =
    tls === undefined
      ? createServer(options, handler)
      : createHttpsServer(
          // A client that opens a socket and never completes the handshake is let go as one that sends nothing.
          { ...options, handshakeTimeout: LIMITS.headersTimeoutMs, cert: tls.cert, key: tls.key },
          handler,
        );
  // The HTTP layer's own listener; it only sees sockets under the cap.
  const httpListeners = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  let open = 0;
  server.on('connection', (socket: Socket) => {
    if (open >= LIMITS.maxConnections) {
      refuse(socket, CONNECTION_REFUSAL);
      return;
    }
    open++;
    socket.once('close', () => {
      open--;
    });
    for (const listener of httpListeners) listener.call(server, socket);
  });
  return server;
}

/** The Fastify options that apply the limits: spread them into the factory's options. */
export function connectionLimitOptions(
  tls?: TlsMaterial,
): Pick<FastifyServerOptions, 'serverFactory' | 'clientErrorHandler'> {
  return {
    serverFactory: (handler) => limitedServer(handler, tls),
    clientErrorHandler: (err, socket) => {
      // A reset connection has nobody left to tell.
      if (err.code === 'ECONNRESET') socket.destroy();
      else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') refuse(socket, TIMEOUT_REFUSAL);
      else if (err.code === 'HPE_HEADER_OVERFLOW') refuse(socket, HEADER_SIZE_REFUSAL);
      // Anything else is not HTTP/1.1 (RFC 9112): 400, as Node and Fastify answer it by default.
      else
        refuse(
          socket,
          rawResponse('400 Bad Request', 'invalid_request', 'the request is not valid HTTP/1.1'),
        );
    },
  };
}

/**
 * Bounds a shutdown: once `close()` starts, responses say `Connection: close`, idle sockets are closed as
 * they become idle, and after {@link LIMITS.shutdownMs} every socket still open (a slow upload, a silent
 * client) is cut, so SIGTERM always finishes. Requests already answered are unaffected.
 */
export function boundShutdown(app: FastifyInstance): void {
  let closing = false;
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });
  app.addHook('preClose', async () => {
    closing = true;
    const server = app.server;
    if (!server.listening) return;
    const idle = setInterval(() => {
      server.closeIdleConnections();
    }, 100);
    const cut = setTimeout(() => {
      server.closeAllConnections();
    }, LIMITS.shutdownMs);
    idle.unref();
    cut.unref();
    server.once('close', () => {
      clearInterval(idle);
      clearTimeout(cut);
    });
  });
}

/** Bounds on FHIR data (README "Your FHIR data"); in a module of their own so the workbench can read them. */
export { FHIR_LIMITS } from './fhir/bounds.js';
