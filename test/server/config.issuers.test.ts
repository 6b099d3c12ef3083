import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../server/config/validate.js';
import { mergeConfig } from '../../server/persistence/state-file.js';

/** docs/config.md "issuers": every problem of an issuer entry is named by its path under `issuers[i]`. */
function issuesOf(doc: unknown): string[] {
  try {
    parseConfig(doc, 'sandbox.json');
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  return [];
}

describe('issuers in the config (README "Many issuers")', () => {
  it('a config from before issuers loads unchanged', () => {
    const old = {
      profile: 'iehr',
      clients: [{ clientId: 'a', clientSecret: 'abcdefgh', redirectUris: ['http://127.0.0.1:5555/cb'] }],
    };
    expect(parseConfig(old)).toEqual(old);
  });

  it('accepts issuers with a profile, a colour and settings of their own', () => {
    expect(
      issuesOf({
        profiles: [{ name: 'acme', tokenPath: '/acme/token', authorizePath: '/acme/authorize' }],
        issuers: [
          { name: 'medirecords', profile: 'medirecords', colour: '#aa0000' },
          {
            name: 'acme-2',
            profile: 'acme',
            clients: [{ clientId: 'x', clientSecret: 'abcdefgh', grantTypes: ['client_credentials'] }],
          },
        ],
      }),
    ).toEqual([]);
  });

  it('names a duplicate, the reserved name, a bad name and an unknown profile by field', () => {
    const issues = issuesOf({
      issuers: [
        { name: 'mr', profile: 'medirecords' },
        { name: 'mr', profile: 'iehr' },
        { name: 'default', profile: 'smart' },
        { name: 'Bad Name', profile: 'smart' },
      ],
    });
    expect(issues[0]).toMatch(/^issuers\[3\]\.name: /);
    const more = issuesOf({
      issuers: [
        { name: 'mr', profile: 'medirecords' },
        { name: 'mr', profile: 'epic' },
        { name: 'default', profile: 'smart' },
      ],
    });
    expect(more).toContain('issuers[1].name: "mr" is already used by issuers[0]');
    expect(more.find((i) => i.startsWith('issuers[1].profile: '))).toMatch(/expected one of "smart", /);
    expect(more.find((i) => i.startsWith('issuers[2].name: '))).toMatch(/names the issuer at the root paths/);
  });

  it('checks an issuer’s own settings like the top level’s, under its path', () => {
    const issues = issuesOf({
      issuers: [
        { name: 'x', profile: 'smart', clients: [{ clientId: 'c', tokenEndpointAuthMethod: 'none' }] },
      ],
    });
    expect(issues).toContain(
      'issuers[0].clients[0].redirectUris: needs at least one URI for the authorization_code grant',
    );
    // The server's https is shared by every issuer: only the top level names it.
    expect(issuesOf({ issuers: [{ name: 'x', profile: 'smart', https: { enabled: true } }] })[0]).toMatch(
      /^issuers\[0\]\.https: unknown field/,
    );
    expect(issuesOf({ issuers: [{ name: 'x', profile: 'smart', issuers: [] }] })[0]).toMatch(
      /^issuers\[0\]\.issuers: unknown field/,
    );
  });

  it('allows at most 16 issuers beside the default one', () => {
    const many = Array.from({ length: 17 }, (_, i) => ({ name: `i${i}`, profile: 'smart' }));
    expect(issuesOf({ issuers: many })[0]).toMatch(/^issuers: .*16/);
  });

  it('a restart keeps issuers added at run time, and the config file wins by name', () => {
    const stored = {
      issuers: [
        { name: 'a', profile: 'iehr' },
        { name: 'b', profile: 'smart' },
      ],
    };
    const given = { issuers: [{ name: 'b', profile: 'medirecords' }] };
    expect(mergeConfig(stored, given).issuers).toEqual([
      { name: 'a', profile: 'iehr' },
      { name: 'b', profile: 'medirecords' },
    ]);
  });
});
