import { useId, useState, type KeyboardEvent, type ReactNode } from 'react';
import { Button } from '@fedstack/ui/button';

/** The most a message may hold (the server refuses longer ones). */
export const MAX_MESSAGE_CHARS = 32_000;

export interface ComposerProps {
  /** Sends the text; resolves whether it was accepted (the draft is cleared then). */
  onSend(content: string): Promise<boolean>;
  onStop(): void;
  /** An answer is being generated: Stop instead of Send. */
  streaming: boolean;
  /** A request is on its way. */
  busy: boolean;
  /** Shown beside the buttons (the model picker). */
  children?: ReactNode;
}

/**
 * Where the user writes. Enter sends, Shift+Enter starts a new line (and Enter while an
 * input method is composing does neither). While an answer is being generated, Stop
 * replaces Send and Enter sends nothing.
 */
export function Composer({ onSend, onStop, streaming, busy, children }: ComposerProps) {
  const [draft, setDraft] = useState('');
  const [sending, setSending] = useState(false);
  const hintId = useId();
  const tooLong = draft.length > MAX_MESSAGE_CHARS;
  const canSend = draft.trim() !== '' && !tooLong && !streaming && !busy && !sending;

  async function submit() {
    if (!canSend) return;
    setSending(true);
    try {
      if (await onSend(draft.trim())) setDraft('');
    } finally {
      setSending(false);
    }
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key !== 'Enter' || e.shiftKey || e.nativeEvent.isComposing || e.keyCode === 229) return;
    e.preventDefault();
    void submit();
  }

  return (
    <form
      className="fs-ai-composer"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <textarea
        aria-label="Message"
        aria-describedby={hintId}
        aria-invalid={tooLong || undefined}
        placeholder="Message the assistant…"
        rows={3}
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={onKeyDown}
      />
      <div className="fs-ai-composer-row">
        {children}
        <span id={hintId} className="fs-ai-hint" data-tone={tooLong ? 'error' : undefined}>
          {tooLong
            ? `Your message has ${draft.length.toLocaleString('en-US')} characters; the most is ${MAX_MESSAGE_CHARS.toLocaleString('en-US')}.`
            : 'Enter to send, Shift+Enter for a new line'}
        </span>
        {streaming ? (
          <Button variant="danger" onClick={onStop} disabled={busy}>
            Stop
          </Button>
        ) : (
          <Button type="submit" disabled={!canSend}>
            {sending ? 'Sending…' : 'Send'}
          </Button>
        )}
      </div>
    </form>
  );
}
