import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../server/app.js';
import { listenLocally } from '../helpers/sandbox.js';

// Refusals written before a request exists (README "Limits"): each names the limit it hit.
let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** Sends raw bytes to a listening server and resolves with everything it writes back before closing. */
async function raw(request: string): Promise<string> {
  app = await buildServer({ workbenchDir: false });
  const port = await listenLocally(app);
  const socket = connect({ host: '127.0.0.1', port });
  let received = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => undefined);
  socket.write(request);
  await new Promise((resolve) => socket.once('close', resolve));
  return received;
}

describe('connection-level refusals', () => {
  it('answers headers over the size limit with 431 naming the limit', async () => {
    const received = await raw(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(received).toMatch(/^HTTP\/1\.1 431 /);
    expect(received).toContain('"error":"request_header_too_large"');
    expect(received).toContain('the header size limit');
  });

  it('answers bytes that are not HTTP/1.1 with 400', async () => {
    const received = await raw('HELLO THERE\r\n\r\n');
    expect(received).toMatch(/^HTTP\/1\.1 400 /);
    expect(received).toContain('"error":"invalid_request"');
  });
});
