import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify';
import { ADMIN_PREFIX, adminApi } from '../admin/plugin.js';
import { rootAdminRoutes } from '../issuers/forward.js';
import { Issuers } from '../issuers/registry.js';
import { withTemplateServer } from '../admin/openapi.js';
import { NoContent } from '../admin/shapes.js';
import { CLI_OPTIONS, docsLabel, type CliOption } from '../cli-options.js';
import { ClientSchema, ConfigSchema, IssuerSchema, FailureArmSchema } from '../config/schema.js';
import { FAILURE_CATALOG, type FailureMode } from '../failures/catalog.js';
import { toWireError } from '../oauth/errors.js';
import { BUILT_IN_PROFILES, type BuiltInProfileName } from '../profiles/profile.js';
import type { Sandbox } from '../sandbox.js';
import { restoreSandbox } from '../persistence/restore-and-keep.js';

/**
 * The parts of docs/ that are read from the code rather than written by hand: the failure-id table (from
 * the catalog and the built-in profiles' error shapes), the admin route list (from the routes the admin
 * plugin registers), the command's options (from server/cli-options.ts) and the admin API's OpenAPI document (docs/openapi.json, from the same routes).
 * `npm run docs` writes the tables between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->` and the
 * document whole; a test fails when a committed file differs from what this module renders.
 */

/** The pages that hold generated regions, relative to the repository root, with the regions each holds. */
export const GENERATED_PAGES: Readonly<Record<string, readonly string[]>> = {
  'docs/failures.md': ['failures'],
  'docs/admin-api.md': ['admin-routes'],
  'docs/config.md': ['defaults'],
  'docs/cli.md': ['cli-options'],
  'README.md': ['cli-options-short', 'admin-routes-short', 'failures-short'],
};

/** The files written whole, relative to the repository root. */
export const GENERATED_FILES: Readonly<Record<string, () => Promise<string>>> = {
  'docs/openapi.json': renderOpenApiJson,
};

const PROFILE_ORDER: readonly BuiltInProfileName[] = ['smart', 'medirecords', 'iehr'];

/** A Markdown table cell: no pipe or line break may end it early. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [head, head.map(() => '---'), ...rows].map((row) => `| ${row.map(cell).join(' | ')} |`);
  return lines.join('\n');
}

/** How one profile's token endpoint answers an injected error: status, code, the vendor's words, headers. */
function answerUnder(mode: FailureMode, profile: BuiltInProfileName): string {
  if (mode.effect.kind !== 'error') return 'same';
  // usedBasic: the one context that changes an answer (RFC 6749 §5.2: a Basic login gets a challenge).
  const own = mode.effect.error({ usedBasic: true });
  if (mode.endpoint !== 'token') return 'same';
  const wire = toWireError(own, BUILT_IN_PROFILES[profile].errors);
  const parts = [`\`${wire.status} ${wire.body.error ?? ''}\``];
  const description = wire.body.error_description;
  if (description === undefined) parts.push('no `error_description`');
  else if (description !== own.description) parts.push(`"${description}"`);
  for (const [name, value] of Object.entries(wire.headers)) parts.push(`\`${name}: ${value}\``);
  return parts.join(', ');
}

/** The `error_description` the sandbox writes itself (the `smart` profile, and any profile without words). */
function ownDescription(mode: FailureMode): string {
  return mode.effect.kind === 'error' ? mode.effect.error({ usedBasic: false }).description : '';
}

/** The failure-id table of docs/failures.md. */
export function renderFailureTable(): string {
  const rows = [...FAILURE_CATALOG.values()].map((mode) => [
    `\`${mode.id}\``,
    mode.endpoint,
    mode.produces,
    ...PROFILE_ORDER.map((profile) => answerUnder(mode, profile)),
    ownDescription(mode),
  ]);
  return table(
    ['id', 'endpoint', 'answers', ...PROFILE_ORDER.map((p) => `\`${p}\``), 'own `error_description`'],
    rows,
  );
}

/**
 * README's failure table: each id, its endpoint and what a client sees, from the catalog, so a new id shows up
 * there at once; each profile's wording is a link away in docs/failures.md.
 */
export function renderFailureSummary(): string {
  return table(
    ['id', 'endpoint', 'answers'],
    [...FAILURE_CATALOG.values()].map((mode) => [`\`${mode.id}\``, mode.endpoint, mode.produces]),
  );
}

interface SchemaLike {
  readonly properties?: Readonly<Record<string, unknown>>;
  readonly required?: readonly string[];
  readonly items?: unknown;
  readonly default?: unknown;
}

function isSchemaLike(value: unknown): value is SchemaLike {
  return typeof value === 'object' && value !== null;
}

/** The fields of an object schema, optional ones marked `?`. */
function fieldList(schema: unknown): string {
  if (!isSchemaLike(schema) || schema.properties === undefined) return '';
  const required = new Set(schema.required ?? []);
  return Object.keys(schema.properties)
    .map((name) => `\`${name}${required.has(name) ? '' : '?'}\``)
    .join(', ');
}

