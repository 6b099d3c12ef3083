import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { IssuerNameSchema, IssuerSchema } from '../config/schema.js';
import { ConfigError, DEFAULT_ISSUER_NAME } from '../config/validate.js';
import { AdminError, invalidInput, notFound } from '../admin/errors.js';
import { IssuerListSchema, IssuerViewSchema, NoContent } from '../admin/shapes.js';
import { ADMIN_PREFIX, ADMIN_ROUTES, type AdminRoutes } from '../admin/plugin.js';
import { adminRoutes, created, route } from '../admin/operation.js';
import type { Sandbox } from '../sandbox.js';
import { ISSUER_PATH_PREFIX, IssuerChangeError, issuerPath, type Issuers } from './registry.js';

/**
 * The path inside an issuer's app of a URL the root received under `/i/NAME`: the prefix stripped, the query
 * kept (`/i/mr/token?x` → `/token?x`, `/i/mr` → `/`); undefined when the URL is not under that prefix.
 */
export function insideIssuer(prefix: string, url: string): string | undefined {
  if (!url.startsWith(prefix)) return undefined;
  const rest = url.slice(prefix.length);
  if (rest === '') return '/';
  if (rest.startsWith('?')) return `/${rest}`;
  return rest.startsWith('/') ? rest : undefined;
}

/**
 * A scope whose requests reach the forwarding handler with their bodies unread: the issuer's app parses
 * them with its own parsers and limits, as if it had received the request itself.
 */
function leaveBodiesUnread(scope: FastifyInstance): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', (_request, _payload, done) => {
    done(null);
  });
}

/** Hands the request to another app's router (Fastify's `routing`, as `inject()` uses): that app answers it. */
function handOver(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, url: string): void {
  reply.hijack();
  request.raw.url = url;
  app.routing(request.raw, reply.raw);
}

/** Whether the root should leave a request to an issuer's app, which records it in its own exchange log. */
export function forwardedToIssuer(issuers: Issuers): (path: string) => boolean {
  return (path) => {
    const name = /^\/i\/([^/?]+)/.exec(path)?.[1];
    return name !== undefined && issuers.get(decodedName(name)) !== undefined;
  };
}

