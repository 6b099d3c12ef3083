import type { ReactNode } from 'react';
import { Field } from './common.js';

/**
 * A labelled drop-down: the label names it and `onChange` hands back the chosen option's value, the pattern
 * every picker of the workbench (launch context, Flow Lab flows, compared issuers) repeated by hand. `note`
 * stands under the control, for a list that could not be loaded.
 */
export function SelectField({
  label,
  value,
  onChange,
  disabled,
  className,
  note,
  children,
}: {
  readonly label: string;
  /** Undefined while nothing is chosen yet: the browser shows the first option. */
  readonly value: string | undefined;
  readonly onChange: (value: string) => void;
  readonly disabled?: boolean;
  readonly className?: string;
  readonly note?: ReactNode;
  /** The `<option>`s. */
  readonly children: ReactNode;
}) {
  return (
    <Field label={label} {...(className === undefined ? {} : { className })}>
      {({ id }) => (
        <>
          <select
            id={id}
            value={value}
            onChange={(e) => onChange(e.target.value)}
            {...(disabled === undefined ? {} : { disabled })}
          >
            {children}
          </select>
          {note}
        </>
      )}
    </Field>
  );
}
