import type { Todo } from './todo-list-state.ts';

/** The fields a user edits; omitted ones stay as they are. */
export interface TodoPatch {
  title?: string;
  notes?: string;
  completed?: boolean;
  dueOn?: string | null;
  priority?: Todo['priority'];
  tags?: string[];
}

export type TodoField = keyof TodoPatch | 'position';

const same = (a: unknown, b: unknown) =>
  Array.isArray(a) && Array.isArray(b) ? a.length === b.length && a.every((x, i) => x === b[i]) : a === b;

/**
 * Whether someone else changed any of `fields` between `seen` (what the user's change was
 * based on) and `current`. When not, the user's change can be applied on top of theirs
 * without losing anything; when so, applying it would overwrite what they did.
 */
export function changedMeanwhile(seen: Todo, current: Todo, fields: readonly TodoField[]): boolean {
  return fields.some((f) => !same(seen[f], current[f]));
}

/** The fields of `draft` that differ from `todo` (an empty patch when nothing changed). */
export function diffPatch(todo: Todo, draft: Required<Omit<TodoPatch, 'completed'>>): TodoPatch {
  const patch: TodoPatch = {};
  if (draft.title.trim() !== todo.title) patch.title = draft.title.trim();
  if (draft.notes.trim() !== todo.notes) patch.notes = draft.notes.trim();
  if ((draft.dueOn || null) !== todo.dueOn) patch.dueOn = draft.dueOn || null;
  if (draft.priority !== todo.priority) patch.priority = draft.priority;
  if (!same(draft.tags, todo.tags)) patch.tags = draft.tags;
  return patch;
}
