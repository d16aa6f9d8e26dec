import { useState } from 'react';
import { Link } from 'react-router';
import { ConfirmButton } from '../../../components/confirm-button.tsx';
import { formatWhen } from '../../../lib/format.ts';
import type { ConversationSummary } from '../utils/conversation-list.ts';
import { snippetParts } from '../utils/conversation-list.ts';

export interface ConversationItemProps {
  conversation: ConversationSummary;
  href: string;
  selected: boolean;
  /** A search result's snippet, with the matched words between « and ». */
  snippet?: string | undefined;
  /** Resolves an error message, or null once renamed. */
  onRename(title: string): Promise<string | null>;
  onDelete(): void;
}

const MAX_TITLE = 200;

function RenameForm({ initial, onSave, onDone }: { initial: string; onSave(title: string): Promise<string | null>; onDone(): void }) {
  const [title, setTitle] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const trimmed = title.trim();
  async function save() {
    if (!trimmed) return setError('A title needs at least one character.');
    if (trimmed.length > MAX_TITLE) return setError(`A title has at most ${MAX_TITLE} characters.`);
    if (trimmed === initial) return onDone();
    setSaving(true);
    const failed = await onSave(trimmed);
    setSaving(false);
    if (failed) setError(failed);
    else onDone();
  }
  return (
    <form
      className="fs-ai-rename"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <input
        aria-label="New title"
        value={title}
        autoFocus
        aria-invalid={error ? true : undefined}
        onChange={(e) => {
          setTitle(e.target.value);
          setError(null);
        }}
        onKeyDown={(e) => e.key === 'Escape' && onDone()}
      />
      <button type="submit" className="fs-ai-link-button" disabled={saving}>
        Save
      </button>
      <button type="button" className="fs-ai-link-button" onClick={onDone}>
        Cancel
      </button>
      {error ? (
        <span role="alert" className="fs-ai-field-error">
          {error}
        </span>
      ) : null}
    </form>
  );
}

/** One conversation in the list: its link, and rename and delete. */
export function ConversationItem({ conversation, href, selected, snippet, onRename, onDelete }: ConversationItemProps) {
  const [renaming, setRenaming] = useState(false);
  return (
    <li className="fs-ai-conversation" data-selected={selected || undefined} data-testid="conversation">
      {renaming ? (
        <RenameForm initial={conversation.title} onSave={onRename} onDone={() => setRenaming(false)} />
      ) : (
        <>
          <Link to={href} aria-current={selected ? 'page' : undefined} className="fs-ai-conversation-link">
            <span className="fs-ai-conversation-title">{conversation.title}</span>
            <span className="fs-ai-hint">{formatWhen(conversation.updatedAt)}</span>
          </Link>
          {snippet ? (
            <p className="fs-ai-snippet">
              {snippetParts(snippet).map((p, i) => (p.match ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>))}
            </p>
          ) : null}
          <div className="fs-ai-actions fs-ai-hover">
            <button type="button" className="fs-ai-link-button" aria-label={`Rename "${conversation.title}"`} onClick={() => setRenaming(true)}>
              Rename
            </button>
            <ConfirmButton
              label="Delete"
              name={`Delete "${conversation.title}"`}
              question={`Delete "${conversation.title}"?`}
              onConfirm={onDelete}
            />
          </div>
        </>
      )}
    </li>
  );
}
