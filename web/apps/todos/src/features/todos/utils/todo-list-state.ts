import type { TodoChangedSubscription, TodoFieldsFragment, TodoFilter } from '../../../lib/gql/graphql.ts';

export type Todo = TodoFieldsFragment;
export type TodoChange = TodoChangedSubscription['todoChanged'];
export type { TodoFilter };

/**
 * What the client learned about the list, from a mutation's answer or a live change:
 * todos as they are now (`todos`) and todos that no longer exist (`removedIds`).
 */
export interface Observation {
  todos: readonly Todo[];
  removedIds: readonly string[];
}

/** The observation a live change carries (RESYNC carries none: the list must be read again). */
export function observationOf(change: TodoChange): Observation {
  switch (change.kind) {
    case 'CREATED':
    case 'UPDATED':
      return change.todo ? { todos: [change.todo], removedIds: [] } : { todos: [], removedIds: [] };
    case 'DELETED':
      return { todos: [], removedIds: change.todoId ? [change.todoId] : [] };
    case 'BULK':
      return { todos: change.todos, removedIds: change.deletedIds };
    default:
      return { todos: [], removedIds: [] };
  }
}

/** Where a todo sits in the list: by position, then by id (the server's order). */
export interface SortKey {
  position: string;
  id: string;
}

/** Compares by list order. Positions are [0-9a-z] strings compared byte-wise, as JS `<` does. */
export function compareKeys(a: SortKey, b: SortKey): number {
  if (a.position !== b.position) return a.position < b.position ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return 0;
}

export function matchesFilter(todo: Todo, filter: TodoFilter): boolean {
  return filter === 'ALL' || (filter === 'ACTIVE' ? !todo.completed : todo.completed);
}

export interface TodoListState {
  filter: TodoFilter;
  /** The first page for `filter` has arrived (until then `pending` collects observations). */
  loaded: boolean;
  /** The latest version seen of every todo the client knows about, shown or not. */
  byId: Readonly<Record<string, Todo>>;
  /** Todos known to be deleted: a late or replayed change never brings them back. */
  deletedIds: Readonly<Record<string, true>>;
  /** Todos added from this page: shown even when they sort after the pages loaded so far. */
  pinnedIds: Readonly<Record<string, true>>;
  /** Observations made while the first page was on its way, replayed on top of it. */
  pending: readonly Observation[];
  /** Sort key of the last todo loaded, while more pages follow; null when all are loaded. */
  boundary: SortKey | null;
  endCursor: string | null;
  hasNextPage: boolean;
}

export interface PageInfo {
  endCursor: string | null;
  hasNextPage: boolean;
}

export type TodoListAction =
  /** Start over for `filter` (a filter change, a resync): the next `page` with `first` replaces what is known. */
  | { type: 'reset'; filter: TodoFilter }
  /** A page of `filter` arrived: the first one (`first: true`) or the next one ("Load more"). */
  | { type: 'page'; filter: TodoFilter; first: boolean; nodes: readonly Todo[]; pageInfo: PageInfo }
  | { type: 'observed'; observation: Observation }
  /** A todo added from this page: shown wherever it sorts. */
  | { type: 'added'; todo: Todo };

export function initialTodoListState(filter: TodoFilter): TodoListState {
  return {
    filter,
    loaded: false,
    byId: {},
    deletedIds: {},
    pinnedIds: {},
    pending: [],
    boundary: null,
    endCursor: null,
    hasNextPage: false,
  };
}

/**
 * Applies an observation by todo id and version: a todo older than the one known is
 * ignored, and so is any todo known to be deleted. So replays, duplicates (the mutation's
 * answer and the subscription's echo) and late arrivals are harmless.
 */
function observe(state: TodoListState, observation: Observation): TodoListState {
  if (observation.todos.length === 0 && observation.removedIds.length === 0) return state;
  const byId: Record<string, Todo> = { ...state.byId };
  const deletedIds: Record<string, true> = { ...state.deletedIds };
  const pinnedIds: Record<string, true> = { ...state.pinnedIds };
  for (const id of observation.removedIds) {
    delete byId[id];
    delete pinnedIds[id];
    deletedIds[id] = true;
  }
  for (const todo of observation.todos) {
    if (deletedIds[todo.id]) continue;
    const known = byId[todo.id];
    if (known && known.version > todo.version) continue;
    // Same version, same todo: keep the owner we had if this copy came without it.
    byId[todo.id] = known && known.version === todo.version && !todo.owner && known.owner ? { ...todo, owner: known.owner } : todo;
  }
  return { ...state, byId, deletedIds, pinnedIds };
}

function boundaryOf(nodes: readonly Todo[], pageInfo: PageInfo, previous: SortKey | null): SortKey | null {
  if (!pageInfo.hasNextPage) return null;
  const last = nodes[nodes.length - 1];
  return last ? { position: last.position, id: last.id } : previous;
}

export function todoListReducer(state: TodoListState, action: TodoListAction): TodoListState {
  switch (action.type) {
    case 'reset':
      // Keep what is known on screen (filtered anew) until the first page replaces it.
      return { ...state, filter: action.filter, loaded: false, pending: [] };
    case 'page': {
      if (action.filter !== state.filter) return state; // an answer for a filter no longer shown
      const pageInfo = { endCursor: action.pageInfo.endCursor, hasNextPage: action.pageInfo.hasNextPage };
      if (action.first) {
        const byId: Record<string, Todo> = {};
        for (const todo of action.nodes) if (!state.deletedIds[todo.id]) byId[todo.id] = todo;
        const fresh: TodoListState = {
          ...state,
          loaded: true,
          byId,
          pending: [],
          boundary: boundaryOf(action.nodes, pageInfo, null),
          ...pageInfo,
        };
        return state.pending.reduce(observe, fresh);
      }
      if (!state.loaded) return state;
      const merged = observe(state, { todos: action.nodes, removedIds: [] });
      return { ...merged, boundary: boundaryOf(action.nodes, pageInfo, state.boundary), ...pageInfo };
    }
    case 'observed': {
      const next = observe(state, action.observation);
      return state.loaded ? next : { ...next, pending: [...state.pending, action.observation] };
    }
    case 'added': {
      const next = observe(state, { todos: [action.todo], removedIds: [] });
      if (!next.byId[action.todo.id]) return next;
      const pinned = { ...next, pinnedIds: { ...next.pinnedIds, [action.todo.id]: true as const } };
      return state.loaded ? pinned : { ...pinned, pending: [...state.pending, { todos: [action.todo], removedIds: [] }] };
    }
  }
}

/**
 * The todos to show, in list order: those that match the filter and fall within the
 * pages loaded so far (a todo that sorts after them shows up with the next page), plus
 * those added from this page.
 */
export function visibleTodos(state: TodoListState): Todo[] {
  const { boundary } = state;
  return Object.values(state.byId)
    .filter(
      (todo) =>
        matchesFilter(todo, state.filter) &&
        (boundary === null || compareKeys(todo, boundary) <= 0 || state.pinnedIds[todo.id] === true),
    )
    .sort(compareKeys);
}
