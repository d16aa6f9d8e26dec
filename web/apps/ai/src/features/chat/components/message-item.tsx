import { useState, type KeyboardEvent } from 'react';
import { Button } from '@fedstack/ui/button';
import { Badge } from '../../../components/badge.tsx';
import type { AiModel } from '../hooks/use-ai-models.ts';
import type { ChatMessage } from '../utils/chat-state.ts';
import { AnswerMeta } from './answer-meta.tsx';
import { MAX_MESSAGE_CHARS } from './composer.tsx';
import { MarkdownText } from './markdown-text.tsx';
import { modelLabel } from './model-picker.tsx';

export interface MessageItemProps {
  message: ChatMessage;
  /** The model of the answer, when it is one the user can see. */
  model: AiModel | null;
  /** Offered on the last answer: generate it again. */
  onRegenerate?: (() => void) | undefined;
  /** Offered on the user's last message: change it and get a new answer. */
  onEdit?: ((content: string) => Promise<boolean>) | undefined;
  /** Actions are shown but cannot be used (an answer is being generated, a request is on its way). */
  locked: boolean;
}

function EditForm({ initial, onSave, onCancel }: { initial: string; onSave(content: string): Promise<boolean>; onCancel(): void }) {
  const [draft, setDraft] = useState(initial);
  const [saving, setSaving] = useState(false);
  const ok = draft.trim() !== '' && draft.length <= MAX_MESSAGE_CHARS && !saving;
  async function save() {
    if (!ok) return;
    setSaving(true);
    const done = await onSave(draft.trim());
    setSaving(false);
    if (done) onCancel();
  }
  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === 'Escape') onCancel();
    if (e.key !== 'Enter' || e.shiftKey || e.nativeEvent.isComposing) return;
    e.preventDefault();
    void save();
  }
  return (
    <form
      className="fs-ai-edit"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <textarea aria-label="Edit your message" rows={3} value={draft} autoFocus onChange={(e) => setDraft(e.target.value)} onKeyDown={onKeyDown} />
      <div className="fs-ai-actions">
        <Button type="submit" disabled={!ok}>
          {saving ? 'Sending…' : 'Save and send'}
        </Button>
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

/** One message: the user's as written, an answer as formatted text with how it ended. */
export function MessageItem({ message, model, onRegenerate, onEdit, locked }: MessageItemProps) {
  const [editing, setEditing] = useState(false);
  const user = message.role === 'USER';
  return (
    <li className="fs-ai-message" data-role={message.role.toLowerCase()} data-testid="message" aria-label={user ? 'Your message' : 'Answer'}>
      <div className="fs-ai-message-head">
        <span className="fs-ai-author">{user ? 'You' : 'Assistant'}</span>
        {!user && message.model ? <span className="fs-ai-model-name">{model ? modelLabel(model) : message.model}</span> : null}
        {!user && model?.offline ? <Badge tone="offline">offline</Badge> : null}
      </div>
      {user ? (
        editing && onEdit ? (
          <EditForm initial={message.content} onSave={onEdit} onCancel={() => setEditing(false)} />
        ) : (
          <div className="fs-ai-user-text">{message.content}</div>
        )
      ) : message.content ? (
        <MarkdownText text={message.content} />
      ) : message.state === 'STREAMING' ? null : (
        <p className="fs-ai-empty">(no text)</p>
      )}
      {!user ? <AnswerMeta message={message} /> : null}
      {(onEdit && !editing) || onRegenerate ? (
        <div className="fs-ai-actions">
          {onEdit && !editing ? (
            <button type="button" className="fs-ai-link-button" disabled={locked} onClick={() => setEditing(true)}>
              Edit
            </button>
          ) : null}
          {onRegenerate ? (
            <button type="button" className="fs-ai-link-button" disabled={locked} onClick={onRegenerate}>
              Regenerate
            </button>
          ) : null}
        </div>
      ) : null}
    </li>
  );
}
