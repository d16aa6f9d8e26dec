import { useEffect, useState } from 'react';
import { waitWords } from '../../../lib/errors.ts';

/** "You can send again in 42 seconds", counting down; "You can send again now" at the end. */
export function RetryCountdown({ retryAt, onReady }: { retryAt: number; onReady?: () => void }) {
  const [now, setNow] = useState(() => Date.now());
  const left = Math.ceil((retryAt - now) / 1000);
  useEffect(() => {
    if (left <= 0) {
      onReady?.();
      return;
    }
    const timer = setTimeout(() => setNow(Date.now()), Math.min(1000, retryAt - Date.now()));
    return () => clearTimeout(timer);
  }, [left, retryAt, onReady]);
  return <span>{left > 0 ? `You can send again in ${waitWords(left)}.` : 'You can send again now.'}</span>;
}
