import type { FastifyRequest } from 'fastify';

/**
 * Records an error nobody expected, so a 500 that says "the sandbox log has the details" is true: to the
 * server's logger when one is configured, else as one line on standard error (the CLI and the desktop app
 * run without a Fastify logger, and an error logged to nowhere is an error nobody can explain).
 */
export function logUnexpected(request: FastifyRequest, error: unknown, where: string): void {
  const level = (request.log as { level?: unknown }).level;
  if (typeof level === 'string' && level !== 'silent') {
    request.log.error({ err: error }, `unexpected error ${where}`);
    return;
  }
  const detail = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  process.stderr.write(
    `token-sandbox: unexpected error ${where} (${request.method} ${request.url}): ${detail}\n`,
  );
}
