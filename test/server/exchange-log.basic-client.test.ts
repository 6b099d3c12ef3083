import { describe, expect } from 'vitest';
import { basic, clientCredentials, lastExchange, sandboxTest } from '../helpers/sandbox.js';

const it = sandboxTest();

describe('the exchange log names a Basic client as the server reads it (RFC 6749 §2.3.1)', () => {
  it('shows the form-decoded client_id in the masked header, the same one it labels the exchange with', async ({
    t,
  }) => {
    // RFC 6749 appendix B: "my app" travels form-encoded as my+app inside the base64.
    const res = await clientCredentials(t.app, 'my app', 'secret');
    expect(res.statusCode).toBe(401);
    expect(basic('my app', 'secret')).toBe(`Basic ${btoa('my+app:secret')}`);
    const entry = await lastExchange(t.app);
    expect(entry.clientId).toBe('my app');
    expect(entry.request.headers['authorization']).toBe('Basic (my app:••••••)');
  });
});
