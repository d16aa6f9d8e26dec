import { formatInteger } from '../../../lib/format.ts';
import type { UseAiLimits } from '../hooks/use-ai-limits.ts';

const resetTime = (iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d.toLocaleTimeString('en-US', { hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
};

/** Messages left this minute and tokens used today, against the user's limits. */
export function LimitsPanel({ limits: state }: { limits: UseAiLimits }) {
  const { limits, error } = state;
  return (
    <section className="fs-ai-panel" aria-label="Your limits">
      <h3>Limits</h3>
      {error && !limits ? <p className="fs-ai-hint">Could not read your limits: {error}</p> : null}
      {limits ? (
        <dl className="fs-ai-limits">
          <dt>Messages left this minute</dt>
          <dd data-testid="messages-left">
            {limits.messagesPerMinute > 0
              ? `${formatInteger(limits.messagesLeft)} of ${formatInteger(limits.messagesPerMinute)}`
              : 'No limit'}
          </dd>
          <dt>Tokens today</dt>
          <dd data-testid="tokens-today">
            {limits.tokensPerDay > 0
              ? `${formatInteger(limits.tokensToday)} of ${formatInteger(limits.tokensPerDay)}`
              : `${formatInteger(limits.tokensToday)} (no daily limit)`}
          </dd>
          {limits.tokensPerDay > 0 ? (
            <>
              <dt>Count starts again</dt>
              <dd>{resetTime(limits.tokensResetAt)}</dd>
            </>
          ) : null}
        </dl>
      ) : null}
    </section>
  );
}
