import type { AuthMethod, GrantType } from '../config/schema.js';

/**
 * A vendor profile is data: the paths, grants and rules of one vendor's endpoints, read by the same pipeline.
 */
export interface Profile {
  readonly name: string;
  readonly title: string;
  readonly tokenPath: string;
  readonly authorizePath: string;
  readonly grantTypes: readonly GrantType[];
  readonly authMethods: readonly AuthMethod[];
  /** SMART App Launch: every app uses PKCE S256, public or not. */
  readonly requirePkce: boolean;
}

export const smartProfile: Profile = {
  name: 'smart',
  title: 'SMART App Launch 2.2 (strict)',
  tokenPath: '/token',
  authorizePath: '/authorize',
  grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
  authMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
  requirePkce: true,
};

export function profileNamed(name: string | undefined): Profile {
  switch (name ?? 'smart') {
    case 'smart':
      return smartProfile;
    default:
      throw new Error(`profile ${String(name)} is not available yet`);
  }
}
