import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Sandbox } from '../../sandbox.js';
import { ClockViewSchema, type ClockView } from '../shapes.js';
import { operations } from '../operation.js';

const route = operations('clock');

/** A year either way is more skew than any client should tolerate, and enough to test that it does not. */
const MAX_SKEW_SECONDS = 366 * 24 * 3600;

const ReadRoute = route('getClock', "The server's time and its skew", { response: { 200: ClockViewSchema } });
const SetRoute = route('setClock', "Skews the server's clock: every iat, exp and expiry check follows", {
  body: Type.Object(
    { offsetSeconds: Type.Integer({ minimum: -MAX_SKEW_SECONDS, maximum: MAX_SKEW_SECONDS }) },
    { additionalProperties: false },
  ),
  response: { 200: ClockViewSchema },
});

/**
 * `GET /clock`, `PUT /clock { offsetSeconds }`: skews the server's clock, and with it every issued `iat`/`exp`
 * and every expiry check, so a client's clock-skew handling can be tested.
 */
export function clockRoutes(sandbox: Sandbox) {
  return async (base: FastifyInstance): Promise<void> => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();
    const view = (): ClockView => ({
      now: new Date(sandbox.clock.now()).toISOString(),
      offsetSeconds: sandbox.clock.offsetMs / 1000,
    });

    app.get('/clock', ReadRoute, async () => view());

    app.put('/clock', SetRoute, async (request) => {
      sandbox.clock.offsetMs = request.body.offsetSeconds * 1000;
      sandbox.events.emit('clock.changed', { offsetSeconds: request.body.offsetSeconds });
      return view();
    });
  };
}