/** The shared schemas are named after the config section that documents them, not spelled out again. */
function bodyOf(schema: unknown): string {
  if (schema === undefined) return '';
  if (schema === ClientSchema) return 'a client ([config.md#clients](config.md#clients))';
  if (schema === ConfigSchema) return 'the config document ([config.md](config.md))';
  if (schema === IssuerSchema)
    return '`name`, `profile`, `colour?`, … ([config.md#issuers](config.md#issuers))';
  if (schema === FailureArmSchema) return `${fieldList(schema)} ([failures.md#arming](failures.md#arming))`;
  return fieldList(schema);
}

/** Each declared answer: its status and its body, as the route's response schemas say (server/admin/shapes.ts). */
function responsesOf(response: unknown): string {
  if (typeof response !== 'object' || response === null) return '';
  return Object.entries(response)
    .map(([status, schema]) => {
      if (schema === NoContent) return `\`${status}\` no body`;
      const body = bodyOf(schema);
      return body === '' ? `\`${status}\`` : `\`${status}\` ${body}`;
    })
    .join('; ');
}

interface RouteRow {
  readonly method: string;
  readonly summary: string;
  readonly url: string;
  readonly params: string;
  readonly query: string;
  readonly body: string;
  readonly response: string;
}

/**
 * Runs `use` on the admin API of a sandbox of its own (in memory, no socket), with `onRoute` watching every
 * route it registers, then closes it.
 */
async function withAdminApi<T>(
  onRoute: (route: RouteOptions) => void,
  use: (app: FastifyInstance, sandbox: Sandbox) => Promise<T>,
): Promise<T> {
  const sandbox = await restoreSandbox({});
  const app = Fastify({ logger: false });
  app.addHook('onRoute', onRoute);
  try {
    // As the default issuer's app registers it (server/app.ts), with the issuers routes.
    const issuers = new Issuers(sandbox, () =>
      Promise.reject(new Error('no issuer is started for the docs')),
    );
    await app.register(
      adminApi(
        sandbox,
        rootAdminRoutes(issuers, () => app),
      ),
      { prefix: ADMIN_PREFIX },
    );
    await app.ready();
    return await use(app, sandbox);
  } finally {
    sandbox.close();
    await app.close();
    await sandbox.stopSigningWorkers();
  }
}

/**
 * The admin routes exactly as the admin plugin registers them, read from Fastify's `onRoute` hook. HEAD twins
 * of GET routes and the preflight catch-all (`OPTIONS /*`, which only answers 403/401/404) are left out.
 */
export async function adminRouteRows(): Promise<RouteRow[]> {
  const rows: RouteRow[] = [];
  const collect = (route: RouteOptions): void => {
    // Hidden routes are no operations: the preflight refusal, the forwarding to an issuer's own admin API.
    if (route.schema?.hide === true) return;
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter(
      (m) => m !== 'HEAD' && m !== 'OPTIONS',
    );
    const schema = route.schema ?? {};
    for (const method of methods) {
      rows.push({
        method,
        summary: schema.summary ?? '',
        url: route.url.slice(ADMIN_PREFIX.length),
        params: fieldList(schema.params),
        query: fieldList(schema.querystring),
        body: bodyOf(schema.body),
        response: responsesOf(schema.response),
      });
    }
  };
  await withAdminApi(collect, async () => undefined);
  return rows;
}

/**
 * docs/openapi.json: the document `GET /_sandbox/api/openapi.json` serves, asked of the route itself, with the
 * `{scheme}://127.0.0.1:{port}` server template in place of one instance's address.
 */
export async function renderOpenApiJson(): Promise<string> {
  return withAdminApi(
    () => undefined,
    async (app, sandbox) => {
      const response = await app.inject({
        method: 'GET',
        url: `${ADMIN_PREFIX}/openapi.json`,
        headers: { host: new URL(sandbox.origin).host, authorization: `Bearer ${sandbox.adminToken}` },
      });
      if (response.statusCode !== 200) {
        throw new Error(`GET ${ADMIN_PREFIX}/openapi.json answered ${response.statusCode}: ${response.body}`);
      }
      return `${JSON.stringify(withTemplateServer(response.json()), null, 2)}\n`;
    },
  );
}

/** The route list of docs/admin-api.md: every route, its path parameters, query, body and answers. */
export async function renderAdminRoutes(): Promise<string> {
  const rows = await adminRouteRows();
  return table(
    ['route', 'does', 'path parameters', 'query', 'JSON body', 'answers'],
    rows.map((r) => [`\`${r.method} ${r.url}\``, r.summary, r.params, r.query, r.body, r.response]),
  );
}

/**
 * README's short route list: each route and what it does, from the same rows as docs/admin-api.md's table, so
 * README cannot drift from the routes either. Bodies and answers stay a link away (the link sits beside the
 * region in README, written from README's location).
 */
export async function renderAdminRoutesSummary(): Promise<string> {
  const rows = await adminRouteRows();
  return table(
    ['route', 'does'],
    rows.map((r) => [`\`${r.method} ${r.url}\``, r.summary]),
  );
}

