import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../server/app.js';
import { ManualClock } from '../../server/clock.js';
import { parseConfig } from '../../server/config/validate.js';
import { ADMIN_TOKEN, basic, fhirGet, ORIGIN, postForm } from '../helpers/sandbox.js';

/**
 * README's "Config file" example and its first-token walk-through, taken verbatim from README.md: what a
 * reader copies in the first hour must give a token that reads FHIR.
 */
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## Config file'));

function block(lang: string): string {
  const start = section.indexOf(`\`\`\`${lang}\n`);
  if (start === -1) throw new Error(`README's Config file section has no ${lang} block`);
  const body = section.slice(start + lang.length + 4);
  return body.slice(0, body.indexOf('```'));
}

function matchIn(text: string, pattern: RegExp, what: string): RegExpExecArray {
  const m = pattern.exec(text);
  if (!m) throw new Error(`README's walk-through has no ${what}`);
  return m;
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
});

describe("README's example config and first-token walk-through", () => {
  it('gives a client_credentials token that reads a patient', async () => {
    const config = parseConfig(JSON.parse(block('json')), 'README.md');
    app = await buildServer({
      config,
      clock: new ManualClock(Date.now()),
      origin: ORIGIN,
      adminToken: ADMIN_TOKEN,
    });

    const walk = block('sh');
    const [, clientId = '', secret = ''] = matchIn(walk, /-u ([^:\s]+):(\S+)/, 'curl -u id:secret');
    const [, scope = ''] = matchIn(walk, /-d '?scope=([^'\s]+)'?/, 'scope');
    const [, tokenPath = ''] = matchIn(walk, /http:\/\/127\.0\.0\.1:9710(\/token)\b/, 'token URL');
    const [, fhirPath = ''] = matchIn(walk, /http:\/\/127\.0\.0\.1:9710\/fhir\/(\S+)/, 'FHIR read');

    const token = await postForm(
      app,
      tokenPath,
      { grant_type: 'client_credentials', scope },
      { authorization: basic(clientId, secret) },
    );
    expect(token.statusCode, token.body).toBe(200);
    const read = await fhirGet(app, fhirPath, token.json<{ access_token: string }>().access_token);
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json()).toMatchObject({ resourceType: 'Patient', id: 'pat-1' });
  });
});
