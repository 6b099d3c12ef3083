import { Type } from 'typebox';
import { ExchangePageSchema, ExchangeSchema } from '../../exchanges/exchange.js';
import { EXCHANGE_PAGE } from '../../exchanges/exchange-log.js';
import { HarSchema, toHar } from '../../exchanges/har.js';
import { found } from '../errors.js';
import { NoContent } from '../shapes.js';
import { adminRoutes, route } from '../operation.js';

const ExchangeQuerySchema = Type.Object(
  {
    since: Type.Optional(Type.Integer({ minimum: 0, description: 'only exchanges after this seq' })),
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: EXCHANGE_PAGE.max,
        description: `how many exchanges (default ${EXCHANGE_PAGE.default})`,
      }),
    ),
    clientId: Type.Optional(Type.String({ minLength: 1 })),
    failure: Type.Optional(Type.String({ minLength: 1, description: 'a failure id, or * for any' })),
    path: Type.Optional(Type.String({ minLength: 1, description: 'only paths starting with this' })),
  },
  { additionalProperties: false },
);
const HarQuerySchema = Type.Object(
  {
    since: ExchangeQuerySchema.properties.since,
    clientId: ExchangeQuerySchema.properties.clientId,
    failure: ExchangeQuerySchema.properties.failure,
    path: ExchangeQuerySchema.properties.path,
    seq: Type.Optional(
      Type.String({
        pattern: '^[0-9]+(,[0-9]+)*$',
        maxLength: 12_000,
        description: 'only these exchanges: seqs joined by commas, e.g. `3,5,8`',
      }),
    ),
  },
  { additionalProperties: false },
);
/**
 * `GET /exchanges` (docs/admin-api.md#exchanges): every HTTP exchange with the sandbox, secrets masked, with its verdict.
 * Without `since` the newest `limit` (default EXCHANGE_PAGE.default); with it, the first `limit` after that seq, for paging.
 */
export const exchangeRoutes = adminRoutes('exchanges', (sandbox) => [
  route('GET', '/exchanges', 'listExchanges', {
    summary: 'The exchange log: the newest exchanges, or a page after a seq',
    schema: { querystring: ExchangeQuerySchema, response: { 200: ExchangePageSchema } },
    handler: async (request) => {
      const log = sandbox.exchanges;
      return {
        exchanges: log.query(request.query),
        latestSeq: log.latestSeq,
        size: log.size,
        capacity: log.capacity,
        bytes: log.bytes,
        maxBytes: log.maxBytes,
      };
    },
  }),

  // The log as a HAR 1.2 file: every kept exchange, those the filters match, or the seqs listed.
  route('GET', '/exchanges/har', 'exportExchangesHar', {
    summary: 'The exchange log as a HAR 1.2 file: all, filtered, or chosen seqs, secrets masked as logged',
    schema: { querystring: HarQuerySchema, response: { 200: HarSchema } },
    handler: async (request, reply) => {
      const log = sandbox.exchanges;
      const { seq, ...filters } = request.query;
      const wanted = seq === undefined ? undefined : new Set(seq.split(',').map(Number));
      const matched = log
        .query({ ...filters, limit: log.capacity })
        .filter((e) => wanted === undefined || wanted.has(e.seq));
      const missing =
        wanted === undefined ? [] : [...wanted].filter((n) => !matched.some((e) => e.seq === n));
      const scope = [
        wanted === undefined ? undefined : `exchanges ${seq ?? ''}`,
        ...Object.entries(filters).map(([k, v]) => `${k}=${String(v)}`),
        missing.length === 0 ? undefined : `no longer in the log: ${missing.join(',')}`,
      ].filter((part) => part !== undefined);
      const stamp = new Date(sandbox.clock.now()).toISOString().replace(/[-:]|\.\d+/g, '');
      void reply
        .type('application/json; charset=utf-8')
        .header('Content-Disposition', `attachment; filename="token-sandbox-${stamp}.har"`);
      return toHar(
        matched,
        // The origin, not the issuer: a logged path already starts with the issuer's `/i/NAME`.
        sandbox.origin,
        scope.length === 0 ? 'all kept exchanges' : scope.join(', '),
      );
    },
  }),

  route('GET', '/exchanges/:seq', 'getExchange', {
    summary: 'One exchange, request and response, secrets masked',
    schema: { params: Type.Object({ seq: Type.Integer({ minimum: 1 }) }), response: { 200: ExchangeSchema } },
    handler: async (request) => {
      return found(
        sandbox.exchanges.get(request.params.seq),
        `exchange ${request.params.seq} is not (or no longer) in the log`,
      );
    },
  }),

  route('DELETE', '/exchanges', 'clearExchanges', {
    summary: 'Empties the exchange log',
    schema: { response: { 204: NoContent } },
    handler: async (_request, reply) => {
      sandbox.exchanges.clear();
      return reply.code(204).send();
    },
  }),
]);
