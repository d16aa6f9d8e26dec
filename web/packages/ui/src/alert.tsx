import type { ReactNode } from 'react';

export interface AlertProps {
  tone?: 'error' | 'info';
  children: ReactNode;
}

export function Alert({ tone = 'error', children }: AlertProps) {
  const palette =
    tone === 'error'
      ? { background: '#fef2f2', border: '1px solid #fecaca', color: '#991b1b' }
      : { background: '#eff6ff', border: '1px solid #bfdbfe', color: '#1e3a8a' };
  return (
    <div role={tone === 'error' ? 'alert' : 'status'} style={{ ...palette, borderRadius: 6, padding: '8px 12px', margin: '8px 0' }}>
      {children}
    </div>
  );
}
