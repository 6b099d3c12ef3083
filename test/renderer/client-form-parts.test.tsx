// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { TextField } from '../../renderer/components/text-field.js';
import { JwksGroup, SecretField, SecurityGroup } from '../../renderer/views/client-form-parts.js';
import { newClientForm } from '../../renderer/views/client-form-model.js';

afterEach(cleanup);

describe('a text field of the workbench forms', () => {
  it('is named by its label and reads its hint and its error to assistive technology', () => {
    const onChange = vi.fn();
    render(
      <TextField
        label="Launch URL"
        hint="Where an EHR launch sends the user."
        error="not a URL"
        value="x"
        onChange={onChange}
      />,
    );
    const input = screen.getByLabelText('Launch URL');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    const described = (input.getAttribute('aria-describedby') ?? '')
      .split(' ')
      .map((id) => document.getElementById(id)?.textContent);
    expect(described).toEqual(['Where an EHR launch sends the user.', 'not a URL']);
    fireEvent.change(input, { target: { value: 'http://localhost:3000/launch' } });
    expect(onChange).toHaveBeenCalledWith('http://localhost:3000/launch');
  });

  it('is a textarea when given rows, without spell checking machine values', () => {
    render(<TextField label="Redirect URIs" rows={3} mono value="" onChange={() => undefined} />);
    const area = screen.getByLabelText('Redirect URIs');
    expect(area.tagName).toBe('TEXTAREA');
    expect(area.getAttribute('spellcheck')).toBe('false');
  });
});

describe('the client secret', () => {
  it('is hidden until revealed, and Generate replaces it with 32 fresh random bytes', () => {
    const onChange = vi.fn();
    render(<SecretField value="s3cret" onChange={onChange} />);
    const input = screen.getByLabelText('Client secret');
    expect(input.getAttribute('type')).toBe('password');
    fireEvent.click(screen.getByRole('button', { name: 'Reveal' }));
    expect(input.getAttribute('type')).toBe('text');
    expect(screen.getByRole('button', { name: 'Hide' }).getAttribute('aria-pressed')).toBe('true');
    fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
    expect(onChange).toHaveBeenCalledTimes(1);
    expect(onChange.mock.calls[0]?.[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('shows why the server refused it', () => {
    render(<SecretField value="" error="a confidential client needs a secret" onChange={() => undefined} />);
    expect(screen.getByLabelText('Client secret').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('a confidential client needs a secret')).toBeTruthy();
  });
});

describe('the security group', () => {
  it('always requires PKCE of a public client (RFC 9700 §2.1.1), and lets others choose', () => {
    const set = vi.fn();
    const { rerender } = render(
      <SecurityGroup values={{ ...newClientForm(''), kind: 'public', requirePkce: false }} set={set} />,
    );
    const pkce = screen.getByRole<HTMLInputElement>('checkbox', { name: 'Require PKCE (S256)' });
    expect(pkce.checked).toBe(true);
    expect(pkce.disabled).toBe(true);
    rerender(
      <SecurityGroup values={{ ...newClientForm(''), kind: 'confidential', requirePkce: false }} set={set} />,
    );
    expect(pkce.checked).toBe(false);
    expect(pkce.disabled).toBe(false);
    fireEvent.click(pkce);
    expect(set).toHaveBeenCalledWith('requirePkce', true);
    fireEvent.click(screen.getByRole('checkbox', { name: 'Rotate refresh tokens' }));
    expect(set).toHaveBeenCalledWith('refreshTokenRotation', expect.any(Boolean));
  });
});

describe('the JWKS group of a private_key_jwt client', () => {
  it('takes a pasted JWK Set, or a URL, and names what is wrong with each', () => {
    const set = vi.fn();
    const values = { jwksSource: 'paste' as const, jwks: '', jwksUri: '' };
    const { rerender } = render(
      <JwksGroup values={values} errors={{ jwks: 'not a JWK Set: keys is missing' }} set={set} />,
    );
    const pasted = screen.getByLabelText('JWK Set');
    expect(pasted.tagName).toBe('TEXTAREA');
    expect(pasted.getAttribute('aria-invalid')).toBe('true');
    expect(screen.queryByLabelText('JWKS URL')).toBeNull();
    fireEvent.click(screen.getByRole('radio', { name: 'By URL' }));
    expect(set).toHaveBeenCalledWith('jwksSource', 'url');

    rerender(<JwksGroup values={{ ...values, jwksSource: 'url' }} errors={{}} set={set} />);
    expect(screen.queryByLabelText('JWK Set')).toBeNull();
    fireEvent.change(screen.getByLabelText('JWKS URL'), {
      target: { value: 'https://app.example/jwks.json' },
    });
    expect(set).toHaveBeenCalledWith('jwksUri', 'https://app.example/jwks.json');
  });
});
