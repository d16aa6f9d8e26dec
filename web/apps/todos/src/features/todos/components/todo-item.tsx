import { useEffect, useId, useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import { formatDay, isOverdue } from '../utils/dates.ts';
import { priorityLabel } from '../utils/priority.ts';
import type { Todo } from '../utils/todo-list-state.ts';
import type { TodoPatch } from '../utils/todo-patch.ts';
import { TodoDetails } from './todo-details.tsx';

/** Drag-and-drop wiring the list hands to each item. */
export interface TodoItemDrag {
  dragging: boolean;
  drop: 'before' | 'after' | null;
  onDragStart(e: DragEvent<HTMLElement>): void;
  onDragEnd(): void;
  onDragOver(e: DragEvent<HTMLElement>): void;
  onDragLeave(): void;
  onDrop(e: DragEvent<HTMLElement>): void;
}

export interface TodoItemProps {
  todo: Todo;
  /** Today as YYYY-MM-DD (the user's time zone), for "overdue". */
  today: string;
  canMoveUp: boolean;
  canMoveDown: boolean;
  drag?: TodoItemDrag;
  onToggle(seen: Todo): void;
  onDelete(seen: Todo): void;
  /** Resolves whether the change was applied. */
  onUpdate(seen: Todo, patch: TodoPatch): Promise<boolean>;
  onMoveUp(seen: Todo): void;
  onMoveDown(seen: Todo): void;
}

/**
 * One todo, TodoMVC style: a checkbox, the title (double-click, or "Rename", edits it in
 * place: Enter saves, Escape cancels, leaving the field saves, an empty title deletes) and
 * a delete button shown on hover or focus. Around it: a drag handle (arrow keys move it
 * too), move up/down buttons, due date (marked when overdue), priority, tags, and
 * expandable notes and details.
 */
export function TodoItem(props: TodoItemProps) {
  const { todo, today, canMoveUp, canMoveDown, drag, onToggle, onDelete, onUpdate, onMoveUp, onMoveDown } = props;
  // The edit session keeps the todo as it was when editing began: the change is made
  // against that version, even if a live update arrives meanwhile.
  const [editing, setEditing] = useState<{ seen: Todo; draft: string } | null>(null);
  const session = useRef<Todo | null>(null);
  const [detailsOpen, setDetailsOpen] = useState(false);
  const [notesOpen, setNotesOpen] = useState(false);
  const editInput = useRef<HTMLInputElement>(null);
  const renameButton = useRef<HTMLButtonElement>(null);
  const refocus = useRef(false);
  const id = useId();
  const name = `"${todo.title}"`;

  useEffect(() => {
    if (editing && document.activeElement !== editInput.current) {
      editInput.current?.focus();
      const end = editInput.current?.value.length ?? 0;
      editInput.current?.setSelectionRange(end, end);
    }
    if (!editing && refocus.current) {
      refocus.current = false;
      renameButton.current?.focus();
    }
  }, [editing]);

  const startEditing = () => {
    session.current = todo;
    setEditing({ seen: todo, draft: todo.title });
  };

  const finish = (save: boolean, focusAfter: boolean) => {
    const seen = session.current;
    if (!seen || !editing) return;
    session.current = null;
    refocus.current = focusAfter;
    const title = editing.draft.trim();
    setEditing(null);
    if (!save || title === seen.title) return;
    if (!title) onDelete(seen);
    else void onUpdate(seen, { title });
  };

  const onEditKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      finish(true, true);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      finish(false, true);
    }
  };

  const onHandleKey = (e: KeyboardEvent<HTMLButtonElement>) => {
    if (e.key === 'ArrowUp' && canMoveUp) {
      e.preventDefault();
      onMoveUp(todo);
    } else if (e.key === 'ArrowDown' && canMoveDown) {
      e.preventDefault();
      onMoveDown(todo);
    }
  };

  const overdue = isOverdue(todo, today);
  const hasMeta = todo.dueOn !== null || todo.priority !== 'NONE' || todo.tags.length > 0 || todo.notes !== '';

  return (
    <li
      data-testid="todo-item"
      className="fs-todos-item"
      data-completed={todo.completed}
      data-dragging={drag?.dragging ? 'true' : undefined}
      data-drop={drag?.drop ?? undefined}
      onDragOver={drag?.onDragOver}
      onDragLeave={drag?.onDragLeave}
      onDrop={drag?.onDrop}
    >
      <div className="fs-todos-row">
        <button
          type="button"
          className="fs-todos-handle"
          draggable={drag ? true : undefined}
          onDragStart={drag?.onDragStart}
          onDragEnd={drag?.onDragEnd}
          onKeyDown={onHandleKey}
          aria-label={`Reorder ${name}`}
          title="Drag to reorder, or use the arrow keys"
        >
          ⠿
        </button>
        <input
          type="checkbox"
          checked={todo.completed}
          onChange={() => onToggle(todo)}
          aria-label={`Mark ${name} as ${todo.completed ? 'not done' : 'done'}`}
        />
        {editing ? (
          <input
            ref={editInput}
            className="fs-todos-edit"
            aria-label={`Edit "${editing.seen.title}"`}
            value={editing.draft}
            maxLength={500}
            onChange={(e) => setEditing({ ...editing, draft: e.target.value })}
            onKeyDown={onEditKey}
            onBlur={() => finish(true, false)}
          />
        ) : (
          <>
            <span className="fs-todos-title" onDoubleClick={startEditing}>
              {todo.title}
            </span>
            {/* owner comes from the auth subgraph; the schema lets it be null when auth is down */}
            <span style={{ color: '#6b7280', fontSize: 14 }}>{todo.owner ? `by ${todo.owner.name}` : 'owner unavailable'}</span>
            <button ref={renameButton} type="button" className="fs-todos-icon fs-todos-hover" onClick={startEditing} aria-label={`Rename ${name}`}>
              ✎
            </button>
          </>
        )}
        <button
          type="button"
          className="fs-todos-icon"
          aria-expanded={detailsOpen}
          aria-controls={`${id}-details`}
          onClick={() => setDetailsOpen((o) => !o)}
          aria-label={`Details of ${name}`}
        >
          {detailsOpen ? '▴' : '▾'}
        </button>
        <button type="button" className="fs-todos-icon fs-todos-hover" disabled={!canMoveUp} onClick={() => onMoveUp(todo)} aria-label={`Move ${name} up`}>
          ↑
        </button>
        <button
          type="button"
          className="fs-todos-icon fs-todos-hover"
          disabled={!canMoveDown}
          onClick={() => onMoveDown(todo)}
          aria-label={`Move ${name} down`}
        >
          ↓
        </button>
        <button type="button" className="fs-todos-icon fs-todos-hover fs-todos-destroy" onClick={() => onDelete(todo)} aria-label={`Delete ${name}`}>
          ×
        </button>
      </div>
      {hasMeta ? (
        <div className="fs-todos-meta">
          {todo.dueOn ? (
            <span className="fs-todos-badge" data-tone={overdue ? 'overdue' : undefined}>
              {overdue ? 'Overdue: due ' : 'Due '}
              <time dateTime={todo.dueOn}>{formatDay(todo.dueOn)}</time>
            </span>
          ) : null}
          {todo.priority !== 'NONE' ? (
            <span className="fs-todos-badge" data-tone={todo.priority}>
              {priorityLabel(todo.priority)} priority
            </span>
          ) : null}
          {todo.tags.length > 0 ? (
            <ul className="fs-todos-chips" aria-label={`Tags of ${name}`}>
              {todo.tags.map((tag) => (
                <li key={tag} className="fs-todos-chip">
                  {tag}
                </li>
              ))}
            </ul>
          ) : null}
          {todo.notes ? (
            <button
              type="button"
              className="fs-todos-icon"
              aria-expanded={notesOpen}
              aria-controls={`${id}-notes`}
              onClick={() => setNotesOpen((o) => !o)}
              aria-label={`${notesOpen ? 'Hide' : 'Show'} notes of ${name}`}
            >
              {notesOpen ? 'Hide notes' : 'Show notes'}
            </button>
          ) : null}
        </div>
      ) : null}
      {todo.notes && notesOpen ? (
        <p id={`${id}-notes`} className="fs-todos-notes">
          {todo.notes}
        </p>
      ) : null}
      {detailsOpen ? (
        <TodoDetails id={`${id}-details`} todo={todo} onSave={onUpdate} onClose={() => setDetailsOpen(false)} />
      ) : null}
    </li>
  );
}
