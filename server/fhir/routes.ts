import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ScopeCheck } from '../exchanges/exchange.js';
import { injectFhirFailures } from '../failures/fhir-hook.js';
import { FHIR_LIMITS } from '../limits.js';
import { requireBearer } from '../oauth/bearer.js';
import { InsufficientScope } from '../oauth/errors.js';
import type { Sandbox } from '../sandbox.js';
import {
  accessOf,
  authorizeRead,
  authorizeSearch,
  authorizeCreate,
  authorizePutBody,
  authorizeWrite,
  mayReadType,
  mayWriteType,
  SCOPES_RULE,
  type Decision,
  type FhirAccess,
} from './access.js';
import { capabilityStatement } from './capability-statement.js';
import {
  isResourceType,
  RESOURCE_TYPES,
  type FhirResource,
  type ResourceType,
  type StoredVersion,
} from './data.js';
import { FhirLoadError, identifyResource } from './load.js';
import { FHIR_JSON, sendFhirError, sendOutcome } from './outcome.js';
import { FHIR_ID, isR4ResourceType } from './r4-resource-types.js';
import { isResource, UpstreamError, upstreamOf, type Upstream, type UpstreamAnswer } from './upstream.js';
import { matchesAll, parseSearch, patientOf, searchQuery, sortMatches } from './search.js';
import { pathOf, queryOf as queryOfUrl } from '../oauth/form.js';

const VERBS: Readonly<Record<ScopeCheck['interaction'], string>> = {
  c: 'create',
  r: 'read',
  u: 'update',
  d: 'delete',
  s: 'search',
};

/**
 * Records a scope decision for the exchange log's verdict (the check as data, and in words when allowed) and
 * refuses the request when the decision does (RFC 6750 §3.1 insufficient_scope).
 */
function enforce<T extends object>(
  request: FastifyRequest,
  decision: Decision<T>,
): asserts decision is Extract<Decision<T>, { readonly allowed: true }> {
  request.sandboxDetails = { ...request.sandboxDetails, scope: decision.check };
  if (!decision.allowed) throw new InsufficientScope(decision.reason, { rule: SCOPES_RULE });
  const { interaction, target, scope } = decision.check;
  request.sandboxNotes = [
    { text: `${VERBS[interaction]} ${target} allowed by ${scope ?? '(no scope)'}`, rule: SCOPES_RULE },
  ];
}

/** FHIR R4 http.html#versioning: a version's weak ETag. */
function etag(version: StoredVersion): string {
  return `W/"${version.versionId}"`;
}

/**
 * FHIR R4 http.html#concurrency: the version an `If-Match` names (`W/"3"`, or `"3"`), undefined when absent;
 * null when the header is present but names no version.
 */
function ifMatch(request: FastifyRequest): number | null | undefined {
  const header = request.headers['if-match'];
  if (header === undefined) return undefined;
  const m = /^\s*(?:W\/)?"(\d{1,15})"\s*$/.exec(header);
  return m?.[1] === undefined ? null : Number(m[1]);
}

/**
 * The FHIR base, registered under `/fhir`: `metadata` is public (as on real servers); every other request
 * passes the bearer check first, then scope enforcement, then read or search over the shipped fixtures.
 */
