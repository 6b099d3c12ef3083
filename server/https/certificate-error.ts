/**
 * A certificate or key that cannot be used; the message names the file and says what was expected.
 * Apart from the certificate code so the CLI can recognise it without loading that code on a plain-http start.
 */
export class CertificateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateError';
  }
}
