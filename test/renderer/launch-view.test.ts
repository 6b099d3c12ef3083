// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EhrLaunchResult, LaunchRequest } from '../../renderer/api/types.js';
import { AppContext } from '../../renderer/store/react.js';
import { LaunchView } from '../../renderer/views/launch-view.js';
import { fakeApi, testStore } from './fake-api.js';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const REFUSED: EhrLaunchResult = {
  page: 'http://127.0.0.1:9710/_sandbox/ehr/page-id',
  launch: {
    launch: 'launch-1',
    url: 'http://127.0.0.1:5555/launch?iss=x&launch=launch-1',
    context: { patient: 'pat-1', needPatientBanner: false },
    expiresAt: new Date(0).toISOString(),
  },
  framing: {
    verdict: 'refused',
    url: 'http://127.0.0.1:5555/launch',
    header: 'X-Frame-Options',
    value: 'DENY',
    fix: 'remove X-Frame-Options: DENY from your app and send Content-Security-Policy: frame-ancestors http://127.0.0.1:9710 instead',
  },
};

async function renderLaunch(overrides: Parameters<typeof fakeApi>[0]) {
  const api = fakeApi(overrides);
  api.clients.push(
    {
      clientId: 'framed-app',
      launchUrl: 'http://127.0.0.1:5555/launch',
      redirectUris: ['http://127.0.0.1:5555/cb'],
    },
    { clientId: 'script-app', redirectUris: ['http://127.0.0.1:5555/cb'] },
  );
  const store = testStore(api);
  await store.getState().loadClients();
  // The tab the view opens; the fake says it opened.
  const open = vi.spyOn(window, 'open').mockReturnValue({ opener: null } as unknown as Window);
  render(
    createElement(
      AppContext.Provider,
      { value: { store, deps: { api, fetch: () => Promise.reject(new Error('no network')) } } },
      createElement(LaunchView),
    ),
  );
  return { api, open };
}

describe('Launch view: Open in EHR and Open in a new window (README "EHR page")', () => {
  it('shows that the app refuses to be framed, with what to change', async () => {
    const { open } = await renderLaunch({ createEhrLaunch: async () => REFUSED });
    fireEvent.click(screen.getByRole('button', { name: 'Open in EHR' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The app refuses to be framed');
    expect(alert.textContent).toContain('X-Frame-Options: DENY');
    expect(alert.textContent).toContain('frame-ancestors http://127.0.0.1:9710');
    expect(open).toHaveBeenCalledWith(REFUSED.page, '_blank');
  });

  it('opens the app alone with need_patient_banner true', async () => {
    const sent: LaunchRequest[] = [];
    await renderLaunch({
      createLaunch: async (request) => {
        sent.push(request);
        return { ...REFUSED.launch, context: { needPatientBanner: true } };
      },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Open in a new window' }));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]).toMatchObject({ clientId: 'framed-app', needPatientBanner: true });
  });

  it('offers Open in EHR only for a client with a launch URL to frame', async () => {
    await renderLaunch({});
    fireEvent.change(screen.getByLabelText('Client'), { target: { value: 'script-app' } });
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Open in EHR' }).disabled).toBe(true);
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Open in a new window' }).disabled).toBe(
      false,
    );
  });
});
