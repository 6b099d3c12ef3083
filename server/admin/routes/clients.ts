import { Type } from 'typebox';
import { ClientSchema, type ClientConfig } from '../../config/schema.js';
import { effectiveClient } from '../../config/defaults.js';
import { clientIssues, defaultPersonaIssues } from '../../config/validate.js';
import { clientWarnings } from '../../profiles/serves.js';
import type { Sandbox } from '../../sandbox.js';
import { AdminError, found, invalidInput } from '../errors.js';
import { ClientListSchema, NoContent } from '../shapes.js';
import { adminRoutes, created, route } from '../operation.js';

const ClientIdParams = Type.Object({ clientId: Type.String({ minLength: 1, maxLength: 255 }) });

/**
 * The rules a JSON Schema cannot say (a secret for secret methods, redirect URIs for the code grant, no
 * reserved claims, a default persona that exists …).
 */
function checkClient(sandbox: Sandbox, client: ClientConfig): void {
  const issues = [
    ...clientIssues(client, '').map((i) => ({ ...i, path: i.path.replace(/^\./, '') })),
    ...defaultPersonaIssues(
      client.defaultPersona,
      sandbox.personas.list().map((p) => p.id),
      'defaultPersona',
    ),
  ];
  if (issues.length > 0) throw invalidInput(issues);
}

/** `GET/POST /clients`, `GET|PUT|DELETE /clients/:clientId` (docs/admin-api.md#clients). */
export const clientRoutes = adminRoutes('clients', (sandbox) => [
  // Each listed client carries what the active profile cannot serve it and its values in force, defaults
  // applied, so the workbench never works a default out itself (computed, never stored: a PUT of the same
  // client takes the config fields only).
  route('GET', '/clients', 'listClients', {
    summary: 'Every registered client, with what the profile cannot serve and its values in force',
    schema: { response: { 200: ClientListSchema } },
    handler: async () => ({
      clients: sandbox.clients.list().map((c) => ({
        ...c.source,
        warnings: clientWarnings(sandbox.profile, c),
        effective: effectiveClient(c),
      })),
    }),
  }),

  route('POST', '/clients', 'createClient', {
    summary: 'Registers a client; 409 when its clientId exists',
    schema: { body: ClientSchema, response: { 201: ClientSchema } },
    handler: async (request, reply) => {
      const client = request.body;
      checkClient(sandbox, client);
      if (sandbox.clients.get(client.clientId)) {
        throw new AdminError(
          409,
          'conflict',
          `client ${client.clientId} already exists; PUT it to replace it`,
          [{ path: 'clientId', message: `"${client.clientId}" is already registered` }],
        );
      }
      await sandbox.changeDurably(
        () => sandbox.clients.put(client),
        () => sandbox.clients.delete(client.clientId),
      );
      sandbox.events.emit('client.changed', { clientId: client.clientId, change: 'added' });
      created(request, reply, 'clients', client.clientId);
      return client;
    },
  }),

  route('GET', '/clients/:clientId', 'getClient', {
    summary: 'One client exactly as registered, ready to PUT back',
    schema: { params: ClientIdParams, response: { 200: ClientSchema } },
    handler: async (request) => {
      return found(sandbox.clients.get(request.params.clientId), `no client ${request.params.clientId}`)
        .source;
    },
  }),

  route('PUT', '/clients/:clientId', 'putClient', {
    summary: 'Creates (201) or replaces (200) the client named in the path',
    schema: {
      params: ClientIdParams,
      body: ClientSchema,
      response: { 200: ClientSchema, 201: ClientSchema },
    },
    handler: async (request, reply) => {
      const client = request.body;
      if (client.clientId !== request.params.clientId) {
        throw invalidInput([
          {
            path: 'clientId',
            message: `must equal the client_id in the URL (${request.params.clientId}), got "${client.clientId}"`,
          },
        ]);
      }
      checkClient(sandbox, client);
      const previous = sandbox.clients.get(client.clientId)?.source;
      const existed = previous !== undefined;
      await sandbox.changeDurably(
        () => sandbox.clients.put(client),
        () =>
          previous === undefined ? sandbox.clients.delete(client.clientId) : sandbox.clients.put(previous),
      );
      sandbox.events.emit('client.changed', {
        clientId: client.clientId,
        change: existed ? 'updated' : 'added',
      });
      return reply.code(existed ? 200 : 201).send(client);
    },
  }),

  route('DELETE', '/clients/:clientId', 'deleteClient', {
    summary: 'Removes a client',
    schema: { params: ClientIdParams, response: { 204: NoContent } },
    handler: async (request, reply) => {
      const previous = found(
        sandbox.clients.get(request.params.clientId)?.source,
        `no client ${request.params.clientId}`,
      );
      await sandbox.changeDurably(
        () => sandbox.clients.delete(previous.clientId),
        () => sandbox.clients.put(previous),
      );
      // What was kept for the client goes with it: its remembered sign-in choice and queued claims.
      sandbox.forgetStaleChoices();
      sandbox.queuedClaims.clear(previous.clientId);
      sandbox.events.emit('client.changed', { clientId: request.params.clientId, change: 'deleted' });
      return reply.code(204).send();
    },
  }),
]);
