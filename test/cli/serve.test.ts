import { describe, expect } from 'vitest';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as oidc from 'openid-client';
import {
  BIN,
  runCliToExit,
  type RunningCli,
  runUnderNpmStart,
  secretClient,
  servedCliTest,
  writeConfig,
} from '../helpers/cli.js';

const REDIRECT = 'http://127.0.0.1:5555/cb';

/** `cli`: the command with one confidential client, shared by the tests that drive it with openid-client. */
const it = servedCliTest(async () => [
  '--config',
  await writeConfig({
    clients: [secretClient('web-app', 'web-secret', REDIRECT, 'openid fhirUser offline_access system/*.rs')],
  }),
]);

describe('token-sandbox serve (docs/cli.md), driven by openid-client', () => {
  it('prints the listening line, the workbench URL with its token, and binds to loopback', ({ cli }) => {
    expect(cli.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(cli.stdout()).toContain(`workbench ${cli.origin}/?token=${cli.adminToken}`);
    expect(cli.adminToken.length).toBeGreaterThanOrEqual(20);
  });

  async function discover(cli: RunningCli): Promise<oidc.Configuration> {
    return oidc.discovery(
      new URL(cli.origin),
      'web-app',
      'web-secret',
      oidc.ClientSecretBasic('web-secret'),
      {
        // The sandbox under test listens on plain http on loopback; this is the documented switch for that.
        // eslint-disable-next-line @typescript-eslint/no-deprecated
        execute: [oidc.allowInsecureRequests, oidc.enableNonRepudiationChecks],
      },
    );
  }

  /** The library's authorization URL with a fresh PKCE S256 verifier, followed: the sandbox's redirect back. */
  async function authorizeWithPkce(config: oidc.Configuration, params: Record<string, string>) {
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ...params,
    });
    const response = await fetch(url, { redirect: 'manual' });
    return { verifier, response, callback: new URL(response.headers.get('location') ?? '') };
  }

  it('completes an authorization-code + PKCE flow, a refresh and a client-credentials grant', async ({
    cli,
  }) => {
    const config = await discover(cli);
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const { verifier, response, callback } = await authorizeWithPkce(config, {
      scope: 'openid fhirUser offline_access',
      state,
      nonce,
    });
    expect(response.status).toBe(302);

    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    const claims = tokens.claims();
    expect(claims?.iss).toBe(cli.origin);
    expect(claims?.['fhirUser']).toBe(`${cli.origin}/fhir/Practitioner/prac-1`);

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token ?? '');
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);

    const service = await oidc.clientCredentialsGrant(config, { scope: 'system/Patient.rs' });
    expect(service.scope).toBe('system/Patient.rs');

    const introspection = await oidc.tokenIntrospection(config, refreshed.access_token);
    expect(introspection.active).toBe(true);
    await oidc.tokenRevocation(config, refreshed.access_token);
    expect((await oidc.tokenIntrospection(config, refreshed.access_token)).active).toBe(false);
  });

  it('refuses a replayed code, as openid-client sees it', async ({ cli }) => {
    const config = await discover(cli);
    const { verifier, callback } = await authorizeWithPkce(config, { scope: 'openid' });
    await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier });
    await expect(
      oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier }),
    ).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('prints no warning on stderr after signing tokens, on every supported Node', ({ cli }) => {
    // Node 26 deprecates KeyObject.from() on a non-extractable key (DEP0204); a user would see that on every start.
    expect(cli.stderr()).not.toMatch(/Warning/);
  });
});

