import { useCallback, useEffect, useState } from 'react';
import { useClient } from 'urql';
import { AiModelsDocument, type AiModelsQuery } from '../../../lib/gql/graphql.ts';
import { describeError } from '../../../lib/errors.ts';

export type AiModel = AiModelsQuery['aiModels'][number];

export interface UseAiModels {
  /** The models a user may choose (enabled ones), by id; null until loaded. */
  models: AiModel[] | null;
  /** The model new conversations use. */
  defaultModel: string | null;
  error: string | null;
  reload(): void;
}

/** The models to choose from (aiModels) and the default one (defaultAiModel). */
export function useAiModels(): UseAiModels {
  const client = useClient();
  const [state, setState] = useState<Omit<UseAiModels, 'reload'>>({ models: null, defaultModel: null, error: null });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    void client
      .query(AiModelsDocument, {}, { requestPolicy: 'network-only' })
      .toPromise()
      .then((result) => {
        if (!live) return;
        if (result.data) {
          setState({
            models: result.data.aiModels.filter((m) => m.enabled),
            defaultModel: result.data.defaultAiModel,
            error: null,
          });
        } else if (result.error) {
          setState((s) => ({ ...s, error: describeError(result.error!) }));
        }
      });
    return () => {
      live = false;
    };
  }, [client, attempt]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { ...state, reload };
}
