import { useEffect, useState, type FormEvent } from 'react';
import { Button } from '@fedstack/ui/button';
import { PRIORITIES, type Priority } from '../utils/priority.ts';
import type { Todo } from '../utils/todo-list-state.ts';
import { diffPatch, type TodoPatch } from '../utils/todo-patch.ts';
import { TagsField } from './tags-field.tsx';

export interface TodoDetailsProps {
  /** The form's id (the toggle's aria-controls). */
  id: string;
  todo: Todo;
  /** Resolves whether the change was applied. */
  onSave(seen: Todo, patch: TodoPatch): Promise<boolean>;
  onClose(): void;
}

/**
 * Edits a todo's due date, priority, tags and notes. The change is made against the todo
 * as it was when the panel opened; if it could not be applied (someone changed the same
 * fields meanwhile) the panel stays open with the user's values, now based on the latest
 * todo, so saving again applies them knowingly.
 */
export function TodoDetails({ id, todo, onSave, onClose }: TodoDetailsProps) {
  const [seen, setSeen] = useState(todo);
  const [dueOn, setDueOn] = useState(todo.dueOn ?? '');
  const [priority, setPriority] = useState<Priority>(todo.priority);
  const [tags, setTags] = useState<string[]>(todo.tags);
  const [notes, setNotes] = useState(todo.notes);
  const [busy, setBusy] = useState(false);
  // After a change that was not applied: the next save is based on the todo as it is now.
  const [rebase, setRebase] = useState(false);
  useEffect(() => {
    if (rebase) {
      setSeen(todo);
      setRebase(false);
    }
  }, [rebase, todo]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const patch = diffPatch(seen, { title: seen.title, notes, dueOn: dueOn || null, priority, tags });
    if (Object.keys(patch).length === 0) {
      onClose();
      return;
    }
    setBusy(true);
    const applied = await onSave(seen, patch);
    setBusy(false);
    if (applied) onClose();
    else setRebase(true);
  }

  return (
    <form onSubmit={submit} aria-label={`Details of "${todo.title}"`} id={id} className="fs-todos-details">
      <div className="fs-todos-fields">
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
          <textarea rows={4} value={notes} maxLength={10000} onChange={(e) => setNotes(e.target.value)} />
        </label>
      </div>
      <div style={{ display: 'flex', gap: 8 }}>
        <Button type="submit" disabled={busy}>
          Save details
        </Button>
        <Button variant="secondary" onClick={onClose}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
