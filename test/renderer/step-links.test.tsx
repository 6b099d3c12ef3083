// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { StepLinks } from '../../renderer/views/flow-lab/step-card.js';
import { FLOWS } from '../../renderer/flow-lab/flows.js';

afterEach(cleanup);

const steps = FLOWS[0]?.steps ?? [];

describe('the step list of a Flow Lab walk', () => {
  it('numbers the steps, marks the one shown and opens only those the walk has reached', () => {
    const onGo = vi.fn();
    render(
      <StepLinks
        steps={steps}
        cursor={1}
        reached={1}
        busy={false}
        onGo={onGo}
        badge={(i) => (i === 0 ? <span>accepted</span> : null)}
        outcome={(i) => (i === 0 ? 'accepted' : 'pending')}
      />,
    );
    const links = within(screen.getByRole('list', { name: 'Steps' })).getAllByRole('button');
    expect(links).toHaveLength(steps.length);
    expect(links[0]?.textContent).toBe(`1. ${steps[0]?.title ?? ''}accepted`);
    expect(links[0]?.getAttribute('data-outcome')).toBe('accepted');
    expect(links[1]?.getAttribute('aria-current')).toBe('step');
    expect(links.map((l) => (l as HTMLButtonElement).disabled)).toEqual(steps.map((_, i) => i > 1));
    fireEvent.click(screen.getByRole('button', { name: /^1\. / }));
    expect(onGo).toHaveBeenCalledWith(0);
  });

  it('waits while the walk is busy, and carries no outcome mark unless given one', () => {
    render(
      <StepLinks
        steps={steps}
        cursor={0}
        reached={steps.length}
        busy
        onGo={() => undefined}
        badge={() => null}
      />,
    );
    const links = screen.getAllByRole('button');
    expect(links.every((l) => (l as HTMLButtonElement).disabled)).toBe(true);
    expect(links[0]?.hasAttribute('data-outcome')).toBe(false);
  });
});
