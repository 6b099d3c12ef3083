import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifySerializerCompiler } from 'fastify';
import type { TSchema } from 'typebox';

type Serialize = (data: unknown) => string;

/** Fastify's own response serializer (fast-json-stringify), built once for the process. */
const compile = SerializerSelector()();

/**
 * Compiled serializers by response schema. The admin routes' response schemas are module constants, so every
 * sandbox in a process (a test suite starts one per test) shares one compiled serializer per schema.
 */
const compiled = new WeakMap<object, Serialize>();

/**
 * The admin API's response serializer: the same fast-json-stringify Fastify uses by default (what is not in
 * the schema is dropped), compiled when a route first answers and then shared by every sandbox in the process.
 * Compiling all of them at every start was half of a sandbox's start-up (docs/benchmarks.md "Test API").
 */
export const adminSerializerCompiler: FastifySerializerCompiler<TSchema> = ({
  schema,
  method,
  url,
  httpStatus,
}) => {
  let serialize: Serialize | undefined;
  return (data: unknown) => {
    serialize ??= compiled.get(schema);
    if (serialize === undefined) {
      serialize = compile({ schema, method, url, httpStatus: httpStatus ?? '' });
      compiled.set(schema, serialize);
    }
    return serialize(data);
  };
};
