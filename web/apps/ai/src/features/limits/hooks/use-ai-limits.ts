import { useCallback, useEffect, useRef, useState } from 'react';
import { useClient } from 'urql';
import { AiLimitsDocument, type AiLimitsQuery } from '../../../lib/gql/graphql.ts';
import { describeError } from '../../../lib/errors.ts';

export type AiLimits = AiLimitsQuery['aiLimits'];

export interface UseAiLimits {
  limits: AiLimits | null;
  error: string | null;
  /** Reads the limits again (after a message, an answer, a refusal). */
  refresh(): void;
}

/**
 * The user's limits and what is left of them. Read at start, on refresh(), and every
 * `everyMs` (default 30 s) so "messages left this minute" comes back up by itself.
 */
export function useAiLimits({ everyMs = 30_000 }: { everyMs?: number } = {}): UseAiLimits {
  const client = useClient();
  const [limits, setLimits] = useState<AiLimits | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reads = useRef(0);

  const refresh = useCallback(() => {
    const n = ++reads.current;
    void client
      .query(AiLimitsDocument, {}, { requestPolicy: 'network-only' })
      .toPromise()
      .then((result) => {
        if (n !== reads.current) return;
        if (result.data) {
          setLimits(result.data.aiLimits);
          setError(null);
        } else if (result.error) setError(describeError(result.error));
      });
  }, [client]);

  useEffect(() => {
    refresh();
    if (everyMs <= 0) return;
    const timer = setInterval(refresh, everyMs);
    return () => clearInterval(timer);
  }, [refresh, everyMs]);

  return { limits, error, refresh };
}
