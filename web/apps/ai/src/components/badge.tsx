import type { ReactNode } from 'react';

export type BadgeTone = 'neutral' | 'offline' | 'cached' | 'warning' | 'error';

/** A small label next to something (offline, cached, stopped…). */
export function Badge({ tone = 'neutral', title, children }: { tone?: BadgeTone; title?: string; children: ReactNode }) {
  return (
    <span className="fs-ai-badge" data-tone={tone} title={title}>
      {children}
    </span>
  );
}