export function fhirRoutes(sandbox: Sandbox) {
  return async (app: FastifyInstance): Promise<void> => {
    // Every error below, a refused bearer token included, leaves as an OperationOutcome.
    app.setErrorHandler(sendFhirError);
    // FHIR R4 http.html#mime-type: resources arrive as application/fhir+json (or application/json); a
    // text/plain body, which a foreign page could send without a preflight, is not one.
    app.removeContentTypeParser('text/plain');
    app.addContentTypeParser(
      'application/fhir+json',
      { parseAs: 'string', bodyLimit: FHIR_LIMITS.writeBodyBytes },
      app.getDefaultJsonParser('error', 'error'),
    );
    // Before the bearer check and the not-found handler, so an armed fhir.* failure answers first, everywhere.
    injectFhirFailures(app, sandbox);
    app.setNotFoundHandler((request, reply) =>
      sendOutcome(reply, 404, 'not-found', `nothing is served at ${request.method} ${pathOf(request.url)}`),
    );

    app.get('/metadata', async (_request, reply) => reply.type(FHIR_JSON).send(capabilityStatement(sandbox)));

    await app.register(async (secured) => {
      const access = new WeakMap<FastifyRequest, FhirAccess>();
      const accessFor = (request: FastifyRequest): FhirAccess => {
        const found = access.get(request);
        if (!found) throw new Error('the bearer check did not run');
        return found;
      };

      // Step 1, the bearer check (RFC 6750 §2.1): every request below carries a valid, unexpired,
      // unrevoked access token of this server, or is answered 401 here.
      secured.addHook('preHandler', async (request) => {
        access.set(request, accessOf(await requireBearer(sandbox, request), sandbox.fhir));
      });

      /** `fhir.upstream`, read per request so a config swap takes effect at once. */
      const upstreamFor = (): Upstream | undefined => upstreamOf(sandbox.config.fhir);

      /**
       * Answers with what the upstream answered, its URLs rebased on the sandbox's FHIR base (Bundle.link,
       * entry.fullUrl, Location, Content-Location), so the app's next request comes back through the checks.
       * A 5xx, a redirect or an unreadable answer becomes a 502 naming the upstream; so does a missing body,
       * unless `bodyless` (a write's 204, or its 201 under `Prefer: return=minimal`).
       */
      const relay = (
        reply: FastifyReply,
        upstream: Upstream,
        answer: UpstreamAnswer,
        { bodyless = false }: { readonly bodyless?: boolean } = {},
      ): FastifyReply => {
        const base = sandbox.urls.fhirBase;
        if (
          answer.status >= 500 ||
          (answer.status >= 300 && answer.status < 400) ||
          (answer.body === undefined && !bodyless)
        ) {
          return upstreamFailed(
            reply,
            upstream,
            `answered ${answer.status}${answer.body === undefined ? ' without a body' : ''}`,
          );
        }
        if (answer.status >= 400) {
          // The upstream's own refusal (404, 410, 412 …) passes on as it is; its diagnostics are the verdict's.
          const issues = answer.body?.['issue'];
          const issue = Array.isArray(issues)
            ? (issues[0] as { code?: unknown; diagnostics?: unknown } | undefined)
            : undefined;
          reply.request.sandboxRejection ??= {
            code: typeof issue?.code === 'string' ? issue.code : 'upstream',
            description: `the upstream FHIR server ${upstream.base} answered ${answer.status}${typeof issue?.diagnostics === 'string' ? `: ${issue.diagnostics}` : ''}`,
          };
        }
        // A URL that is not the upstream's is not passed on: the app would follow it past the checks.
        const location = answer.location === undefined ? undefined : upstream.rebase(answer.location, base);
        if (location !== undefined) reply.header('location', location);
        const contentLocation =
          answer.contentLocation === undefined ? undefined : upstream.rebase(answer.contentLocation, base);
        if (contentLocation !== undefined) reply.header('content-location', contentLocation);
        if (answer.etag !== undefined) reply.header('etag', answer.etag);
        if (answer.lastModified !== undefined) reply.header('last-modified', answer.lastModified);
        if (answer.body === undefined) return reply.code(answer.status).send();
        const body = { ...answer.body };
        if (Array.isArray(body['link'])) {
          body['link'] = (body['link'] as unknown[]).flatMap((l) => {
            const url = (l as { url?: unknown } | null)?.url;
            const rebased = typeof url === 'string' ? upstream.rebase(url, base) : undefined;
            return rebased === undefined ? [] : [{ ...(l as object), url: rebased }];
          });
        }
        if (Array.isArray(body['entry'])) {
          body['entry'] = (body['entry'] as unknown[]).map((e) => {
            const { fullUrl, resource, ...rest } = (e ?? {}) as { fullUrl?: unknown; resource?: unknown };
            const rebased =
              (typeof fullUrl === 'string' ? upstream.rebase(fullUrl, base) : undefined) ??
              (isResource(resource) ? `${base}/${resource.resourceType}/${resource.id}` : undefined);
            return {
              ...(rebased === undefined ? {} : { fullUrl: rebased }),
              ...rest,
              ...(resource === undefined ? {} : { resource }),
            };
          });
        }
        return reply.code(answer.status).type(FHIR_JSON).send(body);
      };

      /** Runs an exchange with the upstream; one that fails is answered 502 naming the upstream. */
      const withUpstream = async (
        reply: FastifyReply,
        upstream: Upstream,
        exchange: () => Promise<FastifyReply>,
      ): Promise<FastifyReply> => {
        try {
          return await exchange();
        } catch (err) {
          if (err instanceof UpstreamError) return upstreamFailed(reply, upstream, err.message);
          throw err;
        }
      };

      /**
       * A searchset from the upstream keeps only the entries the token may see: matches as the search's own
       * decision allows, included resources as a read would. The compartment was already forced on the query;
       * this is the second line, and it also covers page links (`_getpages`) whose query the sandbox never saw.
       */
      const filterEntries = (
        answer: UpstreamAnswer,
        visible: (r: FhirResource) => boolean,
      ): UpstreamAnswer => {
        const body = answer.body;
        if (body === undefined || body['resourceType'] === 'OperationOutcome') return answer;
        // Anything else (a resource, a Bundle whose entry is not a list) could carry what was never checked.
        if (
          body['resourceType'] !== 'Bundle' ||
          !(body['entry'] === undefined || Array.isArray(body['entry']))
        ) {
          throw new UpstreamError(
            `answered ${answer.status} to a search with something that is not a Bundle`,
          );
        }
        if (body['entry'] === undefined) return answer;
        const entry = (body['entry'] as unknown[]).filter((e) => {
          const r = (e as { resource?: unknown } | null)?.resource;
          return r === undefined || (isResource(r) && visible(r));
        });
        return { ...answer, body: { ...body, entry } };
      };

      /** Whether the token may see a resource of a page it did not ask for by criteria: a search of its type. */
      const visibleToSearch = (request: FastifyRequest): ((r: FhirResource) => boolean) => {
        const who = accessFor(request);
        const byType = new Map<string, (r: FhirResource) => boolean>();
        return (r) => {
          let visible = byType.get(r.resourceType);
          if (visible === undefined) {
            const decision = authorizeSearch(who, r.resourceType as ResourceType, []);
            visible = decision.allowed ? decision.visible : () => false;
            byType.set(r.resourceType, visible);
          }
          return visible(r) || authorizeRead(who, r).allowed;
        };
      };

      // The upstream's paging links (HAPI FHIR's `?_getpages=…`) point at its base; rebased, they arrive here.
      secured.get('/', async (request, reply) => {
        const upstream = upstreamFor();
        // Only a page of a search already checked: a system-wide search (`?_type=…`) is not forwarded, nor is
        // a path that resolved to the base (`Patient/..`).
        if (upstream === undefined || !new URLSearchParams(queryOf(request)).has('_getpages')) {
          return sendOutcome(
            reply,
            404,
            'not-found',
            "nothing is served at GET /fhir without a resource type, except the upstream's page links (_getpages)",
          );
        }
        return withUpstream(reply, upstream, async () => {
          const answer = await upstream.get('', queryOf(request), request.headers);
          return relay(reply, upstream, filterEntries(answer, visibleToSearch(request)));
        });
      });

      /**
       * Read and delete by id (FHIR R4 http.html#read, #delete) begin alike: a type this server does not serve
       * is a 404 whatever the id; with an upstream, an id it could not be asked about is a 400 before anything
       * is sent (FHIR R4 datatypes.html#id); then the upstream is asked, or the sandbox's own data answers.
       */
      const byId =
        (interaction: { readonly upstream: ByIdStep<[Upstream]>; readonly local: ByIdStep }) =>
        async (
          request: FastifyRequest<{ Params: { type: string; id: string } }>,
          reply: FastifyReply,
        ): Promise<FastifyReply> => {
          const { type, id } = request.params;
          if (!isR4ResourceType(type)) return unsupportedType(reply, type);
          const upstream = upstreamFor();
          if (upstream === undefined) return interaction.local(request, reply, type, id);
          return forwardableId(id)
            ? interaction.upstream(request, reply, type, id, upstream)
            : invalidId(reply, id);
        };

      // FHIR R4 http.html#read
      secured.get<{ Params: { type: string; id: string } }>(
        '/:type/:id',
        byId({
          upstream: async (request, reply, type, id, upstream) => {
            // Fetch, then check: the compartment of a resource is only known once it is read (README). A read
            // that no scope could allow is refused first, without asking the upstream.
            const who = accessFor(request);
            if (!mayReadType(who, type, id)) enforce(request, authorizeRead(who, { resourceType: type, id }));
            return withUpstream(reply, upstream, async () => {
              const answer = await upstream.get(
                `${type}/${encodeURIComponent(id)}`,
                queryOf(request),
                request.headers,
              );
              // Whatever the status (a 203, a 404 with a body), a resource reaches the app only once checked.
              const body = answer.body;
              if (
                (answer.status >= 200 && answer.status < 300) ||
                (body !== undefined && body['resourceType'] !== 'OperationOutcome')
              ) {
                if (!isResource(answer.body) || answer.body.resourceType !== type) {
                  return upstreamFailed(
                    reply,
                    upstream,
                    `answered ${type}/${id} with something that is not a ${type}`,
                  );
                }
                enforce(request, authorizeRead(who, answer.body));
              }
              return relay(reply, upstream, answer);
            });
          },
          local: async (request, reply, type, id) => {
            const found = sandbox.fhir.version(type, id);
            if (!found)
              return sendOutcome(reply, 404, 'not-found', `${type}/${id} is not known to this server`);
            // Scopes first: a token that may not read the resource must not learn that it was deleted.
            enforce(request, authorizeRead(accessFor(request), found.resource));
            if (found.deleted) {
              // FHIR R4 http.html#read: a deleted resource answers 410 Gone.
              return sendOutcome(reply, 410, 'deleted', `${type}/${id} was deleted at ${found.lastUpdated}`);
            }
            return reply.type(FHIR_JSON).header('etag', etag(found)).send(found.resource);
          },
        }),
      );

      /** The body of a create or update, checked as a load checks a resource; 400 naming the field. */
      const bodyResource = (
        request: FastifyRequest,
        reply: FastifyReply,
        type: string,
        id: string | undefined,
      ): FhirResource | FastifyReply => {
        const body = request.body;
        if (typeof body !== 'object' || body === null || Array.isArray(body)) {
          return sendOutcome(reply, 400, 'invalid', `the body must be a ${type} resource as FHIR JSON`);
        }
        const sent = body as Record<string, unknown>;
        if (sent['resourceType'] !== type) {
          return sendOutcome(
            reply,
            400,
            'invalid',
            `resourceType: ${JSON.stringify(sent['resourceType'])} does not match the URL's ${type}`,
          );
        }
        // FHIR R4 http.html#update: the body's id must be the URL's; #create: the server assigns the id.
        if (id !== undefined && sent['id'] !== id) {
          return sendOutcome(
            reply,
            400,
            'invalid',
            `id: ${sent['id'] === undefined ? 'is missing' : JSON.stringify(sent['id'])}; an update's body must carry the URL's id "${id}" (FHIR R4 http.html#update)`,
          );
        }
        try {
          return identifyResource('request body', { ...sent, id: id ?? randomUUID() });
        } catch (err) {
          if (err instanceof FhirLoadError) return sendOutcome(reply, 400, 'invalid', err.message);
          throw err;
        }
      };

      /** `limits.fhirResources`: a create that would pass it is refused, naming the limit. */
      const roomFor = (reply: FastifyReply): FastifyReply | undefined => {
        const max = sandbox.settings.limits.fhirResources;
        if (sandbox.fhir.size < max) return undefined;
        return sendOutcome(
          reply,
          422,
          'too-costly',
          `${sandbox.fhir.size} resources are stored; at most ${max} fit (the FHIR resources limit, limits.fhirResources). Delete some, or raise the limit.`,
        );
      };

      /** FHIR R4 http.html#concurrency: 412 unless If-Match names the current version. */
      const preconditionFails = (
        request: FastifyRequest,
        reply: FastifyReply,
        ref: string,
        current: StoredVersion | undefined,
      ): FastifyReply | undefined => {
        const wanted = ifMatch(request);
        if (wanted === undefined) return undefined;
        if (wanted === null) {
          return sendOutcome(reply, 412, 'conflict', 'If-Match must name a version, as W/"3"');
        }
        const live = current !== undefined && !current.deleted;
        if (live && current.versionId === wanted) return undefined;
        return sendOutcome(
          reply,
          412,
          'conflict',
          live
            ? `If-Match names version ${wanted} of ${ref}, but the current version is ${current.versionId}`
            : `If-Match names version ${wanted} of ${ref}, which does not exist`,
        );
      };

      /** Stores a version durably and answers as FHIR R4 http.html#create / #update do. */
      const store = async (
        reply: FastifyReply,
        resource: FhirResource,
        status: 200 | 201,
      ): Promise<FastifyReply> => {
        const now = new Date(sandbox.clock.now()).toISOString();
        const stored = await sandbox.changeFhir(() => {
          const previous = sandbox.fhir.version(resource.resourceType, resource.id);
          return {
            result: sandbox.fhir.put(resource, now),
            undo: () => {
              if (previous === undefined) sandbox.fhir.forget(resource.resourceType, resource.id);
              else sandbox.fhir.restore(previous);
            },
          };
        });
        const url = `${sandbox.urls.fhirBase}/${resource.resourceType}/${resource.id}`;
        if (status === 201) reply.header('location', `${url}/_history/${stored.versionId}`);
        return reply
          .code(status)
          .type(FHIR_JSON)
          .header('etag', etag(stored))
          .header('last-modified', new Date(stored.lastUpdated).toUTCString())
          .send(stored.resource);
      };

      const WriteOptions = { bodyLimit: FHIR_LIMITS.writeBodyBytes };

      /**
       * The version of `type/id` the upstream holds now, read before an update or delete (FHIR R4
       * http.html#read): the compartment a write would change is only known once it is read, so a token for
       * one patient cannot overwrite or delete another's resource by id. `none` when there is no live version
       * (404, 410); any other 4xx OperationOutcome is the write's answer; anything else is a 502.
       */
      const readCurrent = async (
        upstream: Upstream,
        type: string,
        id: string,
      ): Promise<
        | { readonly kind: 'found'; readonly resource: FhirResource; readonly etag: string | undefined }
        | { readonly kind: 'none' | 'refused'; readonly answer: UpstreamAnswer }
      > => {
        const answer = await upstream.get(`${type}/${encodeURIComponent(id)}`, '', {});
        const { status, body } = answer;
        if (status === 404 || status === 410) return { kind: 'none', answer };
        if (status === 200 && isResource(body) && body.resourceType === type && body.id === id) {
          const versionId = (body['meta'] as { versionId?: unknown } | undefined)?.versionId;
          const etag = answer.etag ?? (typeof versionId === 'string' ? `W/"${versionId}"` : undefined);
          return { kind: 'found', resource: body, etag };
        }
        if (
          status >= 400 &&
          status < 500 &&
          (body === undefined || body['resourceType'] === 'OperationOutcome')
        ) {
          return { kind: 'refused', answer };
        }
        throw new UpstreamError(
          `answered ${status} when asked for ${type}/${id}, the current version a write is checked against`,
        );
      };

      /**
       * The If-Match sent with an upstream update or delete (FHIR R4 http.html#concurrency). The sandbox checked
       * the version it read; between that read and the write another client may change the resource, so the
       * write is made conditional on the version checked and the upstream answers 412 rather than let a write
       * through onto a version the token was never checked against. An app's own If-Match must name that
       * version (answered 412 here otherwise: the upstream would refuse it, or it names a version not checked).
       */
      const upstreamCondition = (
        request: FastifyRequest,
        reply: FastifyReply,
        ref: string,
        checked: string | undefined,
        exists: boolean,
      ): { readonly ifMatch: string | undefined } | FastifyReply => {
        // Without a version the write could only be sent unconditionally, and a change made after the check
        // (the resource moved to another patient) would be overwritten unseen: refused rather than raced.
        if (exists && checked === undefined) {
          return sendOutcome(
            reply,
            409,
            'conflict',
            `the upstream FHIR server gave ${ref} no version (neither an ETag nor meta.versionId), so the write cannot be made conditional on the version the sandbox checked; turn on versioning in the upstream server`,
          );
        }
        const sent = request.headers['if-match'];
        if (sent === undefined) return { ifMatch: checked };
        const tag = OPAQUE_TAG.exec(sent)?.[1];
        if (tag === undefined) {
          return sendOutcome(reply, 412, 'conflict', 'If-Match must name a version, as W/"3"');
        }
        if (!exists) {
          return sendOutcome(
            reply,
            412,
            'conflict',
            `If-Match names ${sent} of ${ref}, which does not exist`,
          );
        }
        if (checked !== undefined && OPAQUE_TAG.exec(checked)?.[1] !== tag) {
          return sendOutcome(
            reply,
            412,
            'conflict',
            `If-Match names ${sent} of ${ref}, but the current version is ${checked}`,
          );
        }
        return { ifMatch: sent };
      };

      /**
       * Relays the upstream's answer to a write. Its body reaches the app only when it is an OperationOutcome,
       * or the resource written and still within the scope that allowed the write: what the upstream stored
       * is checked as a read's answer is, for a resource outside the token's reach must never reach the app.
       */
      const relayWritten = (
        reply: FastifyReply,
        upstream: Upstream,
        answer: UpstreamAnswer,
        written: { readonly type: string; readonly id: string | undefined },
        allowed: (r: FhirResource) => boolean,
      ): FastifyReply => {
        const body = answer.body;
        if (body !== undefined && body['resourceType'] !== 'OperationOutcome') {
          const { type, id } = written;
          if (!isResource(body) || body.resourceType !== type || (id !== undefined && body.id !== id)) {
            return upstreamFailed(
              reply,
              upstream,
              `answered ${answer.status} to a write of ${id === undefined ? type : `${type}/${id}`} with something that is not it`,
            );
          }
          if (!allowed(body)) {
            return upstreamFailed(
              reply,
              upstream,
              `answered ${answer.status} with ${body.resourceType}/${body.id}, which is outside the token's reach; the answer is withheld`,
            );
          }
        }
        return relay(reply, upstream, answer, { bodyless: true });
      };

      // FHIR R4 http.html#create
      secured.post<{ Params: { type: string } }>('/:type', WriteOptions, async (request, reply) => {
        const { type } = request.params;
        if (!isR4ResourceType(type) || type === 'Bundle') return unsupportedType(reply, type);
        const resource = bodyResource(request, reply, type, undefined);
        if (!('resourceType' in resource)) return resource;
        const who = accessFor(request);
        const decision = authorizeCreate(who, resource);
        enforce(request, decision);
        const upstream = upstreamFor();
        if (upstream !== undefined) {
          // The body as the app sent it: the upstream assigns the id (http.html#create).
          return withUpstream(reply, upstream, async () => {
            const answer = await upstream.write('POST', type, request.headers, {
              ifMatch: undefined,
              body: request.body,
            });
            return relayWritten(
              reply,
              upstream,
              answer,
              { type, id: undefined },
              (r) => authorizeWrite(who, 'c', r).allowed,
            );
          });
        }
        const full = roomFor(reply);
        if (full !== undefined) return full;
        // Stored under the id assigned above: from here the verdict can name the resource the app gets back.
        enforce(request, { ...decision, check: { ...decision.check, target: `${type}/${resource.id}` } });
        return store(reply, resource, 201);
      });

      /**
       * An update forwarded to the upstream: checked as the sandbox's own update is, against the version the
       * upstream holds now (read first) and the new body alike; create-on-update when it holds none.
       */
      const updateUpstream = (
        request: FastifyRequest,
        reply: FastifyReply,
        upstream: Upstream,
        resource: FhirResource,
      ): Promise<FastifyReply> => {
        const { resourceType: type, id } = resource;
        const who = accessFor(request);
        // A body no scope could write (as an update or a create) is refused before the upstream is asked.
        const bodyAlone = authorizePutBody(who, resource);
        if (!bodyAlone.allowed) enforce(request, bodyAlone);
        return withUpstream(reply, upstream, async () => {
          const current = await readCurrent(upstream, type, id);
          if (current.kind === 'refused') return relay(reply, upstream, current.answer, { bodyless: true });
          const found = current.kind === 'found' ? current : undefined;
          // An update that creates is checked as a create, as for the sandbox's own data.
          const interaction = found === undefined ? 'c' : 'u';
          enforce(request, authorizeWrite(who, interaction, resource, found?.resource));
          const condition = upstreamCondition(
            request,
            reply,
            `${type}/${id}`,
            found?.etag,
            found !== undefined,
          );
          if (!('ifMatch' in condition)) return condition;
          const answer = await upstream.write('PUT', `${type}/${encodeURIComponent(id)}`, request.headers, {
            ifMatch: condition.ifMatch,
            body: request.body,
          });
          return relayWritten(
            reply,
            upstream,
            answer,
            { type, id },
            (r) => authorizeWrite(who, interaction, r).allowed,
          );
        });
      };

      // FHIR R4 http.html#update, with create-on-update (#upsert) when the id is new.
      secured.put<{ Params: { type: string; id: string } }>(
        '/:type/:id',
        WriteOptions,
        async (request, reply) => {
          const { type, id } = request.params;
          if (!isR4ResourceType(type) || type === 'Bundle') return unsupportedType(reply, type);
          if (!FHIR_ID.test(id)) return invalidId(reply, id);
          const resource = bodyResource(request, reply, type, id);
          if (!('resourceType' in resource)) return resource;
          const upstream = upstreamFor();
          if (upstream !== undefined) {
            return forwardableId(id)
              ? updateUpstream(request, reply, upstream, resource)
              : invalidId(reply, id);
          }
          const current = sandbox.fhir.version(type, id);
          const live = current !== undefined && !current.deleted ? current : undefined;
          // An update that creates is checked as a create: what it does is bring a new resource into being.
          enforce(
            request,
            live === undefined
              ? authorizeWrite(accessFor(request), 'c', resource)
              : authorizeWrite(accessFor(request), 'u', resource, live.resource),
          );
          const failed = preconditionFails(request, reply, `${type}/${id}`, current);
          if (failed !== undefined) return failed;
          if (live === undefined) {
            const full = roomFor(reply);
            if (full !== undefined) return full;
          }
          return store(reply, resource, live === undefined ? 201 : 200);
        },
      );

      // FHIR R4 http.html#delete
      secured.delete<{ Params: { type: string; id: string } }>(
        '/:type/:id',
        byId({
          upstream: async (request, reply, type, id, upstream) => {
            const who = accessFor(request);
            // A delete no scope could allow is refused before the upstream is asked anything.
            if (!mayWriteType(who, 'd', type))
              enforce(request, authorizeWrite(who, 'd', { resourceType: type, id }));
            return withUpstream(reply, upstream, async () => {
              const current = await readCurrent(upstream, type, id);
              if (current.kind !== 'found') return relay(reply, upstream, current.answer, { bodyless: true });
              enforce(request, authorizeWrite(who, 'd', current.resource));
              const condition = upstreamCondition(request, reply, `${type}/${id}`, current.etag, true);
              if (!('ifMatch' in condition)) return condition;
              const answer = await upstream.write(
                'DELETE',
                `${type}/${encodeURIComponent(id)}`,
                request.headers,
                {
                  ifMatch: condition.ifMatch,
                },
              );
              return relayWritten(
                reply,
                upstream,
                answer,
                { type, id },
                (r) => authorizeWrite(who, 'd', r).allowed,
              );
            });
          },
          local: async (request, reply, type, id) => {
            const current = sandbox.fhir.version(type, id);
            if (current === undefined) {
              return sendOutcome(reply, 404, 'not-found', `${type}/${id} is not known to this server`);
            }
            enforce(request, authorizeWrite(accessFor(request), 'd', current.resource));
            const failed = preconditionFails(request, reply, `${type}/${id}`, current);
            if (failed !== undefined) return failed;
            // Deleting what is already deleted changes nothing and succeeds (http.html#delete).
            if (!current.deleted) {
              const now = new Date(sandbox.clock.now()).toISOString();
              await sandbox.changeFhir(() => ({
                result: sandbox.fhir.delete(type, id, now),
                undo: () => {
                  sandbox.fhir.restore(current);
                },
              }));
            }
            return reply.code(204).send();
          },
        }),
      );

      secured.get<{ Params: { type: string } }>('/:type', async (request, reply) => {
        const { type } = request.params;
        const upstream = upstreamFor();
        if (upstream !== undefined) {
          if (!isR4ResourceType(type)) return unsupportedType(reply, type);
          return withUpstream(reply, upstream, async () => {
            const raw = queryOf(request);
            const params = new URLSearchParams(raw);
            const criteria = [...params].map(([name, value]) => ({ name, values: value.split(',') }));
            // The scope checks of the sandbox's own data; the upstream's parameters are its own to judge.
            const decision = authorizeSearch(accessFor(request), type as ResourceType, criteria);
            enforce(request, decision);
            let query = raw;
            if (decision.compartment !== undefined) {
              // A confined token's search reaches its patients' compartments only, whatever it asked (a list
              // of values is an OR, FHIR R4 search.html#combining).
              const name = type === 'Patient' ? '_id' : 'patient';
              params.delete(name);
              params.append(name, decision.compartment.join(','));
              query = params.toString();
            }
            const answer = await upstream.get(type, query, request.headers);
            const who = accessFor(request);
            return relay(
              reply,
              upstream,
              filterEntries(answer, (r) =>
                r.resourceType === type ? decision.visible(r) : authorizeRead(who, r).allowed,
              ),
            );
          });
        }
        if (!isResourceType(type)) return unsearchableType(reply, type);
        const params = new URLSearchParams(queryOf(request));
        const parsed = parseSearch(type, params);
        if (parsed.errors.length > 0) {
          return sendOutcome(reply, 400, 'invalid', parsed.errors.join('; '));
        }
        const { criteria, unsupported, controls } = parsed;
        if (
          unsupported.length > 0 &&
          /handling\s*=\s*strict/i.test(String(request.headers['prefer'] ?? ''))
        ) {
          return sendOutcome(
            reply,
            400,
            'not-supported',
            `search parameter(s) ${unsupported.join(', ')} are not supported for ${type} (Prefer: handling=strict refuses them; without it they are ignored)`,
          );
        }
        const who = accessFor(request);
        const decision = authorizeSearch(who, type, criteria);
        enforce(request, decision);
        const matches = sortMatches(
          type,
          sandbox.fhir.list(type).filter(matchesAll(type, criteria)).filter(decision.visible),
          controls.sort,
        );
        const base = sandbox.urls.fhirBase;
        const paged = controls.offset > 0 || matches.length > controls.count;
        const link = (relation: string, offset: number) => {
          const query = searchQuery(parsed, offset, paged);
          return { relation, url: `${base}/${type}${query === '' ? '' : `?${query}`}` };
        };
        if (controls.summaryCount) {
          return reply.type(FHIR_JSON).send({
            resourceType: 'Bundle',
            type: 'searchset',
            total: matches.length,
            link: [link('self', 0)],
          });
        }
        const { count, offset } = controls;
        const page = matches.slice(offset, offset + count);
        const links = [link('self', offset)];
        // http.html#paging: next and previous pages, as links the client follows without building them.
        if (count > 0 && offset + count < matches.length) links.push(link('next', offset + count));
        if (count > 0 && offset > 0) links.push(link('previous', Math.max(0, offset - count)));
        const entry = page.map((resource) => entryOf(base, resource, 'match'));
        if (controls.include !== undefined) {
          // search.html#include: each patient once, and only those the token may read itself.
          const seen = new Set<string>();
          for (const resource of page) {
            const id = patientOf(resource);
            if (id === undefined || seen.has(id)) continue;
            seen.add(id);
            const patient = sandbox.fhir.get('Patient', id);
            if (patient !== undefined && authorizeRead(who, patient).allowed) {
              entry.push(entryOf(base, patient, 'include'));
            }
          }
        }
        return reply.type(FHIR_JSON).send({
          resourceType: 'Bundle',
          type: 'searchset',
          total: matches.length,
          link: links,
          entry,
        });
      });
    });
  };
}

