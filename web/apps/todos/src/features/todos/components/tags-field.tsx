import { useId, useState, type KeyboardEvent } from 'react';

export interface TagsFieldProps {
  tags: readonly string[];
  onChange(tags: string[]): void;
  /** Label of the whole field (default "Tags"). */
  label?: string;
}

const MAX_TAGS = 20;
const MAX_TAG_LENGTH = 40;

/** Adds the tags in `text` (comma-separated) to `tags`, skipping duplicates (ignoring case). */
export function addTags(tags: readonly string[], text: string): string[] {
  const out = [...tags];
  for (const raw of text.split(',')) {
    const tag = raw.trim().slice(0, MAX_TAG_LENGTH);
    if (tag && !out.some((t) => t.toLowerCase() === tag.toLowerCase()) && out.length < MAX_TAGS) out.push(tag);
  }
  return out;
}

/** Tags as removable chips, and a text box that adds one on Enter or comma. */
export function TagsField({ tags, onChange, label = 'Tags' }: TagsFieldProps) {
  const [draft, setDraft] = useState('');
  const id = useId();

  const commit = () => {
    if (!draft.trim()) return;
    onChange(addTags(tags, draft));
    setDraft('');
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter' || e.key === ',') {
      // Enter adds the tag; it does not submit the surrounding form.
      e.preventDefault();
      commit();
    } else if (e.key === 'Backspace' && draft === '' && tags.length > 0) {
      onChange(tags.slice(0, -1));
    }
  };

  return (
    <div role="group" aria-labelledby={`${id}-label`} className="fs-todos-wide">
      <span id={`${id}-label`} style={{ fontWeight: 600, fontSize: 14 }}>
        {label}
      </span>
      <div style={{ display: 'flex', flexWrap: 'wrap', gap: 6, alignItems: 'center', marginTop: 4 }}>
        {tags.length > 0 ? (
          <ul className="fs-todos-chips" aria-label={label}>
            {tags.map((tag) => (
              <li key={tag} className="fs-todos-chip">
                {tag}
                <button
                  type="button"
                  className="fs-todos-icon"
                  aria-label={`Remove tag ${tag}`}
                  onClick={() => onChange(tags.filter((t) => t !== tag))}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        ) : null}
        <input
          aria-label="Add a tag"
          placeholder={tags.length >= MAX_TAGS ? 'At most 20 tags' : 'Add a tag, then Enter'}
          value={draft}
          maxLength={MAX_TAG_LENGTH}
          disabled={tags.length >= MAX_TAGS}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={onKeyDown}
          onBlur={commit}
          style={{ font: 'inherit', padding: '4px 6px', border: '1px solid #d1d5db', borderRadius: 6, minWidth: 140 }}
        />
      </div>
    </div>
  );
}
