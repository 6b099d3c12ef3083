import { expect, test } from './sandbox.js';

test.describe('Overview “Try it” asks for scopes that read FHIR', () => {
  test('a client without system/ scopes gets the reason, not a 200 with a token that reads nothing', async ({
    workbench: page,
    sandbox,
  }) => {
    const replaced = await sandbox.admin('PUT', '/clients/backend-svc', {
      clientId: 'backend-svc',
      clientSecret: 'backend-secret-0001',
      tokenEndpointAuthMethod: 'client_secret_basic',
      grantTypes: ['client_credentials'],
      scope: 'patient/*.rs',
    });
    expect(replaced.status).toBe(200);
    await page.reload();
    await page.getByRole('button', { name: 'Try it' }).click();
    const result = page.getByTestId('try-it-result');
    await expect(result).toHaveAttribute('data-status', '400');
    await expect(result).toContainText('invalid_scope');
    await expect(result).toContainText('system/*.rs');
  });
});
