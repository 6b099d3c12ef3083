import type { InputHTMLAttributes, Ref } from 'react';
import { Field } from './common.js';

/**
 * A labelled one-line or multi-line text input with its hint and error wired for assistive technology (the
 * label names it, `aria-describedby` reads the hint and the error, `aria-invalid` marks a refused value):
 * the pattern every text field of the workbench's forms repeated by hand.
 */
export function TextField({
  label,
  hint,
  error,
  value,
  onChange,
  rows,
  mono = false,
  className,
  inputRef,
  ...input
}: {
  readonly label: string;
  readonly hint?: string;
  readonly error?: string | undefined;
  readonly value: string;
  readonly onChange: (value: string) => void;
  /** A textarea of this many rows instead of a one-line input. */
  readonly rows?: number;
  /** Machine values (URIs, scopes, keys) in the monospace face, without spell checking. */
  readonly mono?: boolean;
  readonly className?: string;
  readonly inputRef?: Ref<HTMLInputElement>;
} & Pick<
  InputHTMLAttributes<HTMLInputElement>,
  'readOnly' | 'inputMode' | 'placeholder' | 'autoComplete' | 'spellCheck' | 'type'
>) {
  const classes = [mono ? 'mono' : undefined, className].filter((c) => c !== undefined).join(' ');
  return (
    <Field label={label} error={error} {...(hint === undefined ? {} : { hint })}>
      {({ id, describedBy, invalid }) => {
        // What the one-line and the multi-line control share: the label's id, the hint and error, the value.
        const shared = {
          id,
          value,
          onChange: (e: { target: { value: string } }) => onChange(e.target.value),
          'aria-describedby': describedBy,
          'aria-invalid': invalid,
          ...(mono ? { spellCheck: false } : {}),
        };
        return rows === undefined ? (
          <input ref={inputRef} {...shared} {...input} {...(classes === '' ? {} : { className: classes })} />
        ) : (
          <textarea
            rows={rows}
            {...shared}
            {...(input.placeholder === undefined ? {} : { placeholder: input.placeholder })}
            {...(classes === '' ? {} : { className: classes })}
          />
        );
      }}
    </Field>
  );
}
