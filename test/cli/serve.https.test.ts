import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { localCertificate, type LocalCertificate } from '../../server/https/certificates.js';
import { runCliToExit, runUnderNpmStart, secretClient, servedCliTest, writeConfig } from '../helpers/cli.js';

const run = promisify(execFile);
const CLIENT_SCRIPT = fileURLToPath(new URL('../fixtures/https-code-flow.mjs', import.meta.url));
const REDIRECT = 'https://127.0.0.1:5555/cb';

/** The data folder of the https command (`cli`), where it keeps its CA. */
let dataDir = '';
const caFile = () => path.join(dataDir, 'https', 'ca.pem');
const it = servedCliTest(
  async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'sandbox-https-data-'));
    const config = await writeConfig({
      clients: [secretClient('web-app', 'web-secret', REDIRECT, 'openid fhirUser', ['authorization_code'])],
    });
    return ['--https', '--data-dir', dataDir, '--config', config];
  },
  () => rm(dataDir, { recursive: true, force: true }),
);

interface FlowOutcome {
  readonly ok: boolean;
  readonly code?: string;
  readonly issuer?: string;
  readonly tokenEndpoint?: string;
  readonly iss?: string;
  readonly tokenType?: string;
}

/** Runs the openid-client flow in a fresh Node process, trusting `caFile` through NODE_EXTRA_CA_CERTS or not. */
async function codeFlow(origin: string, caFile: string | undefined): Promise<FlowOutcome> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['NODE_EXTRA_CA_CERTS'];
  if (caFile !== undefined) env['NODE_EXTRA_CA_CERTS'] = caFile;
  const { stdout } = await run(process.execPath, [CLIENT_SCRIPT, origin, 'web-app', 'web-secret', REDIRECT], {
    env,
    timeout: 30_000,
  });
  return JSON.parse(stdout) as FlowOutcome;
}

describe('token-sandbox serve --https --data-dir (README "HTTPS")', () => {
  it('listens on https and prints https URLs, the CA file and how to trust it', async ({ cli }) => {
    expect(cli.origin).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    // The lines after the workbench URL may still be on their way when the helper sees that one.
    const out = await cli.printed('stdout', 'trust that CA once');
    expect(out).toContain(`workbench ${cli.origin}/?token=`);
    expect(out).toContain(`discovery ${cli.origin}/.well-known/smart-configuration`);
    expect(out).toContain(
      `https certificate for localhost, 127.0.0.1, ::1 from the local CA ${caFile()} (created now)`,
    );
    expect(out).toContain(`trust that CA once: NODE_EXTRA_CA_CERTS=${caFile()} for Node`);
  });

  it('keeps the CA in the data folder, its key and the leaf key readable by the owner only', async ({
    cli: _started,
  }) => {
    expect((await stat(path.join(dataDir, 'https', 'ca-key.pem'))).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(dataDir, 'https', 'localhost-key.pem'))).mode & 0o777).toBe(0o600);
  });

  it('lets a Node client that trusts the CA complete a code + PKCE flow over https with openid-client', async ({
    cli,
  }) => {
    const outcome = await codeFlow(cli.origin, caFile());
    expect(outcome).toMatchObject({
      ok: true,
      issuer: cli.origin,
      tokenEndpoint: `${cli.origin}/token`,
      iss: cli.origin,
      tokenType: 'bearer',
    });
  });

  it('fails with a certificate error for a client that does not trust the CA', async ({ cli }) => {
    const outcome = await codeFlow(cli.origin, undefined);
    expect(outcome.ok).toBe(false);
    expect(outcome.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });
});

describe('token-sandbox serve --cert --key errors', () => {
  let dir: string;
  /**
   * A certificate and key of the user's own, made once for the tests that need one (an RSA CA and leaf: most
   * of a test's time). What making the CA does is the served command's test above.
   */
  let ownPair: Promise<LocalCertificate> | undefined;
  const ownCertificate = () => (ownPair ??= localCertificate({ dir: path.join(dir, 'own') }));
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sandbox-own-cert-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 2 when only one of --cert and --key is given', async () => {
    const { code, stderr } = await runCliToExit(['serve', '--port', '0', '--cert', 'a.pem']);
    expect(code).toBe(2);
    expect(stderr).toContain(
      'token-sandbox: --cert needs --key: give both --cert FILE --key FILE for your own certificate, or neither',
    );
  });

  it('says how to pass --https through npm when npm kept it (npm start --https)', async () => {
    // npm keeps a flag it does not know as its own config (npm_config_https=true) and passes nothing on.
    expect(await runUnderNpmStart(['serve'], { npm_config_https: 'true' })).toMatchObject({
      code: 2,
      stderr:
        'token-sandbox: npm kept --https for itself and did not pass it on; put -- before the flags: ' +
        'npm start -- --https. See "token-sandbox --help".\n',
    });
  });

  it('exits 2 naming an unreadable file', async () => {
    const missing = path.join(dir, 'missing.pem');
    const { code, stderr } = await runCliToExit([
      'serve',
      '--port',
      '0',
      '--cert',
      missing,
      '--key',
      missing,
    ]);
    expect(code).toBe(2);
    expect(stderr).toBe(`token-sandbox: --cert ${missing} cannot be read (no such file)\n`);
  });

  it('serves your own pair named in the config file, relative to it, without making a CA', async ({
    startCli,
  }) => {
    await ownCertificate();
    const config = path.join(dir, 'own', 'sandbox.json');
    await writeFile(config, JSON.stringify({ https: { cert: 'localhost.pem', key: 'localhost-key.pem' } }));
    const own = await startCli(['--config', config]);
    try {
      expect(own.origin).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await own.stop();
    }
    // Everything it printed, start to end (stop resolves once its output is closed).
    expect(own.stdout()).not.toContain('local CA');
  });

  it('exits 2 naming the config field when https.cert comes without https.key', async () => {
    const config = await writeConfig({ https: { cert: 'cert.pem' } });
    const { code, stderr } = await runCliToExit(['serve', '--port', '0', '--config', config]);
    expect(code).toBe(2);
    expect(stderr).toBe(
      `token-sandbox: ${config} is not a valid token-sandbox config: https.key: missing; https.cert needs it ` +
        '(give both, or neither for the local CA).\n',
    );
  });

  it('exits 2 naming a key that does not match the certificate', async () => {
    const local = await ownCertificate();
    const key = path.join(dir, 'other-key.pem');
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    await writeFile(key, other.export({ type: 'pkcs8', format: 'pem' }));
    const cert = path.join(dir, 'own', 'localhost.pem');
    expect(local.cert).toContain('BEGIN CERTIFICATE');
    const { code, stderr } = await runCliToExit(['serve', '--port', '0', '--cert', cert, '--key', key]);
    expect(code).toBe(2);
    expect(stderr).toBe(
      `token-sandbox: --key ${key} is not the private key of the certificate in --cert ${cert}\n`,
    );
  });
});
