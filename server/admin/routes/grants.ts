import { Type } from 'typebox';
import { AdminError, found, notFound } from '../errors.js';
import { ArtefactTokenSchema, GrantListSchema, IssuedArtefactSchema } from '../shapes.js';
import { adminRoutes, route } from '../operation.js';

const GrantQuery = Type.Object(
  {
    clientId: Type.Optional(Type.String({ minLength: 1 })),
    kind: Type.Optional(Type.Enum(['code', 'access_token', 'refresh_token', 'id_token'])),
    state: Type.Optional(Type.Enum(['active', 'consumed', 'expired', 'revoked'])),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
/** The 409 code each change answers for an id_token (docs/admin-api.md#grants). */
const REFUSALS = { revoke: 'not_revocable', expire: 'not_expirable' } as const;

/**
 * `GET /grants` (docs/admin-api.md#grants): recently issued codes and tokens with their state; `POST /grants/:id/revoke`
 * and `POST /grants/:id/expire` ("expire now") act on one of them.
 */
export const grantRoutes = adminRoutes('grants', (sandbox) => {
  const store = sandbox.store;

  const entryOf = (id: string) =>
    found(
      sandbox.issued.find(id),
      `no issued code or token ${id} (the grants view keeps the most recent ones)`,
    );

  /**
   * Revoke and expire: `POST /grants/:id/<verb>` changes one artefact, keeps it and answers it as it is now. An
   * id_token is out of the server's hands once issued (the client checks it itself), so both refuse it with a
   * 409 saying why.
   */
  const changeRoute = (
    verb: 'revoke' | 'expire',
    operationId: string,
    summary: string,
    why: string,
    act: (entry: ReturnType<typeof entryOf>) => void,
  ) =>
    route('POST', `/grants/:id/${verb}`, operationId, {
      summary,
      schema: { params: IdParams, response: { 200: IssuedArtefactSchema } },
      handler: async (request) => {
        const entry = entryOf(request.params.id);
        if (entry.kind === 'id_token') throw new AdminError(409, REFUSALS[verb], why);
        act(entry);
        await sandbox.persist();
        return sandbox.issued.view(entry.id);
      },
    });

  return [
    route('GET', '/grants', 'listGrants', {
      summary: 'Recently issued codes and tokens with their state',
      schema: { querystring: GrantQuery, response: { 200: GrantListSchema } },
      handler: async (request) => {
        const q = request.query;
        const grants = sandbox.issued
          .list()
          .filter(
            (a) =>
              (q.clientId === undefined || a.clientId === q.clientId) &&
              (q.kind === undefined || a.kind === q.kind) &&
              (q.state === undefined || a.state === q.state),
          );
        return { grants };
      },
    }),

    // The whole value, for Show, Copy, Decode, Inspect and Introspect in the workbench: a deliberate "show"
    // behind the admin token, never part of the list or the event stream. Codes and refresh tokens are held by
    // the store itself; a signed JWT only since this process started.
    route('GET', '/grants/:id/token', 'getGrantToken', {
      summary: 'The whole signed access or id token, for decoding',
      schema: { params: IdParams, response: { 200: ArtefactTokenSchema } },
      handler: async (request) => {
        const entry = entryOf(request.params.id);
        const token =
          entry.kind === 'code' || entry.kind === 'refresh_token'
            ? entry.value
            : sandbox.issued.tokenOf(entry.id);
        if (token === undefined) {
          throw notFound(
            `the signed value of ${entry.id} is no longer held (tokens are kept in memory since the server started)`,
          );
        }
        return { id: entry.id, kind: entry.kind, token };
      },
    }),

    changeRoute(
      'revoke',
      'revokeGrant',
      'Revokes a code or token and what was issued from it',
      'an id_token is a signed statement the client checks itself; revoke the refresh or access token of its grant instead',
      (entry) => {
        // RFC 7009 §2.1 in spirit: whatever was issued from a code or refresh token goes with it.
        store.revoke(
          entry,
          entry.kind === 'refresh_token'
            ? 'refresh token revoked from the admin API'
            : 'revoked from the admin API',
        );
      },
    ),

    changeRoute(
      'expire',
      'expireGrant',
      'Expires a code or token now',
      'an id_token carries its own exp and is checked by the client; the server cannot expire it early',
      (entry) => {
        store.expire(entry);
      },
    ),
  ];
});