interface DefaultRow {
  readonly path: string;
  readonly value: unknown;
}

/**
 * Every `default` annotation of a config schema, by field path (`tokens.codeLifetime`, `clients[].scope`).
 * An object's own default (`{}`) only lets its fields fill in, so its fields are listed instead of it.
 */
function defaultRows(schema: unknown, prefix: string): DefaultRow[] {
  if (!isSchemaLike(schema)) return [];
  if (schema.properties !== undefined) {
    return Object.entries(schema.properties).flatMap(([name, field]) =>
      defaultRows(field, prefix === '' ? name : `${prefix}.${name}`),
    );
  }
  const { items } = schema;
  if (isSchemaLike(items) && items.properties !== undefined) return defaultRows(items, `${prefix}[]`);
  return schema.default === undefined ? [] : [{ path: prefix, value: schema.default }];
}

/** The default table of docs/config.md, read from the schema's annotations (server/config/schema.ts). */
export function renderDefaultsTable(): string {
  return table(
    ['field', 'default'],
    defaultRows(ConfigSchema, '')
      // An issuer's fields are the top level's with the same defaults (README "Many issuers"): listed once.
      .filter((row) => !row.path.startsWith('issuers[]'))
      .map((row) => [`\`${row.path}\``, `\`${JSON.stringify(row.value)}\``]),
  );
}

/**
 * The Options table of docs/cli.md, from the table the command parses with (server/cli-options.ts). An option
 * with a value and no default says `none`; `--help` and `--version` have nothing to default.
 */
export function renderCliOptionsTable(): string {
  return table(
    ['option', 'meaning', 'default'],
    CLI_OPTIONS.map((option: CliOption) => [
      docsLabel(option),
      option.meaning,
      option.default ?? (option.value === undefined ? '' : 'none'),
    ]),
  );
}

/**
 * README's short table of the options: the `--help` words, with the full meaning a link away in docs/cli.md, so
 * README cannot drift from the command either.
 */
export function renderCliOptionsSummary(): string {
  return table(
    ['option', 'meaning', 'default'],
    CLI_OPTIONS.map((option: CliOption) => [
      docsLabel(option),
      option.repeatable === true ? `${option.help} (repeatable)` : option.help,
      option.default ?? (option.value === undefined ? '' : 'none'),
    ]),
  );
}

/** Every generated region's content, by region name. */
export async function renderRegions(): Promise<Record<string, string>> {
  return {
    failures: renderFailureTable(),
    'failures-short': renderFailureSummary(),
    'admin-routes': await renderAdminRoutes(),
    defaults: renderDefaultsTable(),
    'cli-options': renderCliOptionsTable(),
    'cli-options-short': renderCliOptionsSummary(),
    'admin-routes-short': await renderAdminRoutesSummary(),
  };
}

/** A page whose generated region markers are missing or unbalanced. */
export class RegionError extends Error {}

/**
 * Replaces the content of each `<!-- generated:NAME -->` … `<!-- /generated:NAME -->` region of a page with
 * `regions[NAME]`, leaving everything else as written. Every region the page names must be rendered, and
 * every region asked for must be in the page, so a renamed marker is an error rather than stale text.
 */
export function fillRegions(page: string, names: readonly string[], regions: Record<string, string>): string {
  let out = page;
  for (const name of names) {
    const content = regions[name];
    if (content === undefined) throw new RegionError(`no renderer for the generated region "${name}"`);
    const open = `<!-- generated:${name} -->`;
    const close = `<!-- /generated:${name} -->`;
    const start = out.indexOf(open);
    const end = out.indexOf(close);
    if (start === -1 || end === -1 || end < start) {
      throw new RegionError(`expected the markers ${open} and ${close}, in that order`);
    }
    out = `${out.slice(0, start + open.length)}\n\n${content}\n\n${out.slice(end)}`;
  }
  return out;
}

/** Formats a Markdown or JSON file as the repository's Prettier does (injected: Prettier is a development tool). */
export type FormatMarkdown = (markdown: string, filepath: string) => Promise<string>;

export interface GeneratedPage {
  /** Relative to the repository root. */
  readonly path: string;
  readonly current: string;
  /** The page with its generated regions rendered from the code, formatted. */
  readonly fresh: string;
}

/**
 * Every page with generated regions and every generated file, as it is on disk (empty when missing) and as
 * `npm run docs` would write it.
 */
export async function generatedPages(root: string, format: FormatMarkdown): Promise<GeneratedPage[]> {
  const regions = await renderRegions();
  const pages: GeneratedPage[] = [];
  for (const [path, names] of Object.entries(GENERATED_PAGES)) {
    const file = join(root, path);
    const current = await readFile(file, 'utf8');
    pages.push({ path, current, fresh: await format(fillRegions(current, names, regions), file) });
  }
  for (const [path, render] of Object.entries(GENERATED_FILES)) {
    const file = join(root, path);
    const current = await readFile(file, 'utf8').catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw err;
    });
    pages.push({ path, current, fresh: await format(await render(), file) });
  }
  return pages;
}
