// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { RadioGroup } from '../../renderer/components/common.js';
import { TextField } from '../../renderer/components/text-field.js';
import { textBinding } from '../../renderer/views/client-form-parts.js';
import { newClientForm } from '../../renderer/views/client-form-model.js';

afterEach(cleanup);

const THEMES = { system: 'Follow the system', light: 'Light', dark: 'Dark' };

describe('a group of radio buttons', () => {
  it('offers one choice per label under its legend, the current one checked, and hands back the one picked', () => {
    const onChange = vi.fn();
    render(<RadioGroup legend="Theme" name="theme" labels={THEMES} value="light" onChange={onChange} />);
    const group = screen.getByRole('group', { name: 'Theme' });
    expect(group.querySelectorAll('input[type="radio"][name="theme"]')).toHaveLength(3);
    expect(screen.getByLabelText<HTMLInputElement>('Light').checked).toBe(true);
    expect(screen.getByLabelText<HTMLInputElement>('Dark').checked).toBe(false);
    fireEvent.click(screen.getByLabelText('Dark'));
    expect(onChange).toHaveBeenCalledWith('dark');
  });
});

describe('a text field of the client form bound by its key', () => {
  it('shows the value and the error for that key and writes the typed text back under it', () => {
    const set = vi.fn();
    const values = { ...newClientForm('s3cret'), launchUrl: 'http://localhost:3000/launch' };
    const text = textBinding(values, { launchUrl: 'use an absolute http(s) URL' }, set);
    render(<TextField label="Launch URL" {...text('launchUrl')} />);
    const input = screen.getByLabelText<HTMLInputElement>('Launch URL');
    expect(input.value).toBe('http://localhost:3000/launch');
    expect(screen.getByText('use an absolute http(s) URL').className).toBe('field-error');
    fireEvent.change(input, { target: { value: 'http://localhost:4000/launch' } });
    expect(set).toHaveBeenCalledWith('launchUrl', 'http://localhost:4000/launch');
  });
});
