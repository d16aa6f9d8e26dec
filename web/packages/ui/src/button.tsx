import type { ButtonHTMLAttributes } from 'react';

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: 'primary' | 'secondary' | 'danger';
}

const colors = {
  primary: { background: '#2563eb', color: '#fff', border: '1px solid #2563eb' },
  secondary: { background: '#fff', color: '#1f2937', border: '1px solid #d1d5db' },
  danger: { background: '#fff', color: '#b91c1c', border: '1px solid #fca5a5' },
} as const;

export function Button({ variant = 'primary', style, type = 'button', ...props }: ButtonProps) {
  return (
    <button
      type={type}
      style={{
        ...colors[variant],
        borderRadius: 6,
        padding: '6px 12px',
        font: 'inherit',
        cursor: props.disabled ? 'default' : 'pointer',
        opacity: props.disabled ? 0.6 : 1,
        ...style,
      }}
      {...props}
    />
  );
}
