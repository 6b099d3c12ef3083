import { X509Certificate, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  chmod,
  cp,
  mkdir,
  mkdtemp,
  readFile,
  rename,
  rm,
  stat,
  symlink,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import forge from 'node-forge';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CertificateError,
  FILES,
  LEAF_LIFETIME_DAYS,
  defaultCertificateDir,
  type LocalCertificate,
  localCertificate,
  ownCertificate,
} from '../../server/https/certificates.js';

const DAY = 86_400_000;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sandbox-https-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const file = (name: keyof typeof FILES) => path.join(dir, 'https', FILES[name]);

/**
 * One first start (a new CA and its leaf) shared by the file: an RSA-2048 key takes 50 to 300 ms and each start
 * in a fresh folder makes two, so the tests that only read what a first start wrote read this one, and a test
 * that changes the folder starts from a copy of it (a sandbox that has started once). The tests of reissuing
 * still make their own leaf.
 */
let firstStartDir: string;
let firstStart: LocalCertificate;
beforeAll(async () => {
  firstStartDir = await mkdtemp(path.join(tmpdir(), 'sandbox-https-first-'));
  firstStart = await localCertificate({ dir: path.join(firstStartDir, 'https') });
});
afterAll(async () => {
  await rm(firstStartDir, { recursive: true, force: true });
});
const firstStartFile = (name: keyof typeof FILES) => path.join(firstStartDir, 'https', FILES[name]);

/** The test's folder as the first start left it (cp keeps each file's and the folder's mode). */
async function startedOnce(): Promise<void> {
  await cp(path.join(firstStartDir, 'https'), path.join(dir, 'https'), { recursive: true });
}
const mode = async (f: string) => (await stat(f)).mode & 0o777;

