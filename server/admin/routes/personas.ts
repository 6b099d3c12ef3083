import { Type } from 'typebox';
import { PersonaIdSchema, PersonaSchema, type PersonaConfig } from '../../config/schema.js';
import { personaIssues } from '../../config/validate.js';
import { personaSub } from '../../people/personas.js';
import { sandboxDefaultPersona } from '../../people/sign-in.js';
import { QueueClaimsError, type Sandbox } from '../../sandbox.js';
import { AdminError, found, invalidInput, notFound } from '../errors.js';
import { NoContent, PersonaListSchema, QueueClaimsRequestSchema, QueuedClaimsSchema } from '../shapes.js';
import { adminRoutes, created, route } from '../operation.js';

/** The most personas the sandbox keeps (the config's `personas` has the same bound). */
export const MAX_PERSONAS = 200;

const PersonaParams = Type.Object({ id: PersonaIdSchema });
const ClientParams = Type.Object({ clientId: Type.String({ minLength: 1, maxLength: 255 }) });

/** Rules a JSON Schema cannot say: a person's fhirUser, no reserved claims, a sub no other persona has. */
function checkPersona(sandbox: Sandbox, persona: PersonaConfig): void {
  const issues = personaIssues(persona, '').map((i) => ({ ...i, path: i.path.replace(/^\./, '') }));
  const sub = personaSub(persona);
  const other = sandbox.personas.list().find((p) => p.id !== persona.id && personaSub(p) === sub);
  if (other !== undefined) {
    issues.push({
      path: 'sub',
      message: `"${sub}" is already the sub of persona ${other.id}; a sub names one person (OpenID Connect Core §2)`,
    });
  }
  if (issues.length > 0) throw invalidInput(issues);
}

/** Who still names a persona as their default: deleting it would leave them pointing at nobody. */
function namedBy(sandbox: Sandbox, id: string): string[] {
  return [
    ...(sandbox.config.defaultPersona === id ? ['the config’s defaultPersona'] : []),
    ...sandbox.clients
      .list()
      .filter((c) => c.defaultPersona === id)
      .map((c) => `client ${c.clientId}`),
  ];
}

/**
 * `GET|POST /personas`, `GET|PUT|DELETE /personas/:id`, `DELETE /clients/:clientId/remembered-persona`,
 * `GET|POST|DELETE /clients/:clientId/queued-claims` (docs/admin-api.md#personas).
 */
