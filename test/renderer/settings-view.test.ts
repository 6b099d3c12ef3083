// @vitest-environment happy-dom
import { cleanup, fireEvent, screen } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import type { SandboxConfig } from '../../renderer/api/types.js';
import { formToClient, newClientForm } from '../../renderer/views/client-form-model.js';
import { SettingsView } from '../../renderer/views/settings-view.js';
import { FAKE_EFFECTIVE_CONFIG, fakeApi, testStore } from './fake-api.js';
import { renderInApp } from './render-in-app.js';

afterEach(cleanup);

/** The Settings view over a fake server whose values in force are not the ones shipped today. */
async function renderSettings(
  effective = FAKE_EFFECTIVE_CONFIG,
  putConfig: (doc: SandboxConfig) => Promise<SandboxConfig> = async (doc) => doc,
) {
  const api = fakeApi({ getConfig: async () => ({}), getEffectiveConfig: async () => effective, putConfig });
  const store = testStore(api);
  await store.getState().loadServer();
  renderInApp(createElement(SettingsView), api, store);
}

/** Settings over the fake server's values, every document it would save recorded instead. */
async function settingsRecordingSaves(): Promise<SandboxConfig[]> {
  const sent: SandboxConfig[] = [];
  await renderSettings(FAKE_EFFECTIVE_CONFIG, async (doc) => {
    sent.push(doc);
    return doc;
  });
  return sent;
}

describe('Settings: the server’s values in force (GET /config/effective)', () => {
  it('shows the lifetimes, algorithm and profile the server says are in force, not defaults of its own', async () => {
    await renderSettings({
      ...FAKE_EFFECTIVE_CONFIG,
      profile: 'iehr',
      tokens: {
        ...FAKE_EFFECTIVE_CONFIG.tokens,
        signingAlg: 'ES256',
        accessTokenLifetime: 7200,
        refreshTokenLifetime: 86400,
        codeLifetime: 30,
      },
    });
    const access = screen.getByLabelText('Access token lifetime (s)');
    expect(access.getAttribute('placeholder')).toBe('7200');
    expect(screen.getByText('In force: 7200. Empty: the server default.')).toBeTruthy();
    expect(screen.getByLabelText('Refresh token lifetime (s)').getAttribute('placeholder')).toBe('86400');
    expect(screen.getByLabelText('Code lifetime (s)').getAttribute('placeholder')).toBe('30');
    expect(screen.getByLabelText<HTMLSelectElement>('Signing algorithm').value).toBe('ES256');
    expect(screen.getByText('iehr')).toBeTruthy();
  });
});

describe('Settings: saving token lifetimes', () => {
  it('sends the lifetimes typed, leaves empty ones to the server, and refuses a lifetime that is not seconds', async () => {
    const sent = await settingsRecordingSaves();
    const access = screen.getByLabelText('Access token lifetime (s)');
    const save = screen.getByRole('button', { name: 'Save token settings' });
    fireEvent.change(access, { target: { value: '15 min' } });
    fireEvent.click(save);
    expect(
      await screen.findByText(
        'access token lifetime must be a whole number of seconds from 1 to 31536000, or empty for the server default',
      ),
    ).toBeTruthy();
    expect(sent).toEqual([]);
    fireEvent.change(access, { target: { value: '900' } });
    fireEvent.click(save);
    expect(await screen.findByText('Saved. New tokens use these settings.')).toBeTruthy();
    expect(sent).toEqual([
      { tokens: { signingAlg: FAKE_EFFECTIVE_CONFIG.tokens.signingAlg, accessTokenLifetime: 900 } },
    ]);
  });
});

describe('Settings: lifetimes within the config schema’s bounds (docs/config.md)', () => {
  it('refuses an access token lifetime over a year with the client form’s words, and sends nothing', async () => {
    const sent = await settingsRecordingSaves();
    fireEvent.change(screen.getByLabelText('Access token lifetime (s)'), { target: { value: '31536001' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save token settings' }));
    const { errors } = formToClient({ ...newClientForm('s3cret'), accessTokenLifetime: '31536001' });
    expect(errors.accessTokenLifetime).toBe(
      'access token lifetime must be a whole number of seconds from 1 to 31536000, or empty for the server default',
    );
    expect(await screen.findByText(errors.accessTokenLifetime ?? '')).toBeTruthy();
    expect(sent).toEqual([]);
  });

  it('refuses a code lifetime over ten minutes before asking the server', async () => {
    const sent = await settingsRecordingSaves();
    fireEvent.change(screen.getByLabelText('Code lifetime (s)'), { target: { value: '601' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save token settings' }));
    expect(
      await screen.findByText(
        'code lifetime must be a whole number of seconds from 1 to 600, or empty for the server default',
      ),
    ).toBeTruthy();
    expect(sent).toEqual([]);
  });
});
