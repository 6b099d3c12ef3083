import type { FastifyError, FastifyInstance, FastifySchemaCompiler } from 'fastify';
import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import { schemaIssues, type ConfigIssue } from '../config/validate.js';
import { logUnexpected } from '../log-unexpected.js';
import type { AdminErrorSchema } from './shapes.js';
import { pathOf } from '../oauth/form.js';

/** The admin API's error body: a code, a sentence, and the field at fault when there is one. */
export interface AdminErrorBody {
  readonly error: string;
  readonly message: string;
  readonly field?: string;
  readonly issues?: readonly ConfigIssue[];
}
// The OpenAPI document describes errors with AdminErrorSchema: every body this module writes must fit it.
export const adminErrorCovered: AdminErrorBody extends Static<typeof AdminErrorSchema> ? true : never = true;

/** An admin request that cannot be served; the class carries the status, the throw site says why. */
export class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: readonly ConfigIssue[] = [],
  ) {
    super(message);
    this.name = 'AdminError';
  }

  toBody(): AdminErrorBody {
    const field = this.issues[0]?.path;
    return {
      error: this.code,
      message: this.message,
      ...(field === undefined ? {} : { field: field === '' ? '(body)' : field }),
      ...(this.issues.length > 0 ? { issues: this.issues } : {}),
    };
  }
}

/** 400 naming every field at fault, the first one in `field`. */
export function invalidInput(issues: readonly ConfigIssue[], part = 'body'): AdminError {
  const shown = issues.slice(0, 5).map((i) => `${i.path === '' ? `(${part})` : i.path}: ${i.message}`);
  return new AdminError(400, 'invalid_input', shown.join('; '), issues);
}

export function notFound(message: string): AdminError {
  return new AdminError(404, 'not_found', message);
}

/** What a lookup by the path's id or name found, or a 404 with `message` saying what was not there. */
export function found<T>(value: T | undefined, message: string): T {
  if (value === undefined) throw notFound(message);
  return value;
}

/**
 * Validates each part of a request against its TypeBox schema, with the same messages the config file gets.
 * Unlike Fastify's default Ajv setup it never strips unknown fields silently: they are errors.
 */
export const adminValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  // Compiled on first use: Fastify asks for every route's validators while the server starts, and compiling
  // them all there would add tens of milliseconds to every start for routes a headless run may never call.
  // The schemas are module constants, so every sandbox in the process shares one compiled check per schema.
  let check: Check | undefined;
  return (value: unknown) => {
    check ??= compiledCheck(schema);
    const converted = httpPart === 'body' ? value : Value.Convert(schema, value);
    if (check.Check(converted)) return { value: converted };
    return { error: invalidInput(schemaIssues(schema, converted), httpPart ?? 'body') };
  };
};

type Check = ReturnType<typeof Compile>;
const compiledChecks = new WeakMap<TSchema, Check>();

function compiledCheck(schema: TSchema): Check {
  let check = compiledChecks.get(schema);
  if (check === undefined) {
    check = Compile(schema);
    compiledChecks.set(schema, check);
  }
  return check;
}

/** Makes an encapsulated scope answer every error as an AdminErrorBody, never a stack trace. */
export function speakAdminErrors(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AdminError, request, reply) => {
    const cacheless = { 'Cache-Control': 'no-store' };
    if (error instanceof AdminError) return reply.code(error.status).headers(cacheless).send(error.toBody());
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.code(415).headers(cacheless).send({
        error: 'unsupported_media_type',
        message: 'the admin API takes application/json bodies only',
      });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.code(status).headers(cacheless).send({ error: 'bad_request', message: error.message });
    }
    logUnexpected(request, error, 'in the admin API');
    // The admin API answers only its own token holder, so the cause can be said plainly.
    return reply
      .code(500)
      .headers(cacheless)
      .send({
        error: 'internal_error',
        message: `unexpected server error (${error.name}: ${error.message}); nothing was changed, and the sandbox log (standard error) has the details`,
      });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .headers({ 'Cache-Control': 'no-store' })
      .send({
        error: 'not_found',
        message: `no admin route ${request.method} ${pathOf(request.url)}`,
      }),
  );
}
