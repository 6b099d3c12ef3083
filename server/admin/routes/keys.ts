import { Type } from 'typebox';
import { DEFAULT_GRACE_SECONDS, KeyRingConflict, MAX_KEYS, type KeyStatus } from '../../keys/key-ring.js';
import { AdminError, notFound } from '../errors.js';
import { KeyListSchema, KeyRotationSchema, KeyViewSchema, type KeyView } from '../shapes.js';
import { adminRoutes, route } from '../operation.js';

/** A grace period longer than a month is no test of rollover; it only keeps keys in the ring. */
const MAX_GRACE_SECONDS = 31 * 24 * 3600;

/** A key's times as ISO strings; a time the key does not have is left out (exactOptionalPropertyTypes). */
function view(key: KeyStatus): KeyView {
  const times: Partial<Record<'createdAt' | 'publishedUntil' | 'retiredAt', string>> = {};
  for (const name of ['createdAt', 'publishedUntil', 'retiredAt'] as const) {
    const ms = key[name];
    if (ms !== undefined) times[name] = new Date(ms).toISOString();
  }
  return { kid: key.kid, alg: key.alg, state: key.state, ...times };
}

/** A rotation or retirement the ring refuses: 409, with what to do instead. */
async function orConflict<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    if (err instanceof KeyRingConflict) throw new AdminError(409, 'key_conflict', err.message);
    throw err;
  }
}

/**
 * `GET /keys`, `POST /keys/rotate`, `POST /keys/:kid/retire` (docs/admin-api.md#keys, README "Key rollover"):
 * the signing keys and their rollover. Private members never leave the ring.
 */
export const keyRoutes = adminRoutes('keys', (sandbox) => [
  route('GET', '/keys', 'listKeys', {
    summary: 'The signing keys with their state: current, published or retired',
    schema: { response: { 200: KeyListSchema } },
    handler: async () => {
      // The current key may still be being generated at start-up.
      await sandbox.signingKey();
      return {
        keys: sandbox.keys.list().map(view),
        maxKeys: MAX_KEYS,
        defaultGraceSeconds: DEFAULT_GRACE_SECONDS,
      };
    },
  }),

  route('POST', '/keys/rotate', 'rotateKeys', {
    summary: 'Makes a new key current; the replaced ones stay published for the grace period',
    schema: {
      body: Type.Object(
        {
          graceSeconds: Type.Optional(
            Type.Integer({
              minimum: 0,
              maximum: MAX_GRACE_SECONDS,
              description: `how long the replaced keys stay published (default ${DEFAULT_GRACE_SECONDS}); 0 retires them at once`,
            }),
          ),
        },
        { additionalProperties: false },
      ),
      response: { 200: KeyRotationSchema },
    },
    handler: async (request) => {
      await sandbox.signingKey();
      const result = await orConflict(() =>
        sandbox.rotateKeys(request.body.graceSeconds ?? DEFAULT_GRACE_SECONDS),
      );
      return { added: result.added.map(view), replaced: result.replaced.map(view) };
    },
  }),

  route('POST', '/keys/:kid/retire', 'retireKey', {
    summary: 'Retires a published key now: it leaves the JWKS and its tokens stop verifying',
    schema: {
      params: Type.Object({ kid: Type.String({ minLength: 1, maxLength: 200 }) }),
      response: { 200: KeyViewSchema },
    },
    handler: async (request) => {
      const { kid } = request.params;
      const status = await orConflict(() => sandbox.retireKey(kid));
      if (status === undefined)
        throw notFound(`no signing key has kid ${kid} (GET /_sandbox/api/keys lists them)`);
      return view(status);
    },
  }),
]);
