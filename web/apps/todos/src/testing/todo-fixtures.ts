import type { Todo, TodoChange } from '../features/todos/utils/todo-list-state.ts';

export const ada = { id: 'u1', name: 'Ada Lovelace' };

let serial = 0;

/** A todo as the server would send it; ids are 24 hex digits, positions grow with `n`. */
export function makeTodo(n: number, extra: Partial<Todo> = {}): Todo {
  const hex = n.toString(16).padStart(24, '0');
  return {
    id: hex,
    title: `todo ${n}`,
    notes: '',
    completed: false,
    completedAt: null,
    dueOn: null,
    priority: 'NONE',
    tags: [],
    position: `0${n.toString(36).padStart(3, '0')}i`,
    version: 1,
    createdAt: '2026-11-29T06:00:00Z',
    updatedAt: '2026-11-29T06:00:00Z',
    owner: ada,
    ...extra,
  };
}

/** A live change with a fresh cursor. */
export function change(kind: TodoChange['kind'], fields: Partial<TodoChange> = {}): TodoChange {
  serial++;
  return {
    cursor: `c${serial}`,
    kind,
    todoId: fields.todo?.id ?? null,
    todo: null,
    todos: [],
    deletedIds: [],
    at: '2026-11-29T06:00:00Z',
    ...fields,
  };
}

/** The `todos` query's answer for a page. */
export const page = (nodes: Todo[], endCursor: string | null = null, hasNextPage = false) => ({
  data: { todos: { nodes, pageInfo: { endCursor, hasNextPage } } },
});

export const countsOf = (todos: readonly Todo[]) => ({
  data: {
    todoCounts: {
      all: todos.length,
      active: todos.filter((t) => !t.completed).length,
      completed: todos.filter((t) => t.completed).length,
    },
  },
});
