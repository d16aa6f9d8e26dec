import { describe, expect, it } from 'vitest';
import { change, makeTodo } from '../../../testing/todo-fixtures.ts';
import {
  compareKeys,
  initialTodoListState,
  observationOf,
  todoListReducer,
  visibleTodos,
  type TodoListAction,
  type TodoListState,
} from './todo-list-state.ts';

const a = makeTodo(1);
const b = makeTodo(2);
const c = makeTodo(3);
const d = makeTodo(4);

const run = (actions: TodoListAction[], state: TodoListState = initialTodoListState('ALL')) =>
  actions.reduce(todoListReducer, state);
const loaded = (nodes = [a, b, c], hasNextPage = false, filter: 'ALL' | 'ACTIVE' | 'COMPLETED' = 'ALL') =>
  run([{ type: 'page', filter, first: true, nodes, pageInfo: { endCursor: 'e1', hasNextPage } }], initialTodoListState(filter));
const observed = (todos: typeof a[], removedIds: string[] = []): TodoListAction => ({
  type: 'observed',
  observation: { todos, removedIds },
});
const titles = (s: TodoListState) => visibleTodos(s).map((t) => t.title);

describe('compareKeys', () => {
  it('orders by position, byte-wise, then by id', () => {
    expect(compareKeys({ position: '0a', id: 'z' }, { position: '0b', id: 'a' })).toBe(-1);
    expect(compareKeys({ position: 'z', id: 'a' }, { position: '0', id: 'b' })).toBe(1);
    expect(compareKeys({ position: 'm', id: 'a' }, { position: 'm', id: 'b' })).toBe(-1);
    expect(compareKeys({ position: 'm', id: 'a' }, { position: 'm', id: 'a' })).toBe(0);
    // a shorter key that is a prefix sorts first, as the server compares
    expect(compareKeys({ position: 'h', id: 'x' }, { position: 'hi', id: 'a' })).toBe(-1);
  });
});

describe('todoListReducer', () => {
  it('shows the loaded page in list order (position), whatever order it came in', () => {
    const moved = { ...a, position: '0zzzi' };
    expect(titles(loaded([moved, c, b]))).toEqual(['todo 2', 'todo 3', 'todo 1']);
  });

  it('applies changes by version: an older todo than the one shown is ignored, equal or newer replaces', () => {
    let s = loaded();
    s = todoListReducer(s, observed([{ ...b, title: 'new b', version: 3 }]));
    s = todoListReducer(s, observed([{ ...b, title: 'stale b', version: 2 }]));
    expect(titles(s)).toEqual(['todo 1', 'new b', 'todo 3']);
    s = todoListReducer(s, observed([{ ...b, title: 'new b', version: 3 }]));
    expect(titles(s)).toEqual(['todo 1', 'new b', 'todo 3']);
  });

  it('never brings back a deleted todo, even if a late change or page mentions it', () => {
    let s = loaded();
    s = todoListReducer(s, observed([], [b.id]));
    s = todoListReducer(s, observed([{ ...b, version: 9 }]));
    expect(titles(s)).toEqual(['todo 1', 'todo 3']);
    s = todoListReducer(s, { type: 'page', filter: 'ALL', first: true, nodes: [a, b, c], pageInfo: { endCursor: null, hasNextPage: false } });
    expect(titles(s)).toEqual(['todo 1', 'todo 3']);
  });

  it('keeps changes seen while the first page loads and replays them on top of it', () => {
    let s = run([observed([{ ...c, completed: true, version: 2 }]), observed([], [a.id]), observed([d])]);
    expect(s.loaded).toBe(false);
    s = todoListReducer(s, { type: 'page', filter: 'ALL', first: true, nodes: [a, b, c], pageInfo: { endCursor: null, hasNextPage: false } });
    expect(visibleTodos(s).map((t) => [t.title, t.completed])).toEqual([
      ['todo 2', false],
      ['todo 3', true],
      ['todo 4', false],
    ]);
    expect(s.pending).toEqual([]);
  });

  it('a page older than a change already seen does not roll the todo back', () => {
    let s = run([{ type: 'reset', filter: 'ALL' }, observed([{ ...a, title: 'renamed', version: 2 }])], loaded());
    s = todoListReducer(s, { type: 'page', filter: 'ALL', first: true, nodes: [a, b], pageInfo: { endCursor: null, hasNextPage: false } });
    expect(titles(s)).toEqual(['renamed', 'todo 2']);
  });

  it('shows only the todos the filter selects, and follows a todo out of (and into) it', () => {
    let s = loaded([a, b], false, 'ACTIVE');
    s = todoListReducer(s, observed([{ ...a, completed: true, version: 2 }]));
    expect(titles(s)).toEqual(['todo 2']);
    s = todoListReducer(s, observed([{ ...a, completed: false, version: 3 }]));
    expect(titles(s)).toEqual(['todo 1', 'todo 2']);
    const done = loaded([{ ...c, completed: true }], false, 'COMPLETED');
    expect(titles(todoListReducer(done, observed([d])))).toEqual(['todo 3']);
  });

  it('with more pages to come, a todo that sorts after the loaded ones waits for its page', () => {
    let s = loaded([a, b], true);
    expect(s.boundary).toEqual({ position: b.position, id: b.id });
    s = todoListReducer(s, observed([d]));
    expect(titles(s)).toEqual(['todo 1', 'todo 2']);
    // ... unless it was added from this page
    s = todoListReducer(s, { type: 'added', todo: makeTodo(5) });
    expect(titles(s)).toEqual(['todo 1', 'todo 2', 'todo 5']);
    // a todo moved up from the unloaded part shows at once
    s = todoListReducer(s, observed([{ ...c, position: '0000i', version: 2 }]));
    expect(titles(s)).toEqual(['todo 3', 'todo 1', 'todo 2', 'todo 5']);
    // the next page appends and, being the last, lifts the boundary
    s = todoListReducer(s, { type: 'page', filter: 'ALL', first: false, nodes: [c, d], pageInfo: { endCursor: 'e2', hasNextPage: false } });
    expect(titles(s)).toEqual(['todo 3', 'todo 1', 'todo 2', 'todo 4', 'todo 5']);
    expect(s.hasNextPage).toBe(false);
    expect(s.boundary).toBeNull();
  });

  it('drops a page answered for a filter no longer shown', () => {
    let s = loaded([a, b]);
    s = todoListReducer(s, { type: 'reset', filter: 'COMPLETED' });
    s = todoListReducer(s, { type: 'page', filter: 'ALL', first: true, nodes: [c], pageInfo: { endCursor: null, hasNextPage: false } });
    expect(s.loaded).toBe(false);
    expect(titles(s)).toEqual([]); // nothing completed among what is known
  });
});

describe('observationOf', () => {
  it('reads every kind of change', () => {
    expect(observationOf(change('CREATED', { todo: a }))).toEqual({ todos: [a], removedIds: [] });
    expect(observationOf(change('UPDATED', { todo: a }))).toEqual({ todos: [a], removedIds: [] });
    expect(observationOf(change('DELETED', { todoId: a.id }))).toEqual({ todos: [], removedIds: [a.id] });
    expect(observationOf(change('BULK', { todos: [a, b], deletedIds: [c.id] }))).toEqual({ todos: [a, b], removedIds: [c.id] });
    expect(observationOf(change('RESYNC'))).toEqual({ todos: [], removedIds: [] });
  });
});
