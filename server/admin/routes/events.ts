import { Type } from 'typebox';
import type { JournalEntry } from '../event-journal.js';
import { adminRoutes, route } from '../operation.js';

/** A comment line this often keeps proxies and the browser from timing the stream out. */
export const HEARTBEAT_MS = 15_000;

function frame(entry: JournalEntry): string {
  return `id: ${entry.id}\nevent: ${entry.event}\ndata: ${JSON.stringify({ time: entry.time, ...(entry.data as object) })}\n\n`;
}

/**
 * `GET /events`: the live view as Server-Sent Events (WHATWG HTML §9.2). Each event has an id; a client that
 * reconnects with `Last-Event-ID` (or `?lastEventId=`) gets what it missed from the journal, or a `reset`
 * event when the journal no longer holds it. The stream ends cleanly when the server closes.
 */
export const eventRoutes = adminRoutes('events', (sandbox) => [
  route('GET', '/events', 'streamEvents', {
    summary: 'The live view as Server-Sent Events, resumable with Last-Event-ID',
    schema: {
      querystring: Type.Object(
        {
          lastEventId: Type.Optional(Type.Integer({ minimum: 0 })),
        },
        { additionalProperties: false },
      ),
      headers: Type.Object({ 'last-event-id': Type.Optional(Type.String({ pattern: '^\\d{1,15}$' })) }),
      // Described, never serialized: the handler writes the stream itself (WHATWG HTML §9.2.4 framing).
      response: {
        200: {
          description:
            'A text/event-stream: `id`, `event` (an event name, or `reset` when events were missed) and `data` (JSON) per event',
          content: { 'text/event-stream': { schema: Type.String() } },
        },
      },
    },
    handler: (request, reply) => {
      const header = request.headers['last-event-id'];
      const lastId =
        typeof header === 'string' ? Number(header) : (request.query.lastEventId ?? sandbox.journal.latestId);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      res.write(`retry: 2000\n\n`);

      const { entries, complete } = sandbox.journal.since(lastId);
      if (!complete) {
        res.write(
          `id: ${sandbox.journal.latestId}\nevent: reset\ndata: ${JSON.stringify({ reason: 'events were missed; reload the state' })}\n\n`,
        );
      }
      for (const entry of complete ? entries : []) res.write(frame(entry));

      const unsubscribe = sandbox.journal.subscribe((entry) => {
        res.write(frame(entry));
      });
      const heartbeat = setInterval(() => {
        res.write(': heartbeat\n\n');
      }, HEARTBEAT_MS);
      heartbeat.unref();
      const finish = () => {
        clearInterval(heartbeat);
        unsubscribe();
        sandbox.closing.removeEventListener('abort', finish);
        if (!res.writableEnded) res.end();
      };
      res.once('close', finish);
      if (sandbox.closing.aborted) finish();
      else sandbox.closing.addEventListener('abort', finish, { once: true });
    },
  }),
]);
