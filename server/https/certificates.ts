/**
 * The certificates `serve --https` serves with: one from a local certificate authority the sandbox creates once
 * and keeps (so a user trusts it once), or the user's own pair (`--cert`, `--key`). Keys come from Node's crypto;
 * node-forge only writes and signs certificates, and Node's X509Certificate reads them back.
 */
import { X509Certificate, createPrivateKey, generateKeyPair, randomBytes, type KeyObject } from 'node:crypto';
import { lstat, mkdir, readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import forge from 'node-forge';
import writeFileAtomic from 'write-file-atomic';
import { CertificateError } from './certificate-error.js';
import { LOOPBACK_NAMES } from '../paths.js';

export { CertificateError };

const generateRsaKeyPair = promisify(generateKeyPair);

/** What the server listens with: PEM text, as `https.createServer` takes it. */
export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
}

export interface LocalCertificate extends TlsMaterial {
  /** The CA certificate a client is told to trust. */
  readonly caFile: string;
  /** True when this start created the CA (and so it is not trusted anywhere yet). */
  readonly caCreated: boolean;
  /** The names the leaf covers. */
  readonly names: readonly string[];
  /** The leaf's last valid moment. */
  readonly validTo: Date;
}

/** The names every local leaf covers: the loopback name and both loopback addresses. */
export const LOCAL_NAMES = LOOPBACK_NAMES;

/**
 * Browsers refuse server certificates valid for more than 398 days (CA/Browser Forum Baseline Requirements
 * §6.3.2, Apple's and Chrome's root programs); 397 days stays under it whatever the rounding.
 */
export const LEAF_LIFETIME_DAYS = 397;
/** The CA is not a server certificate, so the 398-day rule does not apply; ten years means trusting it once. */
const CA_LIFETIME_DAYS = 3650;
const DAY_MS = 86_400_000;
/** A leaf this close to its end is replaced at start-up, so a running sandbox does not expire mid-session. */
const RENEW_BEFORE_MS = 2 * DAY_MS;

/** The file names in the certificate folder. */
export const FILES = {
  caCert: 'ca.pem',
  caKey: 'ca-key.pem',
  cert: 'localhost.pem',
  key: 'localhost-key.pem',
} as const;

/**
 * The folder that keeps the local CA when no data folder is given: the user's config folder, as other
 * command-line tools keep theirs (XDG Base Directory on Linux, Application Support on macOS, %APPDATA% on
 * Windows), under `token-sandbox/https`.
 */
export function defaultCertificateDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  let base: string;
  if (platform === 'win32') base = env['APPDATA'] ?? path.join(home, 'AppData', 'Roaming');
  else if (platform === 'darwin') base = path.join(home, 'Library', 'Application Support');
  else {
    const xdg = env['XDG_CONFIG_HOME'];
    // XDG Base Directory: a relative XDG_CONFIG_HOME is invalid and must be ignored.
    base = xdg !== undefined && path.isAbsolute(xdg) ? xdg : path.join(home, '.config');
  }
  return path.join(base, 'token-sandbox', 'https');
}

/** The folder inside a data folder that keeps the local CA. */
export function dataDirCertificateDir(dataDir: string): string {
  return path.join(dataDir, 'https');
}

/** Throws unless `name` is a DNS name or an IP address a certificate can cover. */
export function checkCertificateName(name: string): void {
  if (isIP(name) !== 0) return;
  // RFC 1123 labels; a leading `*.` would make a wildcard, which a local sandbox has no use for.
  if (
    !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(name)
  ) {
    throw new CertificateError(
      `"${name}" is not a host name or an IP address a certificate can cover (e.g. 10.0.2.2 or my-laptop.local)`,
    );
  }
}

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new CertificateError(`${file} cannot be read (${code ?? 'error'})`);
  }
}

/** Like ssh with a private key: a key others can read is refused rather than used. */
async function checkPrivate(file: string): Promise<void> {
  if (process.platform === 'win32') return; // ACLs, not modes, on Windows
  const stats = await lstat(file);
  if (stats.isSymbolicLink()) {
    // A link's own mode is always 0777 and chmod changes its target, so "run chmod" could never fix it.
    throw new CertificateError(
      `${file} is a link (a private key's link is not followed); put the key file itself there`,
    );
  }
  if ((stats.mode & 0o077) !== 0) {
    throw new CertificateError(
      `${file} is readable or writable by other users (mode 0${(stats.mode & 0o777).toString(8)}); run "chmod 600 ${file}"`,
    );
  }
}

/**
 * Whoever can write the folder can swap the CA for their own and have every client that trusts it accept
 * their certificates; like the data folder (persistence/data-dir.ts), it must be ours and closed to others.
 */
