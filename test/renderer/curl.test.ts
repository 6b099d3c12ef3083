import { describe, expect, it } from 'vitest';
import { exchangeToCurl, shellQuote } from '../../renderer/lib/curl.js';

describe('copy as curl', () => {
  it('quotes single quotes so the shell sees the value unchanged', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });

  it('rebuilds a token request with its method, URL, headers and form body', () => {
    const curl = exchangeToCurl(
      {
        method: 'POST',
        path: '/token',
        query: {},
        request: {
          headers: {
            host: '127.0.0.1:9710',
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': '42',
            authorization: 'Basic ••••',
          },
          body: 'grant_type=client_credentials&scope=system%2F*.rs',
        },
      },
      'http://127.0.0.1:9710',
    );
    expect(curl).toBe(
      "curl -i -X POST 'http://127.0.0.1:9710/token' -H 'content-type: application/x-www-form-urlencoded' -H 'authorization: Basic ••••' --data-raw 'grant_type=client_credentials&scope=system%2F*.rs'",
    );
  });

  it('puts the query back on a GET and sends no body', () => {
    const curl = exchangeToCurl(
      {
        method: 'GET',
        path: '/authorize',
        query: { response_type: 'code', state: "a'b" },
        request: { headers: {} },
      },
      'http://127.0.0.1:9710',
    );
    expect(curl).toBe(`curl -i 'http://127.0.0.1:9710/authorize?response_type=code&state=a%27b'`);
  });
});
