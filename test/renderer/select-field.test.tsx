// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { SelectField } from '../../renderer/components/select-field.js';

afterEach(cleanup);

describe('a drop-down of the workbench pickers', () => {
  it('is named by its label and hands back the value chosen', () => {
    const onChange = vi.fn();
    render(
      <SelectField label="Patient" value="p1" onChange={onChange}>
        <option value="p1">Amy</option>
        <option value="p2">Ben</option>
      </SelectField>,
    );
    const select = screen.getByLabelText<HTMLSelectElement>('Patient');
    expect(select.tagName).toBe('SELECT');
    expect(select.value).toBe('p1');
    fireEvent.change(select, { target: { value: 'p2' } });
    expect(onChange).toHaveBeenCalledWith('p2');
  });

  it('shows its note under the control and waits while disabled', () => {
    render(
      <SelectField
        label="User"
        value={undefined}
        onChange={() => undefined}
        disabled
        note={<p role="alert">The personas could not be listed</p>}
      >
        <option value="default">Config default</option>
      </SelectField>,
    );
    expect(screen.getByLabelText<HTMLSelectElement>('User').disabled).toBe(true);
    expect(screen.getByRole('alert').textContent).toBe('The personas could not be listed');
  });
});