export const personaRoutes = adminRoutes('personas', (sandbox) => {
  /** A client the path names must be registered: 404 otherwise. */
  const knownClient = (clientId: string): string => {
    if (sandbox.clients.get(clientId) === undefined) throw notFound(`no client ${clientId}`);
    return clientId;
  };

  const queuedView = (clientId: string) => ({
    queued: sandbox.queuedClaims.list(clientId).map((e) => ({ claims: e.claims, remaining: e.remaining })),
  });

  return [
    route('GET', '/personas', 'listPersonas', {
      summary: 'Who may sign in, the default persona and the choices remembered per client',
      schema: { response: { 200: PersonaListSchema } },
      handler: async () => {
        return {
          personas: sandbox.personas.list(),
          shipped: sandbox.personas.toConfig() === undefined,
          defaultPersona: sandboxDefaultPersona(sandbox)?.id ?? null,
          remembered: Object.fromEntries(sandbox.rememberedPersonas),
        };
      },
    }),

    route('GET', '/personas/:id', 'getPersona', {
      summary: 'One persona',
      schema: { params: PersonaParams, response: { 200: PersonaSchema } },
      handler: async (request) => {
        return found(sandbox.personas.get(request.params.id), `no persona ${request.params.id}`);
      },
    }),

    route('POST', '/personas', 'createPersona', {
      summary: 'Adds a persona',
      schema: { body: PersonaSchema, response: { 201: PersonaSchema } },
      handler: async (request, reply) => {
        const persona = request.body;
        if (sandbox.personas.get(persona.id) !== undefined) {
          throw new AdminError(
            409,
            'conflict',
            `persona ${persona.id} already exists; PUT it to replace it`,
            [{ path: 'id', message: `"${persona.id}" is already a persona` }],
          );
        }
        if (sandbox.personas.list().length >= MAX_PERSONAS) {
          throw new AdminError(
            409,
            'limit_reached',
            `the sandbox already has ${MAX_PERSONAS} personas (the personas limit); remove one first`,
          );
        }
        checkPersona(sandbox, persona);
        const before = sandbox.personas.toConfig();
        await sandbox.changeDurably(
          () => sandbox.personas.put(persona),
          () => sandbox.personas.replaceAll(before),
        );
        created(request, reply, 'personas', persona.id);
        return persona;
      },
    }),

    route('PUT', '/personas/:id', 'updatePersona', {
      summary: 'Replaces a persona',
      schema: { params: PersonaParams, body: PersonaSchema, response: { 200: PersonaSchema } },
      handler: async (request) => {
        const persona = request.body;
        if (persona.id !== request.params.id) {
          throw invalidInput([
            {
              path: 'id',
              message: `must equal the id in the URL (${request.params.id}), got "${persona.id}"`,
            },
          ]);
        }
        if (sandbox.personas.get(persona.id) === undefined)
          throw notFound(`no persona ${persona.id}; POST it to add it`);
        checkPersona(sandbox, persona);
        const before = sandbox.personas.list();
        const wasDefined = sandbox.personas.toConfig() !== undefined;
        await sandbox.changeDurably(
          () => sandbox.personas.put(persona),
          () => sandbox.personas.replaceAll(wasDefined ? before : undefined),
        );
        return persona;
      },
    }),

    route('DELETE', '/personas/:id', 'deletePersona', {
      summary: 'Removes a persona that is no default',
      schema: { params: PersonaParams, response: { 204: NoContent } },
      handler: async (request, reply) => {
        const id = request.params.id;
        if (sandbox.personas.get(id) === undefined) throw notFound(`no persona ${id}`);
        const users = namedBy(sandbox, id);
        if (users.length > 0) {
          throw new AdminError(
            409,
            'conflict',
            `persona ${id} is the default persona of ${users.join(', ')}; choose another default first`,
          );
        }
        const before = sandbox.personas.toConfig();
        await sandbox.changeDurably(
          () => {
            sandbox.personas.delete(id);
            sandbox.forgetStaleChoices();
          },
          () => sandbox.personas.replaceAll(before),
        );
        return reply.code(204).send();
      },
    }),

    route('DELETE', '/clients/:clientId/remembered-persona', 'forgetRememberedPersona', {
      summary: 'Forgets the persona remembered for a client on the sign-in step',
      schema: { params: ClientParams, response: { 204: NoContent } },
      handler: async (request, reply) => {
        const clientId = knownClient(request.params.clientId);
        const previous = sandbox.rememberedPersonas.get(clientId);
        await sandbox.changeDurably(
          () => sandbox.rememberedPersonas.delete(clientId),
          () => (previous === undefined ? undefined : sandbox.rememberedPersonas.set(clientId, previous)),
        );
        return reply.code(204).send();
      },
    }),

    route('GET', '/clients/:clientId/queued-claims', 'listQueuedClaims', {
      summary: "The claims queued for a client's next token responses",
      schema: { params: ClientParams, response: { 200: QueuedClaimsSchema } },
      handler: async (request) => {
        return queuedView(knownClient(request.params.clientId));
      },
    }),

    route('POST', '/clients/:clientId/queued-claims', 'queueClaims', {
      summary: "Queues custom claims for a client's next token responses",
      schema: { params: ClientParams, body: QueueClaimsRequestSchema, response: { 201: QueuedClaimsSchema } },
      handler: async (request, reply) => {
        const { clientId } = request.params;
        try {
          sandbox.queueClaims(clientId, request.body.claims, request.body.count ?? 1);
        } catch (err) {
          if (!(err instanceof QueueClaimsError)) throw err;
          if (err.reason === 'unknown_client') throw notFound(err.message);
          if (err.reason === 'queue_full') throw new AdminError(409, 'limit_reached', err.message);
          throw invalidInput(err.issues);
        }
        return reply.code(201).send(queuedView(clientId));
      },
    }),

    route('DELETE', '/clients/:clientId/queued-claims', 'clearQueuedClaims', {
      summary: 'Clears the claims queued for a client',
      schema: { params: ClientParams, response: { 204: NoContent } },
      handler: async (request, reply) => {
        sandbox.queuedClaims.clear(knownClient(request.params.clientId));
        return reply.code(204).send();
      },
    }),
  ];
});
