import { Type } from 'typebox';
import { ClockViewSchema, type ClockView } from '../shapes.js';
import { adminRoutes, route } from '../operation.js';

/** A year either way is more skew than any client should tolerate, and enough to test that it does not. */
const MAX_SKEW_SECONDS = 366 * 24 * 3600;

/**
 * `GET /clock`, `PUT /clock { offsetSeconds }`: skews the server's clock, and with it every issued `iat`/`exp`
 * and every expiry check, so a client's clock-skew handling can be tested.
 */
export const clockRoutes = adminRoutes('clock', (sandbox) => {
  const view = (): ClockView => ({
    now: new Date(sandbox.clock.now()).toISOString(),
    offsetSeconds: sandbox.clock.offsetMs / 1000,
  });

  return [
    route('GET', '/clock', 'getClock', {
      summary: "The server's time and its skew",
      schema: { response: { 200: ClockViewSchema } },
      handler: async () => view(),
    }),

    route('PUT', '/clock', 'setClock', {
      summary: "Skews the server's clock: every iat, exp and expiry check follows",
      schema: {
        body: Type.Object(
          { offsetSeconds: Type.Integer({ minimum: -MAX_SKEW_SECONDS, maximum: MAX_SKEW_SECONDS }) },
          { additionalProperties: false },
        ),
        response: { 200: ClockViewSchema },
      },
      handler: async (request) => {
        sandbox.clock.offsetMs = request.body.offsetSeconds * 1000;
        sandbox.events.emit('clock.changed', { offsetSeconds: request.body.offsetSeconds });
        return view();
      },
    }),
  ];
});