async function checkFolder(dir: string): Promise<void> {
  if (process.platform === 'win32' || process.getuid === undefined) return; // ACLs, not modes, on Windows
  const stats = await lstat(dir);
  if (stats.isSymbolicLink() || !stats.isDirectory()) {
    throw new CertificateError(
      `${dir} is not a folder (a link is not followed); remove it or point elsewhere`,
    );
  }
  if (stats.uid !== process.getuid()) {
    throw new CertificateError(
      `${dir} belongs to another user (uid ${stats.uid}), so its CA cannot be trusted`,
    );
  }
  if ((stats.mode & 0o022) !== 0) {
    throw new CertificateError(
      `${dir} is writable by other users (mode 0${(stats.mode & 0o777).toString(8)}), so anyone could replace its CA; run "chmod 700 ${dir}"`,
    );
  }
}

/** Atomic (temporary file, fsync, rename): a crash leaves the old file or the new one, never a torn one. */
async function writePem(file: string, text: string, mode: number): Promise<void> {
  await writeFileAtomic(file, text, { fsync: true, mode });
}

/** A positive serial of 16 random bytes (RFC 5280 §4.1.2.2: positive, at most 20 octets, unique per CA). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes.toString('hex');
}

async function newRsaKey(): Promise<{ publicPem: string; privatePem: string }> {
  // RSA because forge signs with RSA only; 2048 bits is what Apple and the browsers require at least.
  const { publicKey, privateKey } = await generateRsaKeyPair('rsa', { modulusLength: 2048 });
  return {
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
  };
}

/**
 * A name attribute as UTF8String (RFC 5280 §4.1.2.4). forge's default, PrintableString, cannot hold `@` or `_`
 * (X.680 §41.4), and Chromium refuses such a certificate outright (ERR_SSL_SERVER_CERT_BAD_FORMAT).
 */
function field(name: string, value: string): forge.pki.CertificateField {
  // forge reads valueTagClass as the value's asn1.Type (UTF8 = 12); @types/node-forge declares it an
  // asn1.Class, which has no such member, so the field is set beside the declared type.
  const attribute: forge.pki.CertificateField = { name, value };
  Reflect.set(attribute, 'valueTagClass', forge.asn1.Type.UTF8);
  return attribute;
}

/** "Token Sandbox local CA" and the user and machine it belongs to, so a trust store shows whose it is. */
function caSubject(): forge.pki.CertificateField[] {
  let user = 'user';
  try {
    user = os.userInfo().username;
  } catch {
    // no passwd entry (some containers): the machine name alone identifies it
  }
  const owner = `${user}@${os.hostname()}`;
  return [
    field('commonName', `Token Sandbox local CA ${owner}`.slice(0, 64)),
    field('organizationName', 'Token Sandbox local CA'),
    field('organizationalUnitName', owner.slice(0, 64)),
  ];
}

interface Issued {
  readonly certPem: string;
  readonly keyPem: string;
}

async function createCa(now: Date): Promise<Issued> {
  const keys = await newRsaKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicPem);
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(now.getTime() - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(now.getTime() + CA_LIFETIME_DAYS * DAY_MS);
  const subject = caSubject();
  cert.setSubject(subject);
  cert.setIssuer(subject);
  // RFC 5280 §4.2.1.9 and §4.2.1.3: a CA that signs certificates and nothing below it may sign further CAs.
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keys.privatePem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privatePem };
}

async function issueLeaf(ca: Issued, names: readonly string[], now: Date): Promise<Issued> {
  const keys = await newRsaKey();
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicPem);
  cert.serialNumber = serialNumber();
  // An hour back for clocks a little behind; the whole span stays at LEAF_LIFETIME_DAYS.
  const notBefore = new Date(now.getTime() - 60 * 60 * 1000);
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = new Date(notBefore.getTime() + LEAF_LIFETIME_DAYS * DAY_MS);
  cert.setSubject([field('commonName', 'localhost'), field('organizationName', 'Token Sandbox')]);
  cert.setIssuer(caCert.subject.attributes);
  // Browsers read names from subjectAltName only (RFC 6125 §6.4.4, Chrome since 58); serverAuth is required
  // by Apple's and the CA/Browser Forum's rules for TLS server certificates.
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: names.map((n) => (isIP(n) === 0 ? { type: 2, value: n } : { type: 7, ip: n })),
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privatePem };
}

function covers(cert: X509Certificate, name: string): boolean {
  return isIP(name) === 0 ? cert.checkHost(name) !== undefined : cert.checkIP(name) !== undefined;
}

/** Why the kept leaf cannot be served again, or undefined when it can. */
function leafProblem(
  leaf: Issued,
  ca: X509Certificate,
  names: readonly string[],
  now: Date,
): string | undefined {
  let cert: X509Certificate;
  let key: KeyObject;
  try {
    cert = new X509Certificate(leaf.certPem);
    key = createPrivateKey(leaf.keyPem);
  } catch {
    return 'unreadable';
  }
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return 'not issued by the CA';
  if (!cert.checkPrivateKey(key)) return 'key does not match';
  if (new Date(cert.validTo).getTime() - now.getTime() < RENEW_BEFORE_MS) return 'expired';
  const missing = names.filter((n) => !covers(cert, n));
  return missing.length > 0 ? `does not cover ${missing.join(', ')}` : undefined;
}