describe('serve --https: the local certificate authority', () => {
  it('creates a CA named after Token Sandbox and the machine, with CA:true and keyCertSign only', async () => {
    const local = firstStart;
    expect(local.caCreated).toBe(true);
    expect(local.caFile).toBe(firstStartFile('caCert'));
    const ca = new X509Certificate(await readFile(local.caFile, 'utf8'));
    expect(ca.ca).toBe(true);
    expect(ca.subject).toMatch(/CN=Token Sandbox local CA \S+@\S+/);
    expect(ca.subject).toBe(ca.issuer);
    const parsed = forge.pki.certificateFromPem(await readFile(local.caFile, 'utf8'));
    expect(parsed.getExtension('basicConstraints')).toMatchObject({ cA: true, critical: true });
    expect(parsed.getExtension('keyUsage')).toMatchObject({
      keyCertSign: true,
      cRLSign: true,
      digitalSignature: false,
      critical: true,
    });
  });

  it('writes names as UTF8String, which holds the "@" of user@machine (Chromium refuses PrintableString with it)', async () => {
    const local = firstStart;
    for (const pem of [local.cert, await readFile(local.caFile, 'utf8')]) {
      const parsed = forge.pki.certificateFromPem(pem);
      for (const attr of [...parsed.subject.attributes, ...parsed.issuer.attributes]) {
        expect({ [attr.name ?? '']: attr.valueTagClass }).toEqual({
          [attr.name ?? '']: forge.asn1.Type.UTF8,
        });
      }
    }
  });

  it('keeps both private keys readable by their owner only (0600)', async () => {
    expect(await mode(firstStartFile('caKey'))).toBe(0o600);
    expect(await mode(firstStartFile('key'))).toBe(0o600);
    expect(await mode(path.join(firstStartDir, 'https'))).toBe(0o700);
  });

  it('reuses the CA and the leaf on the next start', async () => {
    await startedOnce();
    const first = await localCertificate({ dir: path.join(dir, 'https') });
    const caPem = await readFile(file('caCert'), 'utf8');
    const second = await localCertificate({ dir: path.join(dir, 'https') });
    expect(second.caCreated).toBe(false);
    expect(await readFile(file('caCert'), 'utf8')).toBe(caPem);
    expect(second.cert).toBe(first.cert);
    expect(second.key).toBe(first.key);
  });

  it('issues a leaf for localhost, 127.0.0.1 and ::1, for serverAuth, valid 397 days at most, signed by the CA', async () => {
    const local = firstStart;
    const leaf = new X509Certificate(local.cert);
    const ca = new X509Certificate(await readFile(local.caFile, 'utf8'));
    expect(leaf.ca).toBe(false);
    expect(leaf.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkPrivateKey(createPrivateKey(local.key))).toBe(true);
    const span = Date.parse(leaf.validTo) - Date.parse(leaf.validFrom);
    expect(span).toBeLessThanOrEqual(LEAF_LIFETIME_DAYS * DAY);
    expect(span).toBeGreaterThan(390 * DAY);
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // id-kp-serverAuth
  });

  it('adds names asked for (the Android emulator host 10.0.2.2), reissuing a kept leaf that lacks them', async () => {
    await startedOnce();
    const first = await localCertificate({ dir: path.join(dir, 'https') });
    const local = await localCertificate({
      dir: path.join(dir, 'https'),
      extraNames: ['10.0.2.2', 'dev.local'],
    });
    expect(local.cert).not.toBe(first.cert);
    expect(local.caCreated).toBe(false);
    expect(new X509Certificate(local.cert).subjectAltName).toBe(
      'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:10.0.2.2, DNS:dev.local',
    );
  });

  it('refuses a name no certificate can carry', async () => {
    await expect(
      localCertificate({ dir: path.join(dir, 'https'), extraNames: ['bad name'] }),
    ).rejects.toThrow(/"bad name" is not a host name or an IP address/);
  });

  it('issues a fresh leaf when the kept one is missing', async () => {
    await startedOnce();
    const first = await localCertificate({ dir: path.join(dir, 'https') });
    await unlink(file('cert'));
    const second = await localCertificate({ dir: path.join(dir, 'https') });
    expect(second.cert).not.toBe(first.cert);
    expect(await readFile(file('cert'), 'utf8')).toBe(second.cert);
    expect(second.caCreated).toBe(false);
  });

  it('issues a fresh leaf when the kept one has expired (or is about to), under the same CA', async () => {
    await startedOnce();
    const start = new Date();
    const first = await localCertificate({ dir: path.join(dir, 'https'), now: start });
    const later = new Date(start.getTime() + (LEAF_LIFETIME_DAYS - 1) * DAY);
    const renewed = await localCertificate({ dir: path.join(dir, 'https'), now: later });
    expect(renewed.cert).not.toBe(first.cert);
    expect(renewed.validTo.getTime()).toBeGreaterThan(later.getTime() + 390 * DAY);
    expect(renewed.caCreated).toBe(false);
  });

  it('refuses a CA whose key is missing rather than replacing a CA users may trust', async () => {
    await startedOnce();
    await localCertificate({ dir: path.join(dir, 'https') });
    await unlink(file('caKey'));
    await expect(localCertificate({ dir: path.join(dir, 'https') })).rejects.toThrow(
      new CertificateError(
        `${file('caKey')} is missing; move ${path.join(dir, 'https')} aside to create a new CA (and trust the new one)`,
      ),
    );
  });

  it.skipIf(process.platform === 'win32')('refuses a CA key that other users can read', async () => {
    await startedOnce();
    await localCertificate({ dir: path.join(dir, 'https') });
    await chmod(file('caKey'), 0o644);
    await expect(localCertificate({ dir: path.join(dir, 'https') })).rejects.toThrow(
      `${file('caKey')} is readable or writable by other users (mode 0644); run "chmod 600 ${file('caKey')}"`,
    );
  });

  it.skipIf(process.platform === 'win32')('names a file where the certificate folder should be', async () => {
    await writeFile(path.join(dir, 'https'), '');
    await expect(localCertificate({ dir: path.join(dir, 'https') })).rejects.toThrow(
      new CertificateError(
        `${path.join(dir, 'https')} is not a folder (a link is not followed); remove it or point elsewhere`,
      ),
    );
  });

  it.skipIf(process.platform === 'win32')('refuses a linked CA key with advice that can work', async () => {
    await startedOnce();
    await localCertificate({ dir: path.join(dir, 'https') });
    await rename(file('caKey'), path.join(dir, 'elsewhere.pem'));
    await symlink(path.join(dir, 'elsewhere.pem'), file('caKey'));
    await expect(localCertificate({ dir: path.join(dir, 'https') })).rejects.toThrow(
      new CertificateError(
        `${file('caKey')} is a link (a private key's link is not followed); put the key file itself there`,
      ),
    );
  });

  it.skipIf(process.platform === 'win32')('refuses a certificate folder other users can write', async () => {
    await mkdir(path.join(dir, 'https'), { mode: 0o700 });
    await chmod(path.join(dir, 'https'), 0o777);
    await expect(localCertificate({ dir: path.join(dir, 'https') })).rejects.toThrow(
      `${path.join(dir, 'https')} is writable by other users (mode 0777), so anyone could replace its CA; ` +
        `run "chmod 700 ${path.join(dir, 'https')}"`,
    );
    expect(existsSync(file('caCert'))).toBe(false);
  });

  it('keeps the CA in the user config folder by default, per platform', () => {
    expect(defaultCertificateDir({ XDG_CONFIG_HOME: '/x/cfg' }, 'linux', '/home/u')).toBe(
      '/x/cfg/token-sandbox/https',
    );
    expect(defaultCertificateDir({}, 'linux', '/home/u')).toBe('/home/u/.config/token-sandbox/https');
    expect(defaultCertificateDir({ XDG_CONFIG_HOME: 'relative' }, 'linux', '/home/u')).toBe(
      '/home/u/.config/token-sandbox/https',
    );
    expect(defaultCertificateDir({}, 'darwin', '/Users/u')).toBe(
      '/Users/u/Library/Application Support/token-sandbox/https',
    );
    expect(
      defaultCertificateDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32', 'C:\\Users\\u'),
    ).toBe(path.join('C:\\Users\\u\\AppData\\Roaming', 'token-sandbox', 'https'));
  });
});

