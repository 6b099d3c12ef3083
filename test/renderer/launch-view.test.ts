// @vitest-environment happy-dom
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EhrLaunchResult, LaunchRequest, PersonaList } from '../../renderer/api/types.js';
import { LaunchView } from '../../renderer/views/launch-view.js';
import { FAKE_EFFECTIVE_CONFIG, fakeApi, testStore } from './fake-api.js';
import { renderInApp } from './render-in-app.js';

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

/** Two personas that are Practitioner/prac-2, and one patient: the launch can sign in as the first and the patient. */
const PERSONAS: PersonaList = {
  personas: [
    {
      id: 'dr-ada',
      fhirUser: 'Practitioner/prac-2',
      name: 'Dr. Ada Quist',
      claims: { department: 'cardiology' },
    },
    { id: 'locum', fhirUser: 'Practitioner/prac-2', name: 'Locum Santos' },
    { id: 'maria', fhirUser: 'Patient/pat-1', name: 'Maria Alvarez' },
  ],
  shipped: false,
  defaultPersona: null,
  remembered: {},
};

async function renderLaunch(overrides: Parameters<typeof fakeApi>[0]) {
  const api = fakeApi({ listPersonas: async () => PERSONAS, ...overrides });
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
  renderInApp(createElement(LaunchView), api, store);
  return { api, open, store };
}

/** Renders the view with each "Open in a new window" request recorded; the server answers need_patient_banner true. */
async function renderRecordingLaunches(): Promise<LaunchRequest[]> {
  const sent: LaunchRequest[] = [];
  await renderLaunch({
    createLaunch: async (request) => {
      sent.push(request);
      return { ...REFUSED.launch, context: { needPatientBanner: true } };
    },
  });
  return sent;
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
    const sent = await renderRecordingLaunches();
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

  it('offers the personas as the launch user, one per fhirUser, and sends the chosen one', async () => {
    const sent: LaunchRequest[] = [];
    await renderLaunch({
      createEhrLaunch: async (request) => {
        sent.push(request);
        return REFUSED;
      },
    });
    const user = screen.getByLabelText<HTMLSelectElement>('User');
    await waitFor(() => expect(user.options.length).toBe(4));
    expect([...user.options].map((o) => o.textContent)).toEqual([
      'Config default',
      'Dr. Ada Quist — Practitioner/prac-2',
      'Maria Alvarez — Patient/pat-1',
      'Another fhirUser…',
    ]);
    fireEvent.change(user, { target: { value: 'persona:Practitioner/prac-2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Open in EHR' }));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]).toMatchObject({ clientId: 'framed-app', fhirUser: 'Practitioner/prac-2' });
  });

  it('takes a typed fhirUser that is no persona, and the config default when none is chosen', async () => {
    const sent = await renderRecordingLaunches();
    fireEvent.click(screen.getByRole('button', { name: 'Open in a new window' }));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]?.fhirUser).toBeUndefined();
    fireEvent.change(screen.getByLabelText('User'), { target: { value: 'other' } });
    fireEvent.change(screen.getByLabelText('fhirUser'), { target: { value: 'Practitioner/prac-3' } });
    fireEvent.click(screen.getByRole('button', { name: 'Open in a new window' }));
    await waitFor(() => expect(sent).toHaveLength(2));
    expect(sent[1]).toMatchObject({ fhirUser: 'Practitioner/prac-3' });
  });

  it('suggests the launch user the server has in force, never one of its own', async () => {
    const launch = { ...FAKE_EFFECTIVE_CONFIG.launch, fhirUser: 'Practitioner/prac-9' };
    const { store } = await renderLaunch({
      getEffectiveConfig: async () => ({ ...FAKE_EFFECTIVE_CONFIG, launch }),
    });
    await act(() => store.getState().loadServer());
    fireEvent.change(screen.getByLabelText('User'), { target: { value: 'other' } });
    expect(screen.getByLabelText<HTMLInputElement>('fhirUser').placeholder).toBe('Practitioner/prac-9');
  });
});