/** An issuer name as the router decodes it (`ieh%72` → `iehr`); a malformed escape stays as it is. */
function decodedName(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

/**
 * `/i/NAME/...` on the root app (README "Many issuers"): forwarded whole to issuer NAME's app, whose
 * `rewriteUrl` strips the prefix; an unknown NAME is a 404 that lists the issuers there are.
 */
export function issuerForwarding(root: Sandbox, issuers: Issuers) {
  return async (scope: FastifyInstance): Promise<void> => {
    leaveBodiesUnread(scope);
    const forward = async (
      request: FastifyRequest<{ Params: { issuer: string } }>,
      reply: FastifyReply,
    ): Promise<FastifyReply | undefined> => {
      const entry = issuers.get(request.params.issuer);
      if (entry === undefined) {
        const known = issuers
          .list()
          .map((v) => `${v.name} (${v.path === '' ? '/' : v.path})`)
          .join(', ');
        return reply.code(404).send({
          statusCode: 404,
          error: 'Not Found',
          message: `no issuer ${request.params.issuer} in this sandbox; the issuers are ${known} (GET ${ADMIN_PREFIX}/issuers lists them, README "Many issuers")`,
          issuers: issuers.names(),
          profile: root.profile.name,
          tokenPath: root.profile.tokenPath,
          authorizePath: root.profile.authorizePath,
        });
      }
      // The router decoded the name (`/i/ieh%72` is issuer iehr); the issuer's app strips only its plain
      // prefix, so the URL is handed over spelled that way.
      const rest = (request.raw.url ?? '/').replace(/^\/i\/[^/?]*/, '');
      handOver(entry.app, request, reply, `${issuerPath(entry.name)}${rest}`);
      return undefined;
    };
    scope.all(`${ISSUER_PATH_PREFIX}/:issuer`, forward);
    scope.all(`${ISSUER_PATH_PREFIX}/:issuer/*`, forward);
  };
}

const IssuerParams = Type.Object({ name: IssuerNameSchema });

/** Answers an issuer change that could not be made with the admin API's error shape. */
function refusal(err: IssuerChangeError): AdminError {
  return new AdminError(
    err.status,
    err.status === 404 ? 'not_found' : 'conflict',
    err.message,
    err.field === undefined ? [] : [{ path: err.field, message: err.message }],
  );
}

/**
 * `GET|POST /issuers`, `DELETE /issuers/:name` and `/issuers/:name/<admin route>` (docs/admin-api.md#issuers):
 * the last forwards to that issuer's own admin API, guarded there again; `default` is the root's own.
 */
export function issuerAdminRoutes(issuers: Issuers, rootApp: () => FastifyInstance): AdminRoutes {
  return adminRoutes('issuers', () => [
    route('GET', '/issuers', 'listIssuers', {
      summary: 'Every issuer of the sandbox, the default first, with its URLs and admin prefix',
      schema: { response: { 200: IssuerListSchema } },
      handler: async () => ({ issuers: issuers.list() }),
    }),

    route('GET', '/issuers/:name', 'getIssuer', {
      summary: 'One issuer, with its URLs and admin prefix',
      schema: { params: IssuerParams, response: { 200: IssuerViewSchema } },
      handler: async (request) => {
        const view = issuers.view(request.params.name);
        if (view === undefined) {
          throw notFound(`no issuer ${request.params.name}; the issuers are ${issuers.names().join(', ')}`);
        }
        return view;
      },
    }),

    route('POST', '/issuers', 'addIssuer', {
      summary: 'Adds an issuer under /i/NAME; 409 when the name is taken',
      schema: { body: IssuerSchema, response: { 201: IssuerViewSchema } },
      handler: async (request, reply) => {
        let view;
        try {
          view = await issuers.add(request.body);
        } catch (err) {
          if (err instanceof ConfigError) throw invalidInput(err.issues);
          if (err instanceof IssuerChangeError) throw refusal(err);
          throw err;
        }
        created(request, reply, 'issuers', view.name);
        return view;
      },
    }),

    route('DELETE', '/issuers/:name', 'removeIssuer', {
      summary: 'Removes an issuer; its data folder is kept. The default issuer cannot be removed (409)',
      schema: { params: IssuerParams, response: { 204: NoContent } },
      handler: async (request, reply) => {
        try {
          await issuers.remove(request.params.name);
        } catch (err) {
          if (!(err instanceof IssuerChangeError)) throw err;
          throw refusal(err);
        }
        return reply.code(204).send();
      },
    }),

    // Forwarded whole, body unread: the issuer's admin API validates it with its own schemas.
    (app) => {
      void app.register(async (scope) => {
        leaveBodiesUnread(scope);
        scope.all<{ Params: { name: string; '*': string } }>(
          '/issuers/:name/*',
          { schema: { hide: true } },
          async (request, reply) => {
            const { name } = request.params;
            const target = name === DEFAULT_ISSUER_NAME ? rootApp() : issuers.get(name)?.app;
            if (target === undefined) {
              throw notFound(`no issuer ${name}; the issuers are ${issuers.names().join(', ')}`);
            }
            // The rest of the path as the client spelled it (a client id may hold an escaped "/"), the query kept.
            const url = request.raw.url ?? '';
            const marker = `/issuers/${name}/`;
            const at = url.indexOf(marker);
            const rest = at === -1 ? encodeURI(request.params['*']) : url.slice(at + marker.length);
            handOver(target, request, reply, `${ADMIN_PREFIX}/${rest}`);
            return reply;
          },
        );
      });
    },
  ]);
}

/**
 * The admin route groups of the default issuer's app: every issuer's own routes and the issuers routes. The
 * app, the OpenAPI document and docs/admin-api.md all register exactly these.
 */
export function rootAdminRoutes(issuers: Issuers, rootApp: () => FastifyInstance): AdminRoutes[] {
  return [...ADMIN_ROUTES, issuerAdminRoutes(issuers, rootApp)];
}
