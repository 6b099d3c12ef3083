import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeEach } from 'vitest';

/** What reached the upstream stand-in. */
export interface Arrival {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** What the stand-in answers a request with, as FHIR JSON. */
export interface UpstreamAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * A FHIR server stand-in on 127.0.0.1 for `fhir.upstream` tests (README "A real FHIR server behind the sandbox"):
 * it records every request that reaches it (cleared before each test) and answers with `answer`. It listens before
 * the file's sandboxes are configured, since they name its address, and closes after the file.
 */
export async function upstreamStandIn(
  answer: (method: string, url: string, body: string) => UpstreamAnswer,
): Promise<{ readonly base: string; readonly arrivals: Arrival[] }> {
  const arrivals: Arrival[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const method = req.method ?? '';
      arrivals.push({ method, url: req.url ?? '', headers: req.headers, body });
      const answered = answer(method, req.url ?? '', body);
      res.writeHead(answered.status, {
        'content-type': 'application/fhir+json;charset=utf-8',
        ...answered.headers,
      });
      res.end(JSON.stringify(answered.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    arrivals.length = 0;
  });
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`, arrivals };
}

/** A final Observation `id` in the compartment of `Patient/<patient>`, as an upstream would hold it. */
export const obs = (id: string, patient: string) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { text: id },
  subject: { reference: `Patient/${patient}` },
});
