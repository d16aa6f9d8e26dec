import { useId, type InputHTMLAttributes } from 'react';

export interface TextFieldProps extends InputHTMLAttributes<HTMLInputElement> {
  label: string;
  /** Shown under the input and linked to it with aria-describedby; marks it invalid. */
  error?: string | undefined;
}

export function TextField({ label, error, id, style, ...props }: TextFieldProps) {
  const generated = useId();
  const inputId = id ?? generated;
  const errorId = `${inputId}-error`;
  return (
    <div style={{ display: 'flex', flexDirection: 'column', gap: 4, marginBottom: 12 }}>
      <label htmlFor={inputId} style={{ fontWeight: 600 }}>
        {label}
      </label>
      <input
        id={inputId}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        style={{
          padding: '6px 8px',
          borderRadius: 6,
          border: `1px solid ${error ? '#dc2626' : '#d1d5db'}`,
          font: 'inherit',
          ...style,
        }}
        {...props}
      />
      {error ? (
        <span id={errorId} style={{ color: '#dc2626', fontSize: 14 }}>
          {error}
        </span>
      ) : null}
    </div>
  );
}
