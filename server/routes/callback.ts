import type { FastifyInstance } from 'fastify';
import { parseStrictQuery } from '../oauth/form.js';
import type { Sandbox } from '../sandbox.js';
import { escapeHtml, sendPage } from './html.js';

export const CALLBACK_PATH = '/_sandbox/callback';

/**
 * A redirect target served by the sandbox itself: it shows what the authorization server sent back (code,
 * state, iss, or error). People testing by hand register it as a redirect URI; the Flow Lab uses it so a
 * browser can read the code from a same-origin redirect. It holds nothing secret and changes no state.
 */
export function callbackRoutes(sandbox: Sandbox) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get(CALLBACK_PATH, async (request, reply) => {
      let params: ReadonlyMap<string, string>;
      try {
        params = parseStrictQuery(request.url);
      } catch {
        params = new Map([['error', 'the redirect carried a malformed query string']]);
      }
      const fields = Object.fromEntries(params);
      if (request.headers.accept?.includes('application/json') === true) {
        return reply.header('Cache-Control', 'no-store').send(fields);
      }
      const rows = [...params]
        .map(
          ([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td><code>${escapeHtml(v)}</code></td></tr>`,
        )
        .join('');
      const failed = params.has('error');
      return sendPage(
        reply,
        200,
        failed ? 'Authorization failed' : 'Authorization response',
        `<h1>${failed ? 'The authorization server answered with an error' : 'The authorization server sent a code'}</h1>
<p>This is the sandbox's own redirect target (<code>${escapeHtml(sandbox.urls.issuer + CALLBACK_PATH)}</code>).</p>
<table>${rows || '<tr><td>No parameters were sent.</td></tr>'}</table>`,
      );
    });
  };
}
