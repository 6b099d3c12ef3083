import { afterEach, describe, expect, it } from 'vitest';
import { postForm, startSandbox, type TestSandbox } from '../helpers/sandbox.js';

let t: TestSandbox;
afterEach(async () => {
  await t.app.close();
});

interface NotFound {
  statusCode: number;
  message: string;
  profile: string;
  tokenPath: string;
  authorizePath: string;
}

describe('a wrong path under a profile names the active profile and the right path', () => {
  it('iEHR: POST /token (the SMART default) says the token endpoint is /oauth2/token', async () => {
    t = await startSandbox({ profile: 'iehr' });
    const res = await postForm(t.app, '/token', { grant_type: 'client_credentials' });
    expect(res.statusCode).toBe(404);
    const body = res.json<NotFound>();
    expect(body).toMatchObject({
      profile: 'iehr',
      tokenPath: '/oauth2/token',
      authorizePath: '/oauth2/authorize',
    });
    expect(body.message).toContain('POST /token is the token endpoint of the smart profile');
    expect(body.message).toContain('the token endpoint is POST /oauth2/token');
    expect(body.message).not.toMatch(/Route .* not found/);
  });

  it("MediRecords: another profile's authorize and token paths say where this profile's are", async () => {
    t = await startSandbox({ profile: 'medirecords' });
    const authorize = await t.app.inject({ url: '/oauth2/authorize?client_id=x' });
    expect(authorize.statusCode).toBe(404);
    expect(authorize.json<NotFound>().message).toMatch(
      /^GET \/oauth2\/authorize is the authorization endpoint of the iehr profile, not of the active profile medirecords: .*authorization endpoint GET or POST \/oauth\/smartauth\/authorize/,
    );
    const token = await postForm(t.app, '/oauth2/token', {});
    expect(token.json<NotFound>().message).toContain('token endpoint is POST /oauth/smartauth/token');
  });

  it('SMART: an unknown path names the active endpoints and discovery', async () => {
    t = await startSandbox();
    const res = await t.app.inject({ method: 'POST', url: '/oauth/token?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json<NotFound>().message).toBe(
      'nothing is served at POST /oauth/token; under the active profile smart the token endpoint is POST /token and the authorization endpoint GET or POST /authorize (discovery at /.well-known/smart-configuration lists every endpoint)',
    );
  });
});
