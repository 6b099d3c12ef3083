import type {
  ContextConfigDefault,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifySchema,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
  RouteGenericInterface,
  RouteHandlerMethod,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Sandbox } from '../sandbox.js';
import type { ADMIN_TAGS } from './openapi.js';
import type { AdminRoutes } from './plugin.js';

/** A tag of docs/openapi.json: the group an admin route belongs to. */
export type AdminTag = (typeof ADMIN_TAGS)[number]['name'];

/** What a route validates and serializes: the rest of its schema is the OpenAPI metadata the group adds. */
type RouteSchema = Omit<FastifySchema, 'tags' | 'operationId' | 'summary'>;

/**
 * What one admin operation says beside its method, path and operation id: the summary docs/openapi.json and
 * docs/admin-api.md list, the schemas it validates and serializes with, and its handler, whose `request` is
 * typed from those schemas.
 */
export interface AdminOperation<S extends RouteSchema> {
  readonly summary: string;
  readonly schema: S;
  /** A body larger than the server-wide limit (a route that takes a whole file). */
  readonly bodyLimit?: number;
  readonly handler: RouteHandlerMethod<
    RawServerDefault,
    RawRequestDefaultExpression,
    RawReplyDefaultExpression,
    RouteGenericInterface,
    ContextConfigDefault,
    S,
    TypeBoxTypeProvider
  >;
}

/** An operation ready to register under its group's tag. */
export type AdminRoute = (app: FastifyInstance, tag: AdminTag) => void;

/**
 * Declares one admin operation, read as `route('GET', '/grants', 'listGrants', { summary, schema, handler })`.
 * Its schema keeps its exact TypeBox types (`const`), so the handler's `request` is typed from it with no cast.
 */
export function route<const S extends RouteSchema>(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  operationId: string,
  operation: AdminOperation<S>,
): AdminRoute {
  return (app, tag) => {
    const { summary, schema, bodyLimit, handler } = operation;
    app.withTypeProvider<TypeBoxTypeProvider>().route<RouteGenericInterface, ContextConfigDefault, S>({
      method,
      url,
      schema: { tags: [tag], operationId, summary, ...schema },
      ...(bodyLimit === undefined ? {} : { bodyLimit }),
      handler,
    });
  };
}

/**
 * A group of admin routes under one tag of docs/openapi.json: `operations` gives the group's routes, in the
 * order the document lists them, and may keep helpers the handlers share in its closure. The group is a
 * plugin for `adminApi` (server/admin/plugin.ts) like any other.
 */
export function adminRoutes(
  tag: AdminTag,
  operations: (sandbox: Sandbox) => readonly AdminRoute[],
): AdminRoutes {
  return (sandbox) => async (app) => {
    for (const register of operations(sandbox)) register(app, tag);
  };
}

/**
 * Answers a POST that created a resource: 201 with its `Location` (RFC 9110 §10.2.2, §15.3.2), the collection's
 * path under this issuer's admin base (`/_sandbox/api`, or `/_sandbox/api/issuers/NAME`), the id percent-encoded
 * as one path segment. The handler then returns the resource, which the route's 201 schema serializes.
 */
export function created(request: FastifyRequest, reply: FastifyReply, collection: string, id: string): void {
  void reply
    .code(201)
    .header('Location', `${request.server.sandbox.adminPath}/${collection}/${encodeURIComponent(id)}`);
}
