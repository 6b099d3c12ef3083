import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCliToExit, startCli, type RunningCli } from '../helpers/cli.js';

// Black-box: the real command, as built (test/global-setup.ts rebuilds it before every run).
const TOKEN = 'fhir-admin-token';
const SYNTHEA = new URL('../fixtures/synthea-patient-bundle.json', import.meta.url);
const PATIENT = 'b7c1f1de-2f4a-4c1e-9a55-1f6f0c7b2a10';

let dir: string;
let config: string;
let running: RunningCli | undefined;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'token-sandbox-fhir-'));
  config = path.join(dir, 'sandbox.json');
  await writeFile(
    config,
    JSON.stringify({
      clients: [
        {
          clientId: 'backend',
          clientSecret: 'b4ckend',
          grantTypes: ['client_credentials'],
          scope: 'system/*.cruds',
          tokenEndpointAuthMethod: 'client_secret_basic',
        },
      ],
    }),
  );
});
afterEach(async () => {
  await running?.stop();
  running = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function serve(args: string[] = []): Promise<RunningCli> {
  running = await startCli([
    '--data-dir',
    path.join(dir, 'data'),
    '--admin-token',
    TOKEN,
    '--config',
    config,
    ...args,
  ]);
  return running;
}

async function systemToken(cli: RunningCli): Promise<string> {
  const res = await fetch(`${cli.origin}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from('backend:b4ckend').toString('base64')}`,
    },
    body: 'grant_type=client_credentials&scope=system%2F*.cruds',
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

function fhir(
  cli: RunningCli,
  token: string,
  method: string,
  route: string,
  body?: unknown,
): Promise<Response> {
  return fetch(`${cli.origin}/fhir/${route}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/fhir+json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function choices(cli: RunningCli): Promise<string[]> {
  const res = await fetch(`${cli.origin}/_sandbox/api/launches/choices`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  return ((await res.json()) as { patients: { id: string }[] }).patients.map((p) => p.id);
}

describe('FHIR data in the data folder (--data-dir)', () => {
  it('keeps loaded data, creates and deletes across a restart', async () => {
    let cli = await serve();
    const loaded = await fetch(`${cli.origin}/_sandbox/api/fhir/load`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ file: 'synthea.json', content: await readFile(SYNTHEA, 'utf8') }),
    });
    expect(loaded.status).toBe(201);
    let token = await systemToken(cli);
    const created = await fhir(cli, token, 'POST', 'Observation', {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'Pulse' },
      subject: { reference: `Patient/${PATIENT}` },
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect((await fhir(cli, token, 'DELETE', 'Observation/obs-1')).status).toBe(204);

    await cli.stop();
    cli = await serve();
    token = await systemToken(cli);
    expect(await choices(cli)).toContain(PATIENT);
    const patient = await fhir(cli, token, 'GET', `Patient/${PATIENT}`);
    expect(patient.status).toBe(200);
    const observation = await fhir(cli, token, 'GET', `Observation/${id}`);
    expect(observation.headers.get('etag')).toBe('W/"1"');
    expect(await observation.json()).toMatchObject({ code: { text: 'Pulse' }, meta: { versionId: '1' } });
    expect((await fhir(cli, token, 'GET', 'Observation/obs-1')).status).toBe(410);
  });

  it('loads the files fhir.load names beside the config, and refuses to start on a broken one, naming it', async () => {
    await copyFile(SYNTHEA, path.join(dir, 'patient.json'));
    await writeFile(
      config,
      JSON.stringify({
        ...JSON.parse(await readFile(config, 'utf8')),
        fhir: { fixtures: false, load: ['patient.json'] },
      }),
    );
    const cli = await serve();
    expect(await choices(cli)).toEqual([PATIENT]);
    await cli.stop();
    running = undefined;

    await writeFile(
      path.join(dir, 'patient.json'),
      '{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient"}}]}',
    );
    const failed = await runCliToExit(['serve', '--port', '0', '--config', config]);
    expect(failed.code).toBe(2);
    expect(failed.stderr).toContain(`${path.join(dir, 'patient.json')}: entry[0]: resource.id: is missing`);
  });

  it('says at start-up that the FHIR base forwards to an upstream kept in the state from an earlier --config', async () => {
    await writeFile(config, JSON.stringify({ fhir: { upstream: 'http://127.0.0.1:9/fhir' } }));
    let cli = await serve();
    await cli.stop();
    running = cli = await startCli(['--data-dir', path.join(dir, 'data'), '--admin-token', TOKEN]);
    const state = path.join(dir, 'data', 'state.json');
    await cli.printed(
      'stdout',
      `FHIR base forwards to http://127.0.0.1:9/fhir (fhir.upstream, kept in ${state};`,
    );
  });
});
