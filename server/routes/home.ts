import type { FastifyInstance } from 'fastify';
import { hostGuard } from '../admin/guard.js';
import { DEFAULT_ISSUER_NAME } from '../config/validate.js';
import type { Sandbox } from '../sandbox.js';
import { escapeHtml, sendPage } from './html.js';

/** The server's front page: where everything is, for a person who opened the URL in a browser. */
export function homeRoutes(sandbox: Sandbox, note?: string) {
  return async (app: FastifyInstance): Promise<void> => {
    // The workbench page carries the admin token: a foreign Host (DNS rebinding) never gets it.
    app.addHook('onRequest', hostGuard(sandbox));
    app.get('/', async (_request, reply) => {
      const u = sandbox.urls;
      const rows = [
        ['SMART configuration', `${u.issuer}/.well-known/smart-configuration`],
        ['OpenID configuration', `${u.issuer}/.well-known/openid-configuration`],
        ['Authorization endpoint', u.authorize],
        ['Token endpoint', u.token],
        ['Introspection endpoint', u.introspect],
        ['Revocation endpoint', u.revoke],
        ['JWKS', u.jwks],
      ]
        .map(
          ([name, url]) =>
            `<tr><th scope="row">${escapeHtml(name ?? '')}</th><td><code>${escapeHtml(url ?? '')}</code></td></tr>`,
        )
        .join('');
      // sendPage adds " · Token Sandbox" itself; the title says which issuer's endpoints these are, so tabs
      // open on several issuers tell apart.
      const title = sandbox.issuerName === DEFAULT_ISSUER_NAME ? 'Endpoints' : `Issuer ${sandbox.issuerName}`;
      return sendPage(
        reply,
        200,
        title,
        `<h1>Token Sandbox</h1>${note === undefined ? '' : `<p>${escapeHtml(note)}</p>`}<p>Profile: <code>${escapeHtml(sandbox.profile.name)}</code> (${escapeHtml(sandbox.profile.title)})</p><table>${rows}</table>`,
      );
    });
  };
}
