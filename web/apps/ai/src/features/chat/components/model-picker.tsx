import { useId } from 'react';
import { Badge } from '../../../components/badge.tsx';
import type { AiModel } from '../hooks/use-ai-models.ts';

export interface ModelPickerProps {
  models: AiModel[] | null;
  /** The model that will answer (id). */
  value: string | null;
  onChange(model: string): void;
  disabled?: boolean;
}

const OFFLINE_HINT = 'The built-in offline model runs without a network: its answers are canned and limited.';

/** The model's name as listed, saying "offline" when its display name does not. */
export function modelLabel(model: AiModel): string {
  return model.offline && !/offline/i.test(model.displayName) ? `${model.displayName} (offline)` : model.displayName;
}

/** Chooses the model that answers the next message; the offline model is marked as such. */
export function ModelPicker({ models, value, onChange, disabled }: ModelPickerProps) {
  const id = useId();
  const chosen = models?.find((m) => m.id === value) ?? null;
  const list = models ?? [];
  // A conversation's model that is no longer offered still shows as chosen.
  const unknown = value && !chosen ? value : null;
  return (
    <span className="fs-ai-model">
      <label htmlFor={id}>Model</label>
      <select id={id} value={value ?? ''} onChange={(e) => onChange(e.target.value)} disabled={disabled || list.length === 0}>
        {value === null ? <option value="">Loading models…</option> : null}
        {unknown ? <option value={unknown}>{unknown} (no longer offered)</option> : null}
        {list.map((m) => (
          <option key={m.id} value={m.id}>
            {modelLabel(m)}
          </option>
        ))}
      </select>
      {chosen?.offline ? (
        <Badge tone="offline" title={OFFLINE_HINT}>
          offline
        </Badge>
      ) : null}
    </span>
  );
}
