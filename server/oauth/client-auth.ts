import { sameSecret } from './same-secret.js';
import type { RegisteredClient } from '../config/defaults.js';
import type { AuthMethod } from '../config/schema.js';
import { InvalidClient, InvalidRequest } from './errors.js';
import { decodeBasic, parseAuthorization, usesScheme } from './authorization.js';
import type { Params } from './form.js';
import { verifyClientAssertion, JWT_BEARER_ASSERTION, type AssertionContext } from './client-assertion.js';

export interface AuthenticatedClient {
  readonly client: RegisteredClient;
  /** How the client authenticated on this request. */
  readonly method: AuthMethod;
}

export interface ClientAuthContext extends AssertionContext {
  readonly findClient: (clientId: string) => RegisteredClient | undefined;
  readonly realm: string;
  /** The methods the active profile accepts; a client registered with another one cannot authenticate. */
  readonly allowedMethods?: readonly AuthMethod[];
}

interface BasicCredentials {
  readonly clientId: string;
  readonly secret: string;
}

/**
 * RFC 6749 §2.3.1: the client id and secret are form-urlencoded before they are joined with `:` and
 * base64-encoded, so both are decoded here (appendix B).
 */
function parseBasic(header: string | undefined, challenge: Record<string, string>): BasicCredentials {
  const decoded = decodeBasic(parseAuthorization(header)?.credentials ?? '');
  if (decoded === undefined) {
    throw new InvalidClient('the Authorization header is not Basic base64(client_id:client_secret)', {
      rule: 'RFC 6749 §2.3.1',
      headers: challenge,
    });
  }
  const { clientId, secret } = decoded;
  if (clientId === undefined || secret === undefined) {
    throw new InvalidClient('the Basic credentials are not form-urlencoded as RFC 6749 appendix B requires', {
      rule: 'RFC 6749 §2.3.1',
      headers: challenge,
    });
  }
  return { clientId, secret };
}

/**
 * Authenticates the client of a token, introspection or revocation request by the method it registered
 * (RFC 6749 §2.3): one method per request, the registered one, with the registered secret or key.
 */
export async function authenticateClient(
  authorization: string | undefined,
  params: Params,
  ctx: ClientAuthContext,
): Promise<AuthenticatedClient> {
  const challenge = { 'WWW-Authenticate': `Basic realm="${ctx.realm}"` };
  const usedHeader = usesScheme(authorization, 'basic');
  if (authorization !== undefined && !usedHeader) {
    throw new InvalidClient('only Basic client authentication is accepted in the Authorization header', {
      rule: 'RFC 6749 §2.3.1',
      headers: challenge,
    });
  }
  const basic = usedHeader ? parseBasic(authorization, challenge) : undefined;
  const bodySecret = params.get('client_secret');
  const assertion = params.get('client_assertion');
  const assertionType = params.get('client_assertion_type');
  const ways = [basic, bodySecret, assertion ?? assertionType].filter((w) => w !== undefined).length;
  if (ways > 1) {
    throw new InvalidRequest('the client authenticated in more than one way; use exactly one', {
      rule: 'RFC 6749 §2.3',
    });
  }
  const bodyId = params.get('client_id');
  if (basic && bodyId !== undefined && bodyId !== basic.clientId) {
    throw new InvalidRequest('client_id in the body differs from the one in the Authorization header', {
      rule: 'RFC 6749 §2.3.1',
    });
  }
  const fail = (
    description: string,
    rule = 'RFC 6749 §2.3',
    reason: 'client_not_found' | 'client_auth_failed' = 'client_auth_failed',
  ) => new InvalidClient(description, basic ? { rule, reason, headers: challenge } : { rule, reason });
  const allowed = ctx.allowedMethods;
  const refuseUnlessAllowed = (method: AuthMethod, clientId: string) => {
    if (allowed !== undefined && !allowed.includes(method)) {
      throw fail(
        `client ${clientId} uses ${method}, which this profile does not accept (it accepts ${allowed.join(', ')})`,
      );
    }
  };

  if (assertion !== undefined || assertionType !== undefined) {
    if (assertionType !== JWT_BEARER_ASSERTION) {
      throw fail(`client_assertion_type must be ${JWT_BEARER_ASSERTION}`, 'RFC 7523 §2.2');
    }
    if (assertion === undefined)
      throw new InvalidRequest('client_assertion is missing', { rule: 'RFC 7521 §4.2' });
    refuseUnlessAllowed('private_key_jwt', bodyId ?? 'of the assertion');
    const client = await verifyClientAssertion(assertion, bodyId, ctx);
    return { client, method: 'private_key_jwt' };
  }

  const clientId = basic?.clientId ?? bodyId;
  if (clientId === undefined) {
    throw new InvalidClient(
      'no client authentication: send client_id, with the credentials the client registered',
      {
        rule: 'RFC 6749 §2.3',
      },
    );
  }
  const client = ctx.findClient(clientId);
  if (!client) throw fail(`client ${clientId} is not registered`, 'RFC 6749 §2.3', 'client_not_found');
  refuseUnlessAllowed(client.authMethod, clientId);

  const used: AuthMethod = basic
    ? 'client_secret_basic'
    : bodySecret !== undefined
      ? 'client_secret_post'
      : 'none';
  if (client.authMethod === 'none') {
    if (used !== 'none') {
      throw fail(`client ${clientId} is public (token_endpoint_auth_method none) and must not send a secret`);
    }
    return { client, method: 'none' };
  }
  if (used === 'none') {
    throw fail(`client ${clientId} must authenticate with ${client.authMethod}`);
  }
  if (used !== client.authMethod) {
    throw fail(`client ${clientId} is registered for ${client.authMethod} but authenticated with ${used}`);
  }
  const secret = basic?.secret ?? bodySecret ?? '';
  if (client.clientSecret === undefined || !sameSecret(client.clientSecret, secret)) {
    throw fail(`wrong client_secret for client ${clientId}`);
  }
  return { client, method: used };
}