/**
 * The query string of a request, as sent. FHIR search reads it with `URLSearchParams`, not form.ts's strict
 * parser: a search may repeat a name (FHIR R4 search.html#combining: AND) and the upstream gets it as sent.
 */
function queryOf(request: FastifyRequest): string {
  return queryOfUrl(request.url);
}

/** 502 naming the upstream (README "A real FHIR server behind the sandbox"). */
function upstreamFailed(reply: FastifyReply, upstream: Upstream, what: string): FastifyReply {
  return sendOutcome(reply, 502, 'transient', `the upstream FHIR server ${upstream.base} ${what}`);
}

/**
 * A FHIR id (datatypes.html#id) that may go into an upstream URL: `.` and `..` fit the id rule but are path
 * segments a URL resolves away, so they are never forwarded.
 */
function forwardableId(id: string): boolean {
  return FHIR_ID.test(id) && id !== '.' && id !== '..';
}

/** RFC 9110 §8.8.3: an entity tag, weak (`W/"3"`) or strong (`"3"`); its opaque part is what versions compare by. */
const OPAQUE_TAG = /^\s*(?:W\/)?("[^"]*")\s*$/;

/** One step of an interaction by id (`byId`): its type and id taken from the path, and what it needs beside. */
type ByIdStep<Extra extends unknown[] = []> = (
  request: FastifyRequest,
  reply: FastifyReply,
  type: string,
  id: string,
  ...extra: Extra
) => Promise<FastifyReply>;

