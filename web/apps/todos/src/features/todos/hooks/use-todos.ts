import { useCallback, useEffect, useReducer, useState } from 'react';
import { useClient, useMutation, useQuery, type CombinedError } from 'urql';
import {
  AddTodoDocument,
  DeleteTodoDocument,
  TodoChangedDocument,
  TodosDocument,
  ToggleTodoDocument,
} from '../../../lib/gql/graphql.ts';
import { useOnReconnected } from '../../../lib/live-connection.ts';
import { initialTodoListState, todoListReducer, type Todo } from '../utils/merge-todos.ts';

export interface UseTodos {
  todos: Todo[] | null;
  loading: boolean;
  error: CombinedError | undefined;
  liveError: CombinedError | undefined;
  addTodo(title: string): Promise<CombinedError | undefined>;
  toggleTodo(id: string): Promise<CombinedError | undefined>;
  deleteTodo(id: string): Promise<CombinedError | undefined>;
  reload(): void;
}

/**
 * The signed-in user's todos: loaded once, kept current by the `todoChanged` subscription
 * (changes from any tab or device) and by this client's own mutation results; a todo that
 * arrives by both paths is merged by id. After the live connection drops and comes back,
 * the list is loaded again, since changes may have been missed in between.
 */
export function useTodos(): UseTodos {
  const client = useClient();
  const [state, dispatch] = useReducer(todoListReducer, initialTodoListState);
  const [liveError, setLiveError] = useState<CombinedError>();
  const [query, reexecute] = useQuery({ query: TodosDocument, requestPolicy: 'network-only' });
  const [, add] = useMutation(AddTodoDocument);
  const [, toggle] = useMutation(ToggleTodoDocument);
  const [, remove] = useMutation(DeleteTodoDocument);

  useEffect(() => {
    if (query.data) dispatch({ type: 'loaded', todos: query.data.todos });
  }, [query.data]);

  useEffect(() => {
    const { unsubscribe } = client.subscription(TodoChangedDocument, {}).subscribe((result) => {
      if (result.data) {
        setLiveError(undefined);
        dispatch({ type: 'changed', change: result.data.todoChanged });
      } else if (result.error) {
        setLiveError(result.error);
      }
    });
    return unsubscribe;
  }, [client]);

  const addTodo = useCallback(
    async (title: string) => {
      const result = await add({ input: { title } });
      if (result.data) {
        const todo = result.data.addTodo;
        dispatch({ type: 'changed', change: { kind: 'CREATED', todoId: todo.id, todo } });
      }
      return result.error;
    },
    [add],
  );

  const toggleTodo = useCallback(
    async (id: string) => {
      const result = await toggle({ id });
      if (result.data) {
        const todo = result.data.toggleTodo;
        dispatch({ type: 'changed', change: { kind: 'UPDATED', todoId: todo.id, todo } });
      }
      return result.error;
    },
    [toggle],
  );

  const deleteTodo = useCallback(
    async (id: string) => {
      const result = await remove({ id });
      if (result.data) {
        dispatch({ type: 'changed', change: { kind: 'DELETED', todoId: result.data.deleteTodo, todo: null } });
      }
      return result.error;
    },
    [remove],
  );

  const reload = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);

  const onReconnected = useOnReconnected();
  useEffect(() => onReconnected(reload), [onReconnected, reload]);

  return {
    todos: state.todos,
    loading: query.fetching && state.todos === null,
    error: query.error,
    liveError,
    addTodo,
    toggleTodo,
    deleteTodo,
    reload,
  };
}
