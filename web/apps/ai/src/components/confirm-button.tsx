import { useState } from 'react';

export interface ConfirmButtonProps {
  /** The button's text, e.g. "Delete". */
  label: string;
  /** Its accessible name when it differs from the label, e.g. 'Delete "Trip plans"'. */
  name?: string;
  /** The question asked before acting, e.g. 'Delete "Trip plans"?'. */
  question: string;
  /** What the confirming button says (default: the label). */
  confirmLabel?: string;
  disabled?: boolean;
  onConfirm(): void;
}

/** A destructive action that asks once more in place before it happens. */
export function ConfirmButton({ label, name, question, confirmLabel, disabled, onConfirm }: ConfirmButtonProps) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" className="fs-ai-link-button" data-tone="danger" aria-label={name} disabled={disabled} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <span role="group" aria-label={question} className="fs-ai-confirm">
      <span>{question}</span>
      <button
        type="button"
        className="fs-ai-link-button"
        data-tone="danger"
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel ?? label}
      </button>
      <button type="button" className="fs-ai-link-button" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
