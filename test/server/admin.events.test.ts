import http from 'node:http';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../server/app.js';
import { listenLocally } from '../helpers/sandbox.js';

const TOKEN = 'events-admin-token';
let app: FastifyInstance;
let port: number;

beforeEach(async () => {
  app = await buildServer({ adminToken: TOKEN, signingKeys: inject('signingKeys') });
  port = await listenLocally(app);
  app.sandbox.origin = `http://127.0.0.1:${port}`;
});
afterEach(async () => {
  await app.close();
});

interface Stream {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** Resolves with the events seen once `count` arrived (or the stream ended). */
  until(count: number): Promise<{ id: string; event: string; data: Record<string, unknown> }[]>;
  readonly ended: Promise<void>;
  close(): void;
}

function connect(path: string, headers: Record<string, string> = {}): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: '127.0.0.1',
        port,
        path: `/_sandbox/api${path}`,
        headers: { host: `127.0.0.1:${port}`, ...headers },
      },
      (res) => {
        let buffer = '';
        const events: { id: string; event: string; data: Record<string, unknown> }[] = [];
        const waiters: (() => void)[] = [];
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const field = (name: string) =>
              block
                .split('\n')
                .find((l) => l.startsWith(`${name}: `))
                ?.slice(name.length + 2);
            const data = field('data');
            if (data !== undefined) {
              events.push({
                id: field('id') ?? '',
                event: field('event') ?? '',
                data: JSON.parse(data) as Record<string, unknown>,
              });
            }
          }
          for (const w of waiters.splice(0)) w();
        });
        const ended = new Promise<void>((r) => res.on('close', r));
        void ended.then(() => {
          for (const w of waiters.splice(0)) w();
        });
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          ended,
          async until(count) {
            while (events.length < count && !res.closed) await new Promise<void>((r) => waiters.push(r));
            return events.slice();
          },
          close() {
            req.destroy();
          },
        });
      },
    );
    req.on('error', reject);
  });
}

async function arm(id: string): Promise<void> {
  const res = await app.inject({
    method: 'POST',
    url: '/_sandbox/api/failures',
    headers: {
      host: `127.0.0.1:${port}`,
      authorization: `Bearer ${TOKEN}`,
      'content-type': 'application/json',
    },
    payload: { id, times: 1 },
  });
  expect(res.statusCode).toBe(201);
}

describe('GET /events: the live view as Server-Sent Events', () => {
  it('streams domain events with ids and no-store, behind the guard', async () => {
    const anonymous = await connect('/events');
    expect(anonymous.status).toBe(401);
    anonymous.close();
    const stream = await connect('/events', { authorization: `Bearer ${TOKEN}` });
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(stream.headers['cache-control']).toBe('no-store');
    expect(stream.headers['access-control-allow-origin']).toBeUndefined();
    await arm('token.server_error');
    const [armed] = await stream.until(1);
    expect(armed?.event).toBe('failure.armed');
    expect(armed?.data['failure']).toMatchObject({ id: 'token.server_error', remaining: 1 });
    stream.close();
  });

  it('refuses the token as ?token= (header only), and refuses a foreign Host', async () => {
    const query = await connect(`/events?token=${TOKEN}`);
    expect(query.status).toBe(401);
    query.close();
    const foreign = await connect('/events', {
      authorization: `Bearer ${TOKEN}`,
      host: `evil.example:${port}`,
    });
    expect(foreign.status).toBe(403);
    foreign.close();
  });

  it('announces every recorded exchange', async () => {
    const stream = await connect('/events', { authorization: `Bearer ${TOKEN}` });
    await fetch(`http://127.0.0.1:${port}/.well-known/jwks.json`);
    const [recorded] = await stream.until(1);
    expect(recorded?.event).toBe('exchange.recorded');
    expect(recorded?.data).toMatchObject({ method: 'GET', path: '/.well-known/jwks.json', status: 200 });
    stream.close();
  });

  it('resumes after Last-Event-ID with exactly the events missed', async () => {
    const first = await connect('/events', { authorization: `Bearer ${TOKEN}` });
    await arm('token.server_error');
    const [seen] = await first.until(1);
    first.close();
    await arm('token.invalid_grant');
    await arm('token.invalid_scope');
    const again = await connect('/events', {
      authorization: `Bearer ${TOKEN}`,
      'last-event-id': seen?.id ?? '',
    });
    const missed = await again.until(2);
    expect(missed.map((e) => `${e.event} ${(e.data['failure'] as { id: string }).id}`)).toEqual([
      'failure.armed token.invalid_grant',
      'failure.armed token.invalid_scope',
    ]);
    expect(Number(missed[0]?.id)).toBe(Number(seen?.id) + 1);
    again.close();
  });

  it('sends reset when the Last-Event-ID is from another run', async () => {
    const stream = await connect('/events', { authorization: `Bearer ${TOKEN}`, 'last-event-id': '999999' });
    const [reset] = await stream.until(1);
    expect(reset?.event).toBe('reset');
    stream.close();
  });

  it('ends open streams when the server closes, and close() does not wait for them', async () => {
    const stream = await connect('/events', { authorization: `Bearer ${TOKEN}` });
    const started = performance.now();
    await app.close();
    await stream.ended;
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
