// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { AdminApiError } from '../../renderer/api/admin-client.js';
import { FhirDataCard } from '../../renderer/views/fhir-data-card.js';
import { fakeApi } from './fake-api.js';
import { renderInApp } from './render-in-app.js';

afterEach(cleanup);

const BUNDLE = JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [] });

/** The card over a fake server whose load answers with `answer`; records what was sent and each reload. */
function renderCard(
  answer: (file: string, content: string) => Promise<never> | Promise<{ loaded: number; patients: string[] }>,
) {
  const sent: string[] = [];
  let reloads = 0;
  const api = fakeApi({
    loadFhir: async (file, content) => {
      sent.push(`${file} ${content}`);
      const r = await answer(file, content);
      return { file, types: {}, total: 10, ...r };
    },
  });
  renderInApp(createElement(FhirDataCard, { onLoaded: () => (reloads += 1) }), api);
  return { sent, reloads: () => reloads };
}

function drop(...files: File[]) {
  fireEvent.drop(screen.getByTestId('fhir-drop-zone'), { dataTransfer: { files } });
}

describe('Your FHIR data: the workbench drop zone', () => {
  it('loads a dropped file through the admin API, says what it stored and lists the patients again', async () => {
    const card = renderCard(async () => ({ loaded: 7, patients: ['p-1'] }));
    drop(new File([BUNDLE], 'synthea.json', { type: 'application/json' }));
    await waitFor(() =>
      expect(screen.getByRole('status').textContent).toBe('Loaded synthea.json: 7 resources, 1 patient.'),
    );
    expect(card.sent).toEqual([`synthea.json ${BUNDLE}`]);
    expect(card.reloads()).toBe(1);
  });

  it("shows the server's refusal, naming the file, entry and field, and says nothing was loaded", async () => {
    const message =
      'broken.json: entry[3]: resource.subject.reference: urn:uuid:x names no entry of this file';
    renderCard(() => Promise.reject(new AdminApiError(400, 'invalid_fhir_data', message)));
    drop(new File(['{}'], 'broken.json'));
    await waitFor(() =>
      expect(screen.getByRole('alert').textContent).toBe(`Nothing was loaded from it: ${message}`),
    );
  });
});