export interface LocalCertificateOptions {
  /** The folder that keeps the CA and the leaf (created 0700 when missing). */
  readonly dir: string;
  /** Names beyond {@link LOCAL_NAMES} the leaf must cover (e.g. `10.0.2.2`, the host from an Android emulator). */
  readonly extraNames?: readonly string[];
  readonly now?: Date;
}

/**
 * The local CA (created on first use, then reused) and a leaf it issued for localhost, 127.0.0.1, ::1 and
 * `extraNames`. The leaf is reissued when it is missing, damaged, expired or about to, or does not cover every
 * name. A CA certificate whose key is missing, or that cannot be read, stops start-up instead of being
 * replaced: users may trust it, and a new one would silently break that trust.
 */
export async function localCertificate(options: LocalCertificateOptions): Promise<LocalCertificate> {
  const now = options.now ?? new Date();
  const names = [...new Set([...LOCAL_NAMES, ...(options.extraNames ?? [])])];
  for (const name of names) checkCertificateName(name);
  const dir = options.dir;
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A file (or link to one) in the folder's place: checkFolder below names it; anything else is named here.
    if (code !== 'EEXIST') throw new CertificateError(`${dir} cannot be created (${code ?? 'error'})`);
  }
  await checkFolder(dir);
  const file = (name: keyof typeof FILES): string => path.join(dir, FILES[name]);

  let caCreated = false;
  let ca: Issued;
  const caCertPem = await readIfPresent(file('caCert'));
  if (caCertPem === undefined) {
    // The key is written before the certificate: a crash between the two leaves no certificate, so the
    // next start makes a new CA instead of finding a certificate without its key.
    ca = await createCa(now);
    await writePem(file('caKey'), ca.keyPem, 0o600);
    await writePem(file('caCert'), ca.certPem, 0o644);
    caCreated = true;
  } else {
    const caKeyPem = await readIfPresent(file('caKey'));
    const remedy = `move ${dir} aside to create a new CA (and trust the new one)`;
    if (caKeyPem === undefined) throw new CertificateError(`${file('caKey')} is missing; ${remedy}`);
    await checkPrivate(file('caKey'));
    ca = { certPem: caCertPem, keyPem: caKeyPem };
  }
  let caCert: X509Certificate;
  let caKey: KeyObject;
  try {
    caCert = new X509Certificate(ca.certPem);
  } catch {
    throw new CertificateError(
      `${file('caCert')} is not a PEM certificate; move ${dir} aside to create a new CA`,
    );
  }
  try {
    caKey = createPrivateKey(ca.keyPem);
  } catch {
    throw new CertificateError(
      `${file('caKey')} is not a PEM private key; move ${dir} aside to create a new CA`,
    );
  }
  if (!caCert.checkPrivateKey(caKey)) {
    throw new CertificateError(
      `${file('caKey')} is not the key of ${file('caCert')}; move ${dir} aside to create a new CA`,
    );
  }
  if (new Date(caCert.validTo).getTime() <= now.getTime() + RENEW_BEFORE_MS) {
    throw new CertificateError(
      `the local CA in ${file('caCert')} expired on ${caCert.validTo}; move ${dir} aside to create a new CA`,
    );
  }

  const keptCert = await readIfPresent(file('cert'));
  const keptKey = await readIfPresent(file('key'));
  let leaf: Issued | undefined =
    keptCert !== undefined && keptKey !== undefined ? { certPem: keptCert, keyPem: keptKey } : undefined;
  if (leaf !== undefined && leafProblem(leaf, caCert, names, now) !== undefined) leaf = undefined;
  if (leaf === undefined) {
    leaf = await issueLeaf(ca, names, now);
    await writePem(file('key'), leaf.keyPem, 0o600);
    await writePem(file('cert'), leaf.certPem, 0o644);
  } else {
    await checkPrivate(file('key'));
  }
  return {
    cert: leaf.certPem,
    key: leaf.keyPem,
    caFile: file('caCert'),
    caCreated,
    names,
    validTo: new Date(new X509Certificate(leaf.certPem).validTo),
  };
}

async function readNamed(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CertificateError(
      `${what} ${file} cannot be read (${code === 'ENOENT' ? 'no such file' : (code ?? 'error')})`,
    );
  }
}

/** The user's own certificate (PEM, may hold its chain) and its private key, checked to belong together. */
export async function ownCertificate(certFile: string, keyFile: string): Promise<TlsMaterial> {
  const certPem = await readNamed(certFile, '--cert');
  const keyPem = await readNamed(keyFile, '--key');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    throw new CertificateError(
      `--cert ${certFile} is not a PEM certificate (expected "-----BEGIN CERTIFICATE-----")`,
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw new CertificateError(
      `--key ${keyFile} is not an unencrypted PEM private key (expected "-----BEGIN PRIVATE KEY-----" or the RSA/EC form)`,
    );
  }
  if (!cert.checkPrivateKey(key)) {
    throw new CertificateError(
      `--key ${keyFile} is not the private key of the certificate in --cert ${certFile}`,
    );
  }
  return { cert: certPem, key: keyPem };
}
