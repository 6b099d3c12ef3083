import { describe, expect } from 'vitest';
import { sandboxTest } from '../helpers/sandbox.js';

const it = sandboxTest();

describe('the sandbox callback page', () => {
  it('shows the code and state a redirect carried, escaped', async ({ t }) => {
    const res = await t.app.inject({ url: '/_sandbox/callback?code=abc&state=%3Cb%3E' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.body).toContain('<code>abc</code>');
    expect(res.body).toContain('&lt;b&gt;');
  });

  it('answers JSON when asked, and names an error response', async ({ t }) => {
    const res = await t.app.inject({
      url: '/_sandbox/callback?error=access_denied&state=s',
      headers: { accept: 'application/json' },
    });
    expect(res.json()).toEqual({ error: 'access_denied', state: 's' });
    const page = await t.app.inject({ url: '/_sandbox/callback?error=access_denied' });
    expect(page.body).toContain('answered with an error');
  });
});
