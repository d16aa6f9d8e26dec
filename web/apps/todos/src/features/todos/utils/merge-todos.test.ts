import { describe, expect, it } from 'vitest';
import {
  applyTodoChange,
  initialTodoListState,
  todoListReducer,
  type Todo,
  type TodoChange,
} from './merge-todos.ts';

const ada = { id: 'u1', name: 'Ada' };
const todo = (id: string, createdAt: string, extra: Partial<Todo> = {}): Todo => ({
  id,
  title: `todo ${id}`,
  completed: false,
  createdAt,
  owner: ada,
  ...extra,
});
const a = todo('a', '2026-11-29T06:00:00Z');
const b = todo('b', '2026-11-29T06:01:00Z');
const c = todo('c', '2026-11-29T06:02:00Z');

describe('applyTodoChange', () => {
  it('adds a created todo in creation order', () => {
    expect(applyTodoChange([a, c], { kind: 'CREATED', todoId: 'b', todo: b })).toEqual([a, b, c]);
  });

  it('dedupes by id: the same todo twice shows once, the latest version wins', () => {
    const once = applyTodoChange([a], { kind: 'CREATED', todoId: 'b', todo: b });
    const twice = applyTodoChange(once, { kind: 'CREATED', todoId: 'b', todo: b });
    expect(twice).toEqual([a, b]);
    const done = { ...b, completed: true };
    expect(applyTodoChange(twice, { kind: 'UPDATED', todoId: 'b', todo: done })).toEqual([a, done]);
  });

  it('removes a deleted todo and ignores deletes of unknown ids', () => {
    expect(applyTodoChange([a, b], { kind: 'DELETED', todoId: 'a', todo: null })).toEqual([b]);
    expect(applyTodoChange([a, b], { kind: 'DELETED', todoId: 'zzz', todo: null })).toEqual([a, b]);
  });
});

describe('todoListReducer', () => {
  it('keeps changes that arrive before the first load and applies them on it', () => {
    const early: TodoChange[] = [
      { kind: 'CREATED', todoId: 'c', todo: c },
      { kind: 'DELETED', todoId: 'a', todo: null },
    ];
    let state = early.reduce((s, change) => todoListReducer(s, { type: 'changed', change }), initialTodoListState);
    expect(state.todos).toBeNull();
    state = todoListReducer(state, { type: 'loaded', todos: [b, a] });
    expect(state).toEqual({ todos: [b, c], pending: [] });
  });
});
