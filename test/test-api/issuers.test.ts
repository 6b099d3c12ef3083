import { describe, expect, it } from 'vitest';
import {
  SandboxApiError,
  startSandbox,
  type RunningSandbox,
  type StartSandboxOptions,
} from '../../server/test-api/index.js';
import { backend, introspect, sandboxStarter, tokenRequest } from '../helpers/test-api.js';

// README "Many issuers" through the test API: one handle per issuer, each scoped to that issuer alone.

const start = sandboxStarter({
  clients: [backend],
  issuers: [{ name: 'medirecords', profile: 'medirecords' }],
});

async function clientIds(s: RunningSandbox, issuer: string): Promise<string[]> {
  const res = await fetch(`${s.origin}/_sandbox/api/issuers/${issuer}/clients`, {
    headers: { authorization: `Bearer ${s.adminToken}` },
  });
  const body = (await res.json()) as { clients: { clientId: string }[] };
  return body.clients.map((c) => c.clientId);
}

describe('startSandbox({ issuers }): a handle per issuer', () => {
  it('lists the issuers, the default first, each with URLs its discovery agrees with', async () => {
    const s = await start();
    expect(s.issuers().map((i) => i.name)).toEqual(['default', 'medirecords']);
    expect(s.issuer('default')).toBe(s);
    const mr = s.issuer('medirecords');
    expect(mr.urls.issuer).toBe(`${s.origin}/i/medirecords`);
    expect(mr.origin).toBe(s.origin);
    // One workbench serves every issuer, at the root path.
    expect(mr.urls.workbench).toBe(s.urls.workbench);
    const discovery = (await (await fetch(mr.urls.discovery)).json()) as Record<string, unknown>;
    expect(discovery['issuer']).toBe(mr.urls.issuer);
    expect(discovery['token_endpoint']).toBe(mr.urls.token);
    expect(mr.urls.token).not.toBe(s.urls.token);
  });

  it('takes issuers from config.issuers too', async () => {
    const s = await start({ config: { issuers: [{ name: 'iehr', profile: 'iehr' }] } }, {});
    expect(s.issuers().map((i) => i.name)).toEqual(['default', 'iehr']);
  });

  it('a client added at one issuer is registered there alone', async () => {
    const s = await start({ clients: [] });
    const mr = s.issuer('medirecords');
    await mr.addClient({ ...backend, clientId: 'mr-only' });
    expect(await clientIds(s, 'medirecords')).toContain('mr-only');
    expect(await clientIds(s, 'default')).not.toContain('mr-only');
    await expect(s.removeClient('mr-only')).rejects.toMatchObject({ code: 'not_found' });
    await mr.removeClient('mr-only');
    expect(await clientIds(s, 'medirecords')).not.toContain('mr-only');
  });

  it("docs/test-api.md's Issuers example: a patient token minted at one issuer reads that patient there", async () => {
    const client = { ...backend, clientId: 'mr-app', scope: 'launch/patient patient/*.rs' };
    const s = await start({ clients: [] });
    const medirecords = s.issuer('medirecords');
    await medirecords.addClient(client);
    // The patient comes with launch/patient, as from a standalone launch (SMART App Launch 2.2 §"Scopes for
    // requesting context data"): patient/*.rs alone leaves the token without one, and a read answers 403.
    const tokens = await medirecords.issueToken({
      clientId: client.clientId,
      scope: 'launch/patient patient/*.rs',
      patient: 'pat-1',
    });
    const read = await fetch(`${medirecords.urls.fhirBase}/Patient/pat-1`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(read.status, await read.text()).toBe(200);
  });

  it("a token issueToken mints at one issuer is refused at the other's introspection, naming its issuer", async () => {
    const s = await start({ issuers: [{ name: 'medirecords', profile: 'medirecords', clients: [backend] }] });
    const mr = s.issuer('medirecords');
    const tokens = await mr.issueToken({ clientId: 'backend', scope: 'system/*.rs' });
    expect(await introspect(mr, tokens.access_token)).toMatchObject({ active: true, iss: mr.urls.issuer });
    // RFC 7662 §2.2: just {"active": false}; the reason is in the default issuer's exchange log.
    expect(await introspect(s, tokens.access_token)).toEqual({ active: false });
    const refused = await s.waitForExchange((e) => e.path === '/introspect', {
      description: 'the introspection at the default issuer',
    });
    expect(refused.verdict.summary + JSON.stringify(refused.verdict.reasons)).toContain(
      'issued by issuer medirecords',
    );
    // Each handle waits on its own issuer's log: the default issuer's request is not in medirecords'.
    await expect(
      mr.waitForExchange((e) => e.path === '/introspect' && e.verdict.outcome === 'rejected', {
        timeoutMs: 50,
        description: 'a refused introspection',
      }),
    ).rejects.toThrow('no exchange matched a refused introspection within 50 ms');
    const fhir = await fetch(`${s.urls.fhirBase}/Patient/pat-1`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(fhir.status).toBe(401);
    expect(await fhir.text()).toContain('issued by issuer medirecords');
  });

  it('arms a failure at one issuer only', async () => {
    // iEHR serves client_credentials (MediRecords does not).
    const s = await start({ issuers: [{ name: 'iehr', profile: 'iehr', clients: [backend] }] });
    const iehr = s.issuer('iehr');
    await iehr.armFailure({ id: 'token.server_error' });
    expect((await tokenRequest(iehr)).status).toBe(500);
    expect((await tokenRequest(s)).status).toBe(200);
    await iehr.clearFailures();
    expect((await tokenRequest(iehr)).status).toBe(200);
  });

  it('names the issuers there are for an unknown name, and for an issuer removed since', async () => {
    const s = await start();
    const unknown = (() => {
      try {
        s.issuer('ehr');
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(unknown).toBeInstanceOf(SandboxApiError);
    expect(unknown).toMatchObject({
      field: 'name',
      message: 'issuer: no issuer "ehr" in this sandbox; the issuers are default, medirecords',
    });
    const mr = s.issuer('medirecords');
    const res = await fetch(`${s.origin}/_sandbox/api/issuers/medirecords`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${s.adminToken}` },
    });
    expect(res.status).toBe(204);
    await expect(mr.issueToken({ clientId: 'backend', scope: 'system/*.rs' })).rejects.toThrow(
      'issueToken: no issuer "medirecords" in this sandbox; the issuers are default',
    );
    await expect(mr.addClient(backend)).rejects.toThrow(/^addClient: no issuer medirecords/);
  });

  it('refuses issuers that are not an array, naming the option', async () => {
    await expect(
      startSandbox({ issuers: 'medirecords' } as unknown as StartSandboxOptions),
    ).rejects.toMatchObject({
      field: 'issuers',
      message: 'startSandbox: issuers must be an array of issuer entries ({ name, profile, … }), got string',
    });
  });
});
