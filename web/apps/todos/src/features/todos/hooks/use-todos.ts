import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { useClient, type CombinedError, type OperationResult } from 'urql';
import {
  AddTodoDocument,
  ClearCompletedDocument,
  DeleteTodoDocument,
  MoveTodoDocument,
  TodoChangedDocument,
  TodoCountsDocument,
  TodoDocument,
  TodosDocument,
  ToggleAllDocument,
  ToggleTodoDocument,
  UpdateTodoDocument,
  type TodoCountsQuery,
} from '../../../lib/gql/graphql.ts';
import { useOnReconnected } from '../../../lib/live-connection.ts';
import { newTodoId } from '../utils/todo-id.ts';
import { conflictCurrent, errorCode, errorMessage, isNetworkError } from '../utils/todo-errors.ts';
import {
  initialTodoListState,
  observationOf,
  todoListReducer,
  visibleTodos,
  type Observation,
  type Todo,
  type TodoFilter,
} from '../utils/todo-list-state.ts';
import { changedMeanwhile, type TodoField, type TodoPatch } from '../utils/todo-patch.ts';

export type TodoCounts = TodoCountsQuery['todoCounts'];

/** What a new todo may carry besides its title. */
export interface NewTodo {
  title: string;
  notes?: string;
  dueOn?: string | null;
  priority?: Todo['priority'];
  tags?: string[];
}

/** A message about the last action that did not go as asked. */
export interface Notice {
  tone: 'error' | 'info';
  message: string;
}

export interface UseTodos {
  filter: TodoFilter;
  /** The todos to show, in list order; null until the first page arrives. */
  todos: Todo[] | null;
  /** How many todos there are in each state (all of them, not only the loaded pages). */
  counts: TodoCounts | null;
  hasNextPage: boolean;
  loading: boolean;
  loadingMore: boolean;
  /** Why the list could not be loaded. */
  error: CombinedError | undefined;
  /** Set while the live connection is down (it reconnects by itself). */
  liveError: CombinedError | undefined;
  notice: Notice | null;
  dismissNotice(): void;
  /** Resolves an error message, or undefined once the todo is added. */
  addTodo(todo: NewTodo): Promise<string | undefined>;
  /** Changes fields of `seen` (the todo as the user saw it); resolves whether it was applied. */
  updateTodo(seen: Todo, patch: TodoPatch): Promise<boolean>;
  toggleTodo(seen: Todo): Promise<boolean>;
  /** Moves `seen` between two todos of the list (null: to that end). */
  moveTodo(seen: Todo, afterId: string | null, beforeId: string | null): Promise<boolean>;
  deleteTodo(seen: Todo): Promise<boolean>;
  toggleAll(completed: boolean): Promise<boolean>;
  clearCompleted(): Promise<boolean>;
  loadMore(): Promise<void>;
  reload(): void;
}

export interface UseTodosOptions {
  /** Todos per page (default 50). */
  pageSize?: number;
  /** First wait before subscribing again after the live subscription failed (ms, default 1000; doubles up to 30 s). */
  resubscribeDelayMs?: number;
}

const one = (todo: Todo): Observation => ({ todos: [todo], removedIds: [] });

const quoted = (title: string) => `"${title.length > 60 ? `${title.slice(0, 60)}…` : title}"`;

/**
 * The signed-in user's todos for one filter, page by page, kept current by the
 * `todoChanged` subscription and by this page's own mutation results, and their counts.
 *
 * - Every answer and change is applied by todo id and version, so duplicates, replays and
 *   late arrivals never show an older todo or bring back a deleted one.
 * - The subscription remembers the last change's cursor. When the websocket comes back
 *   (or the subscription failed and is started again) it resubscribes with
 *   `since: <that cursor>`, so the changes missed meanwhile arrive first; a RESYNC change
 *   (the server no longer has them) reads the list again. Without a cursor yet, the list
 *   is read again.
 * - Changes carry the version the user saw. A CONFLICT (someone changed the todo
 *   meanwhile) shows the todo as it is now; when the other change touched none of the
 *   fields this one changes, this one is applied again on top, otherwise the user is told
 *   their change was not applied.
 * - addTodo picks the todo's id on the client, so the one retry after a network error
 *   cannot create a second todo.
 */
