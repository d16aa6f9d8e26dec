import { useId, useState, type FormEvent } from 'react';
import { Button } from '@fedstack/ui/button';
import type { NewTodo } from '../hooks/use-todos.ts';
import { PRIORITIES, type Priority } from '../utils/priority.ts';
import { TagsField } from './tags-field.tsx';

export interface NewTodoFormProps {
  /** Resolves an error message, or undefined once added. */
  onAdd(todo: NewTodo): Promise<string | undefined>;
}

const MAX_TITLE = 500;

/**
 * TodoMVC's new-todo input: Enter (or "Add") adds the trimmed title; an empty one is
 * ignored. "More options" opens the due date, priority, tags and notes of the new todo.
 */
export function NewTodoForm({ onAdd }: NewTodoFormProps) {
  const [title, setTitle] = useState('');
  const [more, setMore] = useState(false);
  const [dueOn, setDueOn] = useState('');
  const [priority, setPriority] = useState<Priority>('NONE');
  const [tags, setTags] = useState<string[]>([]);
  const [notes, setNotes] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const id = useId();

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const trimmed = title.trim();
    if (!trimmed || busy) return;
    if (trimmed.length > MAX_TITLE) {
      setError(`At most ${MAX_TITLE} characters.`);
      return;
    }
    setBusy(true);
    setError(undefined);
    const todo: NewTodo = { title: trimmed };
    if (notes.trim()) todo.notes = notes.trim();
    if (dueOn) todo.dueOn = dueOn;
    if (priority !== 'NONE') todo.priority = priority;
    if (tags.length > 0) todo.tags = tags;
    const failure = await onAdd(todo);
    setBusy(false);
    if (failure) {
      setError(failure);
      return;
    }
    setTitle('');
    setDueOn('');
    setPriority('NONE');
    setTags([]);
    setNotes('');
  }

  return (
    <form onSubmit={submit} aria-label="Add a todo" style={{ marginBottom: 12 }}>
      <label htmlFor={`${id}-title`} style={{ fontWeight: 600, display: 'block', marginBottom: 4 }}>
        New todo
      </label>
      <div style={{ display: 'flex', gap: 8 }}>
        <input
          id={`${id}-title`}
          name="title"
          placeholder="What needs to be done?"
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          autoComplete="off"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
          style={{ flex: 1, font: 'inherit', padding: '6px 8px', border: '1px solid #d1d5db', borderRadius: 6 }}
        />
        <Button type="submit" disabled={busy}>
          Add
        </Button>
        <Button variant="secondary" aria-expanded={more} aria-controls={`${id}-more`} onClick={() => setMore((m) => !m)}>
          More options
        </Button>
      </div>
      {error ? (
        <p id={`${id}-error`} role="alert" style={{ color: '#dc2626', fontSize: 14, margin: '4px 0' }}>
          {error}
        </p>
      ) : null}
      <div id={`${id}-more`} hidden={!more} className="fs-todos-fields">
        <label>
          Due date
          <input type="date" value={dueOn} onChange={(e) => setDueOn(e.target.value)} />
        </label>
        <label>
          Priority
          <select value={priority} onChange={(e) => setPriority(e.target.value as Priority)}>
            {PRIORITIES.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
        <TagsField tags={tags} onChange={setTags} />
        <label className="fs-todos-wide">
          Notes
          <textarea rows={3} value={notes} maxLength={10000} onChange={(e) => setNotes(e.target.value)} />
        </label>
      </div>
    </form>
  );
}