describe('token-sandbox command line errors', () => {
  it('exits 2 naming the file, the field and what was expected for an invalid config', async () => {
    const config = await writeConfig({ clients: [{ clientId: 'a', redirectUris: ['not a url'] }] });
    const { code, stdout, stderr } = await runCliToExit(['serve', '--port', '0', '--config', config]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(config);
    expect(stderr).toContain('clients[0].redirectUris[0]: expected an absolute URL, got "not a url"');
  });

  it('exits 2 for an unreadable config and for a file that is not JSON', async () => {
    const broken = await writeConfig({});
    await writeFile(broken, '{ "clients": [ ');
    const [missing, notJson] = await Promise.all([
      runCliToExit(['serve', '--config', '/nonexistent/sandbox.json']),
      runCliToExit(['serve', '--config', broken]),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('/nonexistent/sandbox.json');
    expect(missing.stderr).toContain('ENOENT');
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain(
      `${broken} is not a valid token-sandbox config: (document): is not valid JSON`,
    );
  });

  it('exits 2 for bad flags with one line that says what was wrong, not the whole usage', async () => {
    const cases = [
      [['serve', '--port', 'abc'], '--port must be a whole number from 0 to 65535, got "abc"'],
      [['serve', '--bogus'], 'unknown option --bogus'],
      [['launch'], 'unknown command "launch"; expected "serve"'],
      [['serve', '--profile', 'nope'], '--profile must be one of smart, medirecords, iehr, got "nope"'],
      [['serve', '--port'], '--port needs a value: --port N'],
      [['serve', '--data-dir', '--port', '0'], '--data-dir needs a value: --data-dir DIR'],
    ] as const;
    const runs = await Promise.all(cases.map(([args]) => runCliToExit([...args])));
    cases.forEach(([args, line], i) => {
      expect(runs[i]?.code, args.join(' ')).toBe(2);
      expect(runs[i]?.stdout).toBe('');
      expect(runs[i]?.stderr).toBe(`token-sandbox: ${line}. See "token-sandbox --help".\n`);
    });
  });

  it('suggests the closest flag for a mistyped one', async () => {
    const typos = [
      ['--prot', '--port'],
      ['--data_dir', '--data-dir'],
      ['--admintoken', '--admin-token'],
      ['--hots', '--host'],
      ['--verison', '--version'],
    ] as const;
    // Outside an npm script (this suite may itself run under `npm test`), and under npx.
    const scripts = ['', 'npx'];
    const [typoRuns, scriptRuns] = await Promise.all([
      Promise.all(typos.map(([typo]) => runCliToExit(['serve', typo, '0']))),
      Promise.all(scripts.map((script) => runCliToExit(['serve', '0'], { npm_lifecycle_event: script }))),
    ]);
    typos.forEach(([typo, flag], i) => {
      expect(typoRuns[i]?.code).toBe(2);
      expect(typoRuns[i]?.stderr).toBe(
        `token-sandbox: unknown option ${typo}; did you mean ${flag}? See "token-sandbox --help".\n`,
      );
    });
    for (const run of scriptRuns) {
      expect(run.stderr).toContain('unexpected argument "0"; did you mean --port 0?');
    }
  });

  it('suggests the npm form for `npm start --prot 0`, whose mistyped flag npm kept for itself', async () => {
    // npm keeps --prot (npm_config_prot=true) and passes only "0" on; --port 0 alone would be kept too.
    expect(await runUnderNpmStart(['serve', '0'], { npm_config_prot: 'true' })).toMatchObject({
      code: 2,
      stderr:
        'token-sandbox: unexpected argument "0"; did you mean npm start -- --port 0? See "token-sandbox --help".\n',
    });
  });

  it('says how to pass flags through npm when npm kept them (npm start --port 0)', async () => {
    // What npm 10/11 hands the command for `npm start --port 0 --data-dir=/tmp/x`.
    const npmConfig = { npm_config_port: 'true', npm_config_data_dir: '/tmp/x' };
    expect(await runUnderNpmStart(['serve', '0'], npmConfig)).toMatchObject({
      code: 2,
      stderr:
        'token-sandbox: npm kept --port --data-dir for itself and did not pass it on; put -- before the flags: ' +
        'npm start -- --port 0 --data-dir /tmp/x. See "token-sandbox --help".\n',
    });
  });

  it('prints the version with --version and the usage with --help, exit 0', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const [version, help] = await Promise.all([
      runCliToExit(['--version']),
      runCliToExit(['serve', '--help']),
    ]);
    expect(version).toEqual({
      code: 0,
      stdout: `token-sandbox ${pkg.version}\n`,
      stderr: '',
    });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: token-sandbox serve');
    expect(help.stdout).toContain('--version');
    expect(help.stdout).toContain('npm start -- --port 0');
  });

  it('answers --help, --version and a wrong flag from the arguments alone, without loading the server', async () => {
    // A copy of the installed command whose server bundle throws when loaded: what needs only the arguments
    // must be answered before it (bin/token-sandbox.js, server/cli-args.ts), so a typo answers at once.
    const root = await mkdtemp(path.join(tmpdir(), 'sandbox-install-'));
    try {
      await cp(
        fileURLToPath(new URL('../../dist/server', import.meta.url)),
        path.join(root, 'dist', 'server'),
        {
          recursive: true,
          filter: (source) => !source.includes(`${path.sep}cli.bundle.cjs`),
        },
      );
      await writeFile(
        path.join(root, 'dist', 'server', 'cli.bundle.cjs'),
        'throw new Error("server loaded");\n',
      );
      await cp(BIN, path.join(root, 'bin', 'token-sandbox.js'));
      await cp(
        fileURLToPath(new URL('../../package.json', import.meta.url)),
        path.join(root, 'package.json'),
      );
      const bin = path.join(root, 'bin', 'token-sandbox.js');
      const run = (...args: string[]) => runCliToExit(args, {}, bin);
      const [bogus, port, help, version, valid] = await Promise.all([
        run('serve', '--bogus'),
        run('serve', '--port', 'abc'),
        run('--help'),
        run('--version'),
        run('serve', '--port', '0'),
      ]);
      expect(bogus).toEqual({
        code: 2,
        stdout: '',
        stderr: 'token-sandbox: unknown option --bogus. See "token-sandbox --help".\n',
      });
      expect(port.stderr).toBe(
        'token-sandbox: --port must be a whole number from 0 to 65535, got "abc". See "token-sandbox --help".\n',
      );
      expect(help).toMatchObject({ code: 0, stderr: '' });
      expect(help.stdout).toContain('Usage: token-sandbox serve');
      expect(version).toMatchObject({ code: 0, stderr: '' });
      // ...and a start that needs the server does load it.
      expect(valid.stderr).toContain('server loaded');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('names a free port to try when the port is in use', async ({ cli }) => {
    const port = new URL(cli.origin).port;
    const { code, stderr } = await runCliToExit(['serve', '--port', port]);
    expect(code).toBe(1);
    const free = /try --port (\d+) \(free just now\), or --port 0 for any free port\.\n$/.exec(stderr)?.[1];
    expect(stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    expect(Number(free)).toBeGreaterThan(0);
    expect(free).not.toBe(port);
  });

  it('writes nothing to the data folder when the config is invalid', async () => {
    const config = await writeConfig({ profile: 'bogus' });
    const dir = await mkdtemp(path.join(tmpdir(), 'sandbox-data-'));
    const { code } = await runCliToExit(['serve', '--config', config, '--data-dir', dir]);
    expect(code).toBe(2);
    expect(await readdir(dir)).toEqual([]);
  });

  it('saves what it answered and exits 0 when its terminal closes (SIGHUP)', async ({ startCli }) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sandbox-data-'));
    const config = await writeConfig({
      clients: [
        {
          clientId: 'app',
          redirectUris: ['http://127.0.0.1:5555/cb'],
          tokenEndpointAuthMethod: 'none',
          scope: 'openid',
        },
      ],
    });
    const running = await startCli(['--config', config, '--data-dir', dir]);
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: 'app',
      redirect_uri: 'http://127.0.0.1:5555/cb',
      scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
    const answer = await fetch(`${running.origin}/authorize?${query.toString()}`, { redirect: 'manual' });
    const code = new URL(answer.headers.get('location') ?? '').searchParams.get('code') ?? '';
    expect(code).not.toBe('');
    expect(await running.stop('SIGHUP')).toBe(0);
    expect(await readFile(path.join(dir, 'state.json'), 'utf8')).toContain(code);
  });

  it('closes cleanly with exit code 0 on SIGINT and SIGTERM', async ({ startCli }) => {
    const signals = ['SIGINT', 'SIGTERM'] as const;
    const stopped = await Promise.all(signals.map(async (signal) => (await startCli([])).stop(signal)));
    expect(stopped).toEqual([0, 0]);
  });
});