export function useTodos(filter: TodoFilter, options: UseTodosOptions = {}): UseTodos {
  const { pageSize = 50, resubscribeDelayMs = 1000 } = options;
  const client = useClient();
  const [state, dispatch] = useReducer(todoListReducer, filter, initialTodoListState);
  const [error, setError] = useState<CombinedError>();
  const [loadingMore, setLoadingMore] = useState(false);
  const [counts, setCounts] = useState<TodoCounts | null>(null);
  const [liveError, setLiveError] = useState<CombinedError>();
  const [notice, setNotice] = useState<Notice | null>(null);

  const stateRef = useRef(state);
  stateRef.current = state;
  // Bumped by every first-page load: an older load's answer is dropped.
  const generation = useRef(0);

  // Counts: read after every change, one request at a time; a change during a request
  // asks for one more read after it, so the last read always follows the last change.
  const countsRun = useRef({ inFlight: false, again: false });
  const refreshCounts = useCallback(() => {
    const run = countsRun.current;
    if (run.inFlight) {
      run.again = true;
      return;
    }
    run.inFlight = true;
    void client
      .query(TodoCountsDocument, {}, { requestPolicy: 'network-only' })
      .toPromise()
      .then((result) => {
        if (result.data) setCounts(result.data.todoCounts);
      })
      .finally(() => {
        run.inFlight = false;
        if (run.again) {
          run.again = false;
          refreshCounts();
        }
      });
  }, [client]);

  const observe = useCallback(
    (observation: Observation) => {
      dispatch({ type: 'observed', observation });
      refreshCounts();
    },
    [refreshCounts],
  );

  const loadFirstPage = useCallback(
    (f: TodoFilter) => {
      const gen = ++generation.current;
      dispatch({ type: 'reset', filter: f });
      void client
        .query(TodosDocument, { filter: f, first: pageSize, after: null }, { requestPolicy: 'network-only' })
        .toPromise()
        .then((result) => {
          if (gen !== generation.current) return;
          if (result.data) {
            setError(undefined);
            const { nodes, pageInfo } = result.data.todos;
            dispatch({ type: 'page', filter: f, first: true, nodes, pageInfo });
          } else {
            setError(result.error);
          }
        });
    },
    [client, pageSize],
  );

  const reload = useCallback(() => {
    loadFirstPage(stateRef.current.filter);
    refreshCounts();
  }, [loadFirstPage, refreshCounts]);

  useEffect(() => {
    loadFirstPage(filter);
    refreshCounts();
  }, [filter, loadFirstPage, refreshCounts]);

  // Live changes, resumed from the last cursor after a reconnect or a failure.
  const reloadRef = useRef(reload);
  reloadRef.current = reload;
  const onReconnected = useOnReconnected();
  useEffect(() => {
    let lastCursor: string | null = null;
    let current: { unsubscribe(): void } | null = null;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let stopped = false;

    const start = () => {
      clearTimeout(retryTimer);
      current?.unsubscribe();
      const since = lastCursor;
      const handle: { unsubscribe(): void; failed?: boolean } = { unsubscribe: () => {} };
      current = handle;
      const { unsubscribe } = client.subscription(TodoChangedDocument, { since }).subscribe((result) => {
        if (stopped || current !== handle) return;
        const change = result.data?.todoChanged;
        if (change) {
          failures = 0;
          setLiveError(undefined);
          lastCursor = change.cursor;
          if (change.kind === 'RESYNC') reloadRef.current();
          else observe(observationOf(change));
        } else if (result.error && !handle.failed) {
          // The subscription ended (or never started): start again, later.
          handle.failed = true;
          setLiveError(result.error);
          if (errorCode(result.error) === 'INVALID') lastCursor = null; // a cursor the server refuses
          retryTimer = setTimeout(resume, Math.min(30_000, resubscribeDelayMs * 2 ** failures++));
        }
      });
      handle.unsubscribe = unsubscribe;
    };

    // After a gap: with a cursor the server replays what was missed; without one, read the list.
    const resume = () => {
      if (stopped) return;
      const hadCursor = lastCursor !== null;
      start();
      if (!hadCursor) reloadRef.current();
    };

    start();
    const stopListening = onReconnected(resume);
    return () => {
      stopped = true;
      clearTimeout(retryTimer);
      stopListening();
      current?.unsubscribe();
    };
  }, [client, onReconnected, observe, resubscribeDelayMs]);

  const fetchCurrent = useCallback(
    async (id: string): Promise<Todo | null> => {
      const result = await client.query(TodoDocument, { id }, { requestPolicy: 'network-only' }).toPromise();
      if (result.data) return result.data.todo;
      if (errorCode(result.error) === 'NOT_FOUND') observe({ todos: [], removedIds: [id] });
      return null;
    },
    [client, observe],
  );

  /**
   * Runs a change of one todo against the version the user saw, and settles a CONFLICT:
   * the todo as it is now replaces the shown one, and the change is sent once more
   * against the current version when nobody touched `fields` meanwhile (`reapply`).
   */
  const changeTodo = useCallback(
    async <T>(
      seen: Todo,
      run: (version: number) => Promise<OperationResult<T>>,
      apply: (data: T) => Observation,
      { fields, reapply, what }: { fields: readonly TodoField[]; reapply: boolean; what: string },
    ): Promise<boolean> => {
      let result = await run(seen.version);
      if (errorCode(result.error) === 'CONFLICT') {
        const current = conflictCurrent(result.error, seen) ?? (await fetchCurrent(seen.id));
        if (current) observe({ todos: [current], removedIds: [] });
        if (current && reapply && !changedMeanwhile(seen, current, fields)) {
          result = await run(current.version);
        } else {
          setNotice({
            tone: 'error',
            message: `${quoted(seen.title)} was changed elsewhere; ${what}. It now shows the latest version.`,
          });
          return false;
        }
      }
      if (result.data) {
        setNotice(null);
        observe(apply(result.data));
        return true;
      }
      if (errorCode(result.error) === 'NOT_FOUND') {
        observe({ todos: [], removedIds: [seen.id] });
        setNotice({ tone: 'info', message: `${quoted(seen.title)} was deleted elsewhere.` });
        return false;
      }
      if (errorCode(result.error) === 'CONFLICT') {
        setNotice({ tone: 'error', message: `${quoted(seen.title)} was changed elsewhere; ${what}.` });
        return false;
      }
      setNotice({ tone: 'error', message: result.error ? errorMessage(result.error) : 'Something went wrong.' });
      return false;
    },
    [fetchCurrent, observe],
  );

  const updateTodo = useCallback(
    (seen: Todo, patch: TodoPatch) =>
      changeTodo(
        seen,
        (version) => client.mutation(UpdateTodoDocument, { input: { id: seen.id, version, ...patch } }).toPromise(),
        (data) => one(data.updateTodo),
        { fields: Object.keys(patch) as TodoField[], reapply: true, what: 'your edit was not applied' },
      ),
    [changeTodo, client],
  );

  const toggleTodo = useCallback(
    (seen: Todo) =>
      changeTodo(
        seen,
        (version) => client.mutation(ToggleTodoDocument, { id: seen.id, version }).toPromise(),
        (data) => one(data.toggleTodo),
        { fields: ['completed'], reapply: true, what: 'your change was not applied' },
      ),
    [changeTodo, client],
  );

  const moveTodo = useCallback(
    (seen: Todo, afterId: string | null, beforeId: string | null) =>
      changeTodo(
        seen,
        (version) => client.mutation(MoveTodoDocument, { id: seen.id, afterId, beforeId, version }).toPromise(),
        (data) => one(data.moveTodo),
        { fields: ['position'], reapply: true, what: 'it was not moved' },
      ),
    [changeTodo, client],
  );

  const deleteTodo = useCallback(
    (seen: Todo) =>
      changeTodo(
        seen,
        (version) => client.mutation(DeleteTodoDocument, { id: seen.id, version }).toPromise(),
        (data) => ({ todos: [], removedIds: [data.deleteTodo] }),
        // Deleting what someone just changed loses their change: ask again instead.
        { fields: [], reapply: false, what: 'it was not deleted (delete it again if you still mean to)' },
      ),
    [changeTodo, client],
  );

  const addTodo = useCallback(
    async (todo: NewTodo) => {
      const input = { id: newTodoId(), ...todo };
      const send = () => client.mutation(AddTodoDocument, { input }).toPromise();
      let result = await send();
      // Same id: if the first attempt did reach the server, this returns its todo.
      if (isNetworkError(result.error)) result = await send();
      if (result.data) {
        dispatch({ type: 'added', todo: result.data.addTodo });
        refreshCounts();
        return undefined;
      }
      return result.error ? errorMessage(result.error) : 'The todo was not added.';
    },
    [client, refreshCounts],
  );

  const bulk = useCallback(
    async <T>(result: Promise<OperationResult<T>>, apply: (data: T) => Observation) => {
      const { data, error: failure } = await result;
      if (data) {
        setNotice(null);
        observe(apply(data));
        return true;
      }
      setNotice({ tone: 'error', message: failure ? errorMessage(failure) : 'Something went wrong.' });
      return false;
    },
    [observe],
  );

  const toggleAll = useCallback(
    (completed: boolean) =>
      bulk(client.mutation(ToggleAllDocument, { completed }).toPromise(), (data) => ({
        todos: data.toggleAll,
        removedIds: [],
      })),
    [bulk, client],
  );

  const clearCompleted = useCallback(
    () =>
      bulk(client.mutation(ClearCompletedDocument, {}).toPromise(), (data) => ({
        todos: [],
        removedIds: data.clearCompleted,
      })),
    [bulk, client],
  );

  const loadMore = useCallback(async () => {
    const { filter: f, endCursor, hasNextPage } = stateRef.current;
    if (!hasNextPage || !endCursor) return;
    const gen = generation.current;
    setLoadingMore(true);
    const result = await client
      .query(TodosDocument, { filter: f, first: pageSize, after: endCursor }, { requestPolicy: 'network-only' })
      .toPromise();
    setLoadingMore(false);
    if (gen !== generation.current) return;
    if (result.data) {
      const { nodes, pageInfo } = result.data.todos;
      dispatch({ type: 'page', filter: f, first: false, nodes, pageInfo });
    } else if (result.error) {
      setNotice({ tone: 'error', message: `Could not load more todos: ${errorMessage(result.error)}` });
    }
  }, [client, pageSize]);

  const todos = useMemo(() => (state.loaded || Object.keys(state.byId).length > 0 ? visibleTodos(state) : null), [state]);
  const dismissNotice = useCallback(() => setNotice(null), []);

  return {
    filter: state.filter,
    todos,
    counts,
    hasNextPage: state.loaded && state.hasNextPage,
    loading: !state.loaded && !error,
    loadingMore,
    error,
    liveError,
    notice,
    dismissNotice,
    addTodo,
    updateTodo,
    toggleTodo,
    moveTodo,
    deleteTodo,
    toggleAll,
    clearCompleted,
    loadMore,
    reload,
  };
}
