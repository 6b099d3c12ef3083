/**
 * The baseline server: a bare Fastify route that reads a form body (or a GET) and answers with a JSON body of a
 * given size, and nothing else. Run as its own process (like the sandbox) so both share the machine alike.
 *
 *   node dist/bench/bare-fastify.js BODY_BYTES
 */
import Fastify from 'fastify';

/** A token-response-shaped object whose JSON is exactly `bytes` long (padding sits in access_token). */
export function bodyOfSize(bytes: number): Record<string, unknown> {
  const shape = { access_token: '', token_type: 'Bearer', expires_in: 3600, scope: 'system/*.rs' };
  const pad = bytes - JSON.stringify(shape).length;
  if (pad < 0) throw new RangeError(`a token response cannot be smaller than ${bytes + -pad} bytes`);
  return { ...shape, access_token: 'a'.repeat(pad) };
}

async function main(): Promise<void> {
  const bytes = Number(process.argv[2] ?? '600');
  const body = bodyOfSize(bytes);
  const app = Fastify({ logger: false });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, raw, done) => {
    done(null, raw);
  });
  app.post('/token', async () => body);
  // The FHIR baseline: a GET answered with the same bytes, no parsing, no checks.
  app.get('/resource', async () => body);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.stdout.write(`bare-fastify: listening on http://127.0.0.1:${port}\n`);
  const stop = () => {
    void app.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  await main();
}
