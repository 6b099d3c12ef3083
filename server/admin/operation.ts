import type { FastifySchema } from 'fastify';
import type { ADMIN_TAGS } from './openapi.js';

/** A tag of docs/openapi.json: the group an admin route belongs to. */
export type AdminTag = (typeof ADMIN_TAGS)[number]['name'];

/** What a route validates and serializes: the rest of its schema is the OpenAPI metadata `operations` adds. */
type RouteSchema = Omit<FastifySchema, 'tags' | 'operationId' | 'summary'>;

/**
 * The route options of one group of admin routes: each operation gets the group's tag, its operation id and
 * summary (what docs/openapi.json and docs/admin-api.md list) beside the schemas it validates with. The schema
 * keeps its exact TypeBox types, so the handler's `request` is typed from it.
 */
export function operations(tag: AdminTag) {
  return <const S extends RouteSchema>(operationId: string, summary: string, schema: S) => ({
    schema: { tags: [tag], operationId, summary, ...schema },
  });
}