describe('serve --cert --key: the user’s own certificate', () => {
  it('accepts a matching pair', async () => {
    await startedOnce();
    const local = await localCertificate({ dir: path.join(dir, 'https') });
    const own = await ownCertificate(file('cert'), file('key'));
    expect(own).toEqual({ cert: local.cert, key: local.key });
  });

  it('names the file that cannot be read', async () => {
    await startedOnce();
    await localCertificate({ dir: path.join(dir, 'https') });
    const missing = path.join(dir, 'nope.pem');
    await expect(ownCertificate(missing, file('key'))).rejects.toThrow(
      `--cert ${missing} cannot be read (no such file)`,
    );
    await expect(ownCertificate(file('cert'), missing)).rejects.toThrow(
      `--key ${missing} cannot be read (no such file)`,
    );
  });

  it('names a file that is not PEM', async () => {
    await startedOnce();
    await localCertificate({ dir: path.join(dir, 'https') });
    const junk = path.join(dir, 'junk.pem');
    await writeFile(junk, 'not a certificate');
    await expect(ownCertificate(junk, file('key'))).rejects.toThrow(
      `--cert ${junk} is not a PEM certificate`,
    );
    await expect(ownCertificate(file('cert'), junk)).rejects.toThrow(
      `--key ${junk} is not an unencrypted PEM private key`,
    );
  });

  it('refuses a key that does not belong to the certificate, naming both files', async () => {
    await startedOnce();
    await localCertificate({ dir: path.join(dir, 'https') });
    const other = path.join(dir, 'other-key.pem');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await writeFile(other, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await expect(ownCertificate(file('cert'), other)).rejects.toThrow(
      `--key ${other} is not the private key of the certificate in --cert ${file('cert')}`,
    );
  });
});
