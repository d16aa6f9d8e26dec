import type { TodoChangedSubscription, TodosQuery } from '../../../lib/gql/graphql.ts';

export type Todo = TodosQuery['todos'][number];
export type TodoChange = TodoChangedSubscription['todoChanged'];

/** Oldest first, as the server lists them; ties broken by id so the order is stable. */
const byCreation = (a: Todo, b: Todo) =>
  a.createdAt === b.createdAt ? a.id.localeCompare(b.id) : a.createdAt < b.createdAt ? -1 : 1;

/** Inserts or replaces a todo by id (a todo seen twice, e.g. from the mutation and the subscription, shows once). */
export function upsertTodo(todos: readonly Todo[], todo: Todo): Todo[] {
  const rest = todos.filter((t) => t.id !== todo.id);
  return [...rest, todo].sort(byCreation);
}

export function removeTodo(todos: readonly Todo[], id: string): Todo[] {
  return todos.some((t) => t.id === id) ? todos.filter((t) => t.id !== id) : [...todos];
}

/** Applies one live change to the list; idempotent, so replays and duplicates are harmless. */
export function applyTodoChange(todos: readonly Todo[], change: TodoChange): Todo[] {
  if (change.kind === 'DELETED' || !change.todo) return removeTodo(todos, change.todoId);
  return upsertTodo(todos, change.todo);
}

export interface TodoListState {
  /** null until the first load. */
  todos: Todo[] | null;
  /** Changes seen before the first load, applied on top of it. */
  pending: TodoChange[];
}

export type TodoListAction =
  | { type: 'loaded'; todos: readonly Todo[] }
  | { type: 'changed'; change: TodoChange };

export const initialTodoListState: TodoListState = { todos: null, pending: [] };

export function todoListReducer(state: TodoListState, action: TodoListAction): TodoListState {
  switch (action.type) {
    case 'loaded': {
      const loaded = [...action.todos].sort(byCreation);
      return { todos: state.pending.reduce(applyTodoChange, loaded), pending: [] };
    }
    case 'changed':
      if (state.todos === null) return { ...state, pending: [...state.pending, action.change] };
      return { ...state, todos: applyTodoChange(state.todos, action.change) };
  }
}