function invalidId(reply: FastifyReply, id: string): FastifyReply {
  return sendOutcome(
    reply,
    400,
    'invalid',
    `id "${id}" is not a FHIR id; expected 1 to 64 of A-Z a-z 0-9 - . (FHIR R4 datatypes.html#id)`,
  );
}

/**
 * A search of a type the sandbox's own data is not searched by (FHIR R4 http.html#search: a search that cannot
 * be run is a 4xx with an OperationOutcome). An R4 type is read and written, so it is 400 naming what to do
 * instead; anything else is no resource type of this server (404, as for a read).
 */
function unsearchableType(reply: FastifyReply, type: string): FastifyReply {
  if (!isR4ResourceType(type)) return unsupportedType(reply, type);
  return sendOutcome(
    reply,
    400,
    'not-supported',
    `search is not supported for ${type}; searchable types: ${RESOURCE_TYPES.join(', ')}; read it by id (GET /fhir/${type}/{id})`,
  );
}

function unsupportedType(reply: FastifyReply, type: string): FastifyReply {
  return sendOutcome(reply, 404, 'not-supported', `resource type ${type} is not served by this server`);
}

function entryOf(base: string, resource: FhirResource, mode: 'match' | 'include'): Record<string, unknown> {
  return { fullUrl: `${base}/${resource.resourceType}/${resource.id}`, resource, search: { mode } };
}
