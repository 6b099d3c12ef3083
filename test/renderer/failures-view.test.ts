import { describe, expect, it } from 'vitest';
import { armRequest } from '../../renderer/views/failures-view.js';

const OPTIONS = { times: '1', probability: '', clientId: '', delayMs: '' };

describe('Failures: arming a delay within the config schema’s bound (docs/failures.md#arming)', () => {
  it('takes a delay up to ten minutes and refuses a longer one before asking the server', () => {
    expect(armRequest('token.slow', { ...OPTIONS, delayMs: '600000' })).toEqual({
      arm: { id: 'token.slow', times: 1, delayMs: 600_000 },
    });
    expect(armRequest('token.slow', { ...OPTIONS, delayMs: '600001' })).toEqual({
      error: 'delay must be a whole number of milliseconds up to 600000',
    });
  });
});
