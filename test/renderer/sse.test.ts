import { describe, expect, it } from 'vitest';
import { backoffDelay, runEventStream, SseParser, type StreamStatus } from '../../renderer/api/sse.js';

describe('SseParser (WHATWG HTML §9.2.6 event stream interpretation)', () => {
  it('dispatches an event on a blank line, with its type, id and data', () => {
    const p = new SseParser();
    expect(p.feed('event: exchange.recorded\nid: 7\ndata: {"seq":7}\n\n')).toEqual([
      { event: 'exchange.recorded', id: '7', data: '{"seq":7}' },
    ]);
  });

  it('joins several data lines with LF and defaults the type to "message"', () => {
    expect(new SseParser().feed('data: a\ndata: b\n\n')).toEqual([
      { event: 'message', id: undefined, data: 'a\nb' },
    ]);
  });

  it('handles chunks split anywhere, including between CR and LF', () => {
    const p = new SseParser();
    const text = 'event: x\r\ndata: one\r\n\r\nevent: y\rdata: two\r\r';
    const out = [];
    for (const ch of text) out.push(...p.feed(ch));
    expect(out.map((m) => [m.event, m.data])).toEqual([
      ['x', 'one'],
      ['y', 'two'],
    ]);
  });

  it('ignores comments, unknown fields and events without data; keeps the last id across events', () => {
    const p = new SseParser();
    const out = p.feed(': keep-alive\nfoo: bar\nid: 3\nevent: empty\n\ndata: later\n\n');
    expect(out).toEqual([{ event: 'message', id: '3', data: 'later' }]);
    expect(p.lastEventId).toBe('3');
  });

  it('strips one leading space only, and a leading BOM', () => {
    expect(new SseParser().feed('\uFEFFdata:  two spaces\n\n')[0]?.data).toBe(' two spaces');
  });

  it('takes retry: only when it is all digits', () => {
    const p = new SseParser();
    p.feed('retry: 2500\n\nretry: soon\n\n');
    expect(p.retryMs).toBe(2500);
  });

  it('keeps an incomplete event until its blank line arrives', () => {
    const p = new SseParser();
    expect(p.feed('data: half')).toEqual([]);
    expect(p.feed('\n')).toEqual([]);
    expect(p.feed('\n')).toEqual([{ event: 'message', id: undefined, data: 'half' }]);
  });
});

describe('backoffDelay', () => {
  it('doubles from 500 ms to a 15 s ceiling, and honours a longer server retry', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((a) => backoffDelay(a))).toEqual([
      500, 1000, 2000, 4000, 8000, 15000, 15000,
    ]);
    expect(backoffDelay(1, 3000)).toBe(3000);
  });
});

function streamResponse(chunks: string[], status = 200): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
      controller.close();
    },
  });
  return new Response(body, { status, headers: { 'content-type': 'text/event-stream' } });
}

describe('runEventStream', () => {
  it('sends the bearer token, and Last-Event-ID when it reconnects after a drop', async () => {
    const controller = new AbortController();
    const requests: Headers[] = [];
    const responses = [
      streamResponse(['id: 41\nevent: a\ndata: 1\n\n']),
      streamResponse(['id: 42\nevent: b\ndata: 2\n\n']),
    ];
    const seen: string[] = [];
    const statuses: StreamStatus['state'][] = [];
    await runEventStream({
      url: 'http://127.0.0.1:1/_sandbox/api/events',
      headers: () => ({ Authorization: 'Bearer t0ken' }),
      signal: controller.signal,
      fetch: async (_url, init) => {
        requests.push(new Headers(init?.headers));
        const next = responses.shift();
        if (next === undefined) {
          controller.abort();
          throw new Error('aborted');
        }
        return next;
      },
      sleep: async () => undefined,
      onMessage: (m) => seen.push(`${m.event}:${m.data}`),
      onStatus: (s) => statuses.push(s.state),
    });
    expect(seen).toEqual(['a:1', 'b:2']);
    expect(requests[0]?.get('authorization')).toBe('Bearer t0ken');
    expect(requests[0]?.get('last-event-id')).toBeNull();
    expect(requests[1]?.get('last-event-id')).toBe('41');
    expect(requests[2]?.get('last-event-id')).toBe('42');
    expect(statuses.slice(0, 3)).toEqual(['connecting', 'open', 'retrying']);
  });

  it('stops for good on 401 instead of retrying with a rejected token', async () => {
    let calls = 0;
    const statuses: StreamStatus[] = [];
    await runEventStream({
      url: 'http://x/events',
      headers: () => ({}),
      signal: new AbortController().signal,
      fetch: async () => {
        calls++;
        return new Response('{}', { status: 401 });
      },
      sleep: async () => undefined,
      onMessage: () => undefined,
      onStatus: (s) => statuses.push(s),
    });
    expect(calls).toBe(1);
    expect(statuses.at(-1)).toMatchObject({ state: 'stopped', status: 401 });
  });

  it('backs off longer after each failed connection', async () => {
    const controller = new AbortController();
    const delays: number[] = [];
    await runEventStream({
      url: 'http://x/events',
      headers: () => ({}),
      signal: controller.signal,
      fetch: async () => {
        throw new TypeError('connection refused');
      },
      sleep: async (ms) => {
        delays.push(ms);
        if (delays.length === 4) controller.abort();
      },
      onMessage: () => undefined,
      onStatus: () => undefined,
    });
    expect(delays).toEqual([500, 1000, 2000, 4000]);
  });
});
