import { useState, type DragEvent } from 'react';
import type { Todo } from '../utils/todo-list-state.ts';
import type { TodoPatch } from '../utils/todo-patch.ts';
import { TodoItem } from './todo-item.tsx';

export interface TodoListProps {
  todos: readonly Todo[];
  /** More todos follow the shown ones (not loaded yet). */
  hasNextPage: boolean;
  today: string;
  onToggle(seen: Todo): void;
  onDelete(seen: Todo): void;
  onUpdate(seen: Todo, patch: TodoPatch): Promise<boolean>;
  /** Moves `seen` between two todos (null: to that end of the list). */
  onMove(seen: Todo, afterId: string | null, beforeId: string | null): void;
}

/** Where a move puts a todo: between `afterId` and `beforeId`, or nowhere (unknown neighbour). */
type Slot = { afterId: string | null; beforeId: string | null } | null;

/**
 * The list, in list order, with reordering: drag a todo by its handle onto another (it
 * lands before or after it, in the direction it was dragged), or move it one step with
 * the buttons or the arrow keys on the handle.
 */
export function TodoList({ todos, hasNextPage, today, onToggle, onDelete, onUpdate, onMove }: TodoListProps) {
  const [draggingId, setDraggingId] = useState<string | null>(null);
  const [over, setOver] = useState<{ id: string; side: 'before' | 'after' } | null>(null);

  // Just before todos[i] / just after todos[i]. After the last loaded todo, while more
  // follow, the next neighbour is unknown: no slot.
  const before = (i: number): Slot => ({ afterId: todos[i - 1]?.id ?? null, beforeId: todos[i]!.id });
  const after = (i: number): Slot => {
    const next = todos[i + 1];
    if (!next && hasNextPage) return null;
    return { afterId: todos[i]!.id, beforeId: next?.id ?? null };
  };

  const slotUp = (i: number): Slot => (i > 0 ? before(i - 1) : null);
  const slotDown = (i: number): Slot => (i < todos.length - 1 ? after(i + 1) : null);
  const slotDrop = (from: number, to: number): Slot => (from === to || from < 0 ? null : from < to ? after(to) : before(to));

  const move = (todo: Todo, slot: Slot) => {
    if (slot) onMove(todo, slot.afterId, slot.beforeId);
  };

  const endDrag = () => {
    setDraggingId(null);
    setOver(null);
  };

  const dragFor = (todo: Todo, index: number) => ({
    dragging: draggingId === todo.id,
    drop: over?.id === todo.id ? over.side : null,
    onDragStart(e: DragEvent<HTMLElement>) {
      setDraggingId(todo.id);
      if (e.dataTransfer) {
        e.dataTransfer.effectAllowed = 'move';
        e.dataTransfer.setData('text/plain', todo.title);
      }
    },
    onDragEnd: endDrag,
    onDragOver(e: DragEvent<HTMLElement>) {
      if (!draggingId) return;
      const from = todos.findIndex((t) => t.id === draggingId);
      if (!slotDrop(from, index)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'move';
      const side = from < index ? 'after' : 'before';
      if (over?.id !== todo.id || over.side !== side) setOver({ id: todo.id, side });
    },
    onDragLeave() {
      if (over?.id === todo.id) setOver(null);
    },
    onDrop(e: DragEvent<HTMLElement>) {
      e.preventDefault();
      const dragged = todos.find((t) => t.id === draggingId);
      const from = todos.findIndex((t) => t.id === draggingId);
      endDrag();
      if (dragged) move(dragged, slotDrop(from, index));
    },
  });

  return (
    <ul aria-label="Todos" className="fs-todos-list">
      {todos.map((todo, i) => (
        <TodoItem
          key={todo.id}
          todo={todo}
          today={today}
          canMoveUp={slotUp(i) !== null}
          canMoveDown={slotDown(i) !== null}
          drag={dragFor(todo, i)}
          onToggle={onToggle}
          onDelete={onDelete}
          onUpdate={onUpdate}
          onMoveUp={(t) => move(t, slotUp(i))}
          onMoveDown={(t) => move(t, slotDown(i))}
        />
      ))}
    </ul>
  );
}
